// Compile-time guarantees of the source options (checked by tsc; the runtime halves run here).
import { describe, expectTypeOf, it } from 'vitest';
import pg from 'pg';
import {
  fromLocalFile,
  fromPostgresQuery,
  fromS3File,
  type PostgresQueryOptions,
  type S3SourceOptions,
  type Source,
} from '../../src/index.js';

describe('source option types', () => {
  it('fromPostgresQuery takes a connection string or a pool, never both, never neither', () => {
    expectTypeOf(fromPostgresQuery('select 1', { connectionString: 'postgres://x' })).toEqualTypeOf<Source>();
    expectTypeOf<{ pool: pg.Pool; params: [1, 'a'] }>().toExtend<PostgresQueryOptions>();
    // @ts-expect-error neither a connection string nor a pool
    expectTypeOf<{ params: [] }>().toExtend<PostgresQueryOptions>();
    // @ts-expect-error both
    expectTypeOf<{ connectionString: string; pool: pg.Pool }>().toExtend<PostgresQueryOptions>();
    // @ts-expect-error an array parameter (COPY can't bind one; pass JSON text)
    expectTypeOf<{ connectionString: string; params: [number[]] }>().toExtend<PostgresQueryOptions>();
  });

  it('file formats are a closed set', () => {
    expectTypeOf<S3SourceOptions['format']>().toEqualTypeOf<'csv' | 'jsonl' | 'parquet' | undefined>();
    expectTypeOf<NonNullable<Parameters<typeof fromLocalFile>[1]>['format']>().toEqualTypeOf<
      'csv' | 'jsonl' | 'parquet' | undefined
    >();
    fromLocalFile('x.parquet', { format: 'parquet' });
    // @ts-expect-error not a format upshift reads
    fromLocalFile('x.xml', { format: 'xml' });
    // @ts-expect-error an unknown option
    fromS3File('s3://b/k', { compression: 'gzip' });
  });

  it('text encodings are a closed set (the CLI maps names through textEncoding)', () => {
    expectTypeOf<S3SourceOptions['encoding']>().toEqualTypeOf<'utf8' | 'latin1' | 'windows-1252' | undefined>();
    fromLocalFile('x.csv', { encoding: 'windows-1252' });
    // @ts-expect-error not an encoding upshift reads
    fromLocalFile('x.csv', { encoding: 'utf16' });
  });
});
