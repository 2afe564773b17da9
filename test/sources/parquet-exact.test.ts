// Parquet read exactly by the sources (Postgres and PGlite parse it; Redshift reads it natively):
// DECIMAL as exact decimal text (INT32, INT64, FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY, 38 digits),
// timestamps keeping their microseconds (MICROS, NANOS, before 1970), INT64 beyond 2^53 as
// bigint, an un-annotated BYTE_ARRAY as bytes into VARBYTE (and as text into VARCHAR), strings
// as strings. Written as upshift's UNLOAD writes them, loaded with fromS3File into Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { PostgresDatabase, S3Stage, defineTable, fromS3File, t } from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';
import { putObject } from './fixtures.js';

let s: TestSchema;
let db: PostgresDatabase;
const prefix = `sources-pq-exact-${randomBytes(4).toString('hex')}`;
const s3 = testS3Client();

beforeAll(async () => {
  s = await createTestSchema('src_pq_exact');
  db = new PostgresDatabase({
    connectionString: s.url,
    stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}/stage`, client: s3 }),
    auditSchema: `${s.schema}_audit`,
  });
});
afterAll(async () => {
  await db.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await db.close();
  await s.drop();
});

const exactModel = (schema: string, name: string) =>
  defineTable(
    `${schema}.${name}`,
    {
      id: t.bigint().notNull(),
      wide: t.decimal(38, 10),
      money: t.decimal(12, 2),
      small: t.decimal(9, 2),
      loose: t.decimal(20, 4),
      ts: t.timestamp(),
      tsz: t.timestamptz(),
      tsn: t.timestamp(),
      vb: t.varbyte(),
      vc: t.varchar('max'),
      raw_text: t.varchar(100),
    },
    { upsertKey: ['id'] },
  );

const opt = { repetition_type: 'OPTIONAL' as const };
const decimal = (
  name: string,
  precision: number,
  scale: number,
  physical: Pick<SchemaElement, 'type' | 'type_length'>,
): SchemaElement => ({
  name,
  ...opt,
  ...physical,
  converted_type: 'DECIMAL',
  precision,
  scale,
  logical_type: { type: 'DECIMAL', precision, scale },
});
const micros = (iso: string, extra: bigint) => BigInt(Date.parse(iso)) * 1000n + extra;
const twoToThe53 = 2n ** 53n;

describe('Parquet read exactly', () => {
  it('decimals, microseconds, bytes and bigints survive fromS3File into Postgres exactly', async () => {
    const schema: SchemaElement[] = [
      { name: 'schema', num_children: 11 },
      { name: 'id', ...opt, type: 'INT64' },
      decimal('wide', 38, 10, { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16 }),
      decimal('money', 12, 2, { type: 'INT64' }),
      decimal('small', 9, 2, { type: 'INT32' }),
      decimal('loose', 20, 4, { type: 'BYTE_ARRAY' }),
      {
        name: 'ts',
        ...opt,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
      },
      {
        name: 'tsz',
        ...opt,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      },
      {
        name: 'tsn',
        ...opt,
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
      },
      { name: 'vb', ...opt, type: 'BYTE_ARRAY' },
      { name: 'vc', ...opt, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
      { name: 'raw_text', ...opt, type: 'BYTE_ARRAY' },
    ];
    const buf = parquetWriteBuffer({
      schema,
      rowGroupSize: 2, // two row groups: read one at a time
      columnData: [
        { name: 'id', data: [1n, twoToThe53 + 1n, 3n] },
        // -1234567890123456789012345678.0123456789 (38 digits), its negation, NULL
        {
          name: 'wide',
          data: [-12345678901234567890123456780123456789n, 99999999999999999999999999999999999999n, null],
        },
        { name: 'money', data: [303n, -999999999999n, 5n] }, // 3.03, -9999999999.99, 0.05
        { name: 'small', data: [-5n, 1234567n, null] }, // -0.05, 12345.67
        { name: 'loose', data: [-1n, 123456789012345678n, 10000n] }, // -0.0001, 12345678901234.5678, 1.0000
        { name: 'ts', data: [micros('1999-12-31T23:59:59Z', 999999n), micros('1969-12-31T23:59:59Z', 1n), null] },
        {
          name: 'tsz',
          data: [
            micros('2026-11-24T08:00:00Z', 123456n),
            micros('0001-01-01T00:00:00Z', 7n),
            micros('2026-01-01T00:00:00Z', 0n),
          ],
        },
        { name: 'tsn', data: [micros('2026-11-24T10:00:00Z', 654321n) * 1000n, null, -1000n] },
        { name: 'vb', data: [new Uint8Array([0, 255, 10, 13, 34, 92, 0xc3]), new Uint8Array([]), null] },
        { name: 'vc', data: ['emoji 😀 é', '', null] },
        { name: 'raw_text', data: [new TextEncoder().encode('héllo'), null, new TextEncoder().encode('')] },
      ],
    });
    const uri = await putObject(s3, TEST_BUCKET, `${prefix}/data/exact.parquet`, Buffer.from(buf));

    const model = exactModel(s.schema, 'exact');
    const table = db.table(model);
    await table.create();
    const r = await table.loadFrom(fromS3File(uri, { client: s3 }));
    expect(r).toMatchObject({ staged: 3, inserted: 3 });

    const rows = await db.query<Record<string, unknown>>(`
      select id, wide::text, money::text, small::text, loose::text, ts::text, (tsz at time zone 'UTC')::text as tsz, tsn::text,
             encode(vb, 'hex') as vb, vc, raw_text
        from "${s.schema}".exact order by id`);
    expect(rows).toEqual([
      {
        id: 1n,
        wide: '-1234567890123456789012345678.0123456789',
        money: '3.03',
        small: '-0.05',
        loose: '-0.0001',
        ts: '1999-12-31 23:59:59.999999',
        tsz: '2026-11-24 08:00:00.123456',
        tsn: '2026-11-24 10:00:00.654321',
        vb: '00ff0a0d225cc3',
        vc: 'emoji 😀 é',
        raw_text: 'héllo',
      },
      {
        id: 3n,
        wide: null,
        money: '0.05',
        small: null,
        loose: '1.0000',
        ts: null,
        tsz: '2026-01-01 00:00:00',
        tsn: '1969-12-31 23:59:59.999999',
        vb: null,
        vc: null,
        raw_text: '',
      },
      {
        id: twoToThe53 + 1n,
        wide: '9999999999999999999999999999.9999999999',
        money: '-9999999999.99',
        small: '12345.67',
        loose: '12345678901234.5678',
        ts: '1969-12-31 23:59:59.000001',
        tsz: '0001-01-01 00:00:00.000007',
        tsn: null,
        vb: '',
        vc: '',
        raw_text: null,
      },
    ]);
  });

  it('nanoseconds beyond microseconds are refused, not rounded', async () => {
    const buf = parquetWriteBuffer({
      schema: [
        { name: 'schema', num_children: 2 },
        { name: 'id', ...opt, type: 'INT64' },
        {
          name: 'tsn',
          ...opt,
          type: 'INT64',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'NANOS' },
        },
      ],
      columnData: [
        { name: 'id', data: [1n] },
        { name: 'tsn', data: [micros('2026-11-24T10:00:00Z', 1n) * 1000n + 1n] },
      ],
    });
    const uri = await putObject(s3, TEST_BUCKET, `${prefix}/data/nanos.parquet`, Buffer.from(buf));
    const table = db.table(exactModel(s.schema, 'nanos'));
    await table.create();
    await expect(table.loadFrom(fromS3File(uri, { client: s3 }), { partial: true })).rejects.toMatchObject({
      column: 'tsn',
      value: '2026-11-24T10:00:00.000001001Z',
    });
  });
});
