// Compile-time guarantees of the toolbox API (checked by tsc in `npm test`).
import { describe, expectTypeOf, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
import type {
  PostgresDatabase,
  UnloadOptions,
  UnloadQuery,
  UnloadResult,
  LoadResult,
  AuditRecord,
} from '../../src/index.js';
import type { MaintenanceOutcome, HookFailure } from '../../src/engine/index.js';
import type { S3Files } from '../../src/toolbox/index.js';
import { defineTable, t } from '../../src/index.js';

describe('toolbox types', () => {
  it('unload takes SQL, { sql, parameters } or a Kysely query, and returns an UnloadResult', () => {
    expectTypeOf<PostgresDatabase['unload']>().returns.resolves.toEqualTypeOf<UnloadResult>();
    const k = new Kysely<{ candy: { id: bigint; name: string } }>({
      dialect: new PostgresDialect({ pool: {} as never }),
    });
    expectTypeOf(k.selectFrom('candy').select(['id', 'name'])).toMatchTypeOf<UnloadQuery>();
    expectTypeOf({ sql: 'select 1', parameters: [1] }).toMatchTypeOf<UnloadQuery>();
    expectTypeOf('select 1').toMatchTypeOf<UnloadQuery>();
    // @ts-expect-error not a query
    const bad: UnloadQuery = 42;
    void bad;
    // @ts-expect-error UNLOAD formats here are csv and parquet
    const json: UnloadOptions = { format: 'json' };
    void json;
  });

  it('load results carry maintenance and hook failures; records carry timings and the error itself', () => {
    expectTypeOf<LoadResult['maintenance']>().toEqualTypeOf<MaintenanceOutcome[]>();
    expectTypeOf<LoadResult['hookErrors']>().toEqualTypeOf<HookFailure[]>();
    expectTypeOf<AuditRecord['timings']>().toEqualTypeOf<{ stageMs: number | null; loadMs: number | null }>();
    expectTypeOf<AuditRecord['cause']>().toBeUnknown();
  });

  it("S3Files.uploadRows takes the model's insert rows", () => {
    const model = defineTable('s.t', { id: t.bigint().notNull(), name: t.varchar(10) });
    // Never called: only compiled.
    const check = (files: S3Files) => {
      void files.uploadRows(model, [{ id: 1n, name: null }, { id: 2 }], 'x.csv');
      // @ts-expect-error unknown column
      void files.uploadRows(model, [{ id: 1n, nope: 1 }], 'x.csv');
      // @ts-expect-error id is required (NOT NULL, no default)
      void files.uploadRows(model, [{ name: 'a' }], 'x.csv');
    };
    expectTypeOf(check).toBeFunction();
  });
});
