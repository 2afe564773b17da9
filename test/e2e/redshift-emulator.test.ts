// The production path end to end: RedshiftDatabase -> local Redshift emulator (wire protocol,
// Redshift DDL, COPY from S3 manifests, stl_load_errors) -> the real Postgres, with S3 served
// by the local s3rver. The same behaviour suite as Postgres and PGlite, plus Redshift-only checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { LoadError, RedshiftDatabase, S3Stage, defineTable, t, type Source } from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { engineBehaviour } from '../engine/shared-behaviour.js';

let s: TestSchema;
let emulator: RedshiftEmulator;
let db: RedshiftDatabase;
type Row = Record<string, unknown>;

beforeAll(async () => {
  s = await createTestSchema('e2e_rs');
  emulator = await startRedshiftEmulator({
    port: 0,
    postgres: s.url,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
  });
  db = new RedshiftDatabase({
    connectionString: emulator.url,
    iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
    auditSchema: `${s.schema}_audit`,
    stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/e2e/${s.schema}`, client: testS3Client() }),
  });
});
afterAll(async () => {
  await db?.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
  await db?.close();
  await emulator?.close();
  await s.drop();
});

describe('RedshiftDatabase through the local Redshift emulator', () => {
  it('talks to something that says it is Redshift', async () => {
    const [v] = await db.query<{ version: string }>('select version()');
    expect(v!.version).toMatch(/Redshift/);
  });

  engineBehaviour(() => ({ db, schema: s.schema }));

  it('concurrent loads into different tables never conflict with each other (the audit table is only appended to inside a load)', async () => {
    // Each load writes its own audit row in its transaction. An UPDATE there would read the shared
    // audit table too, and on Redshift two such transactions form a cycle (1023): every
    // concurrent load would be retried, the whole COPY included.
    const tables = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const table = db.table(
          defineTable(`${s.schema}.apart_${i}`, { id: t.bigint().notNull(), v: t.integer() }, { upsertKey: ['id'] }),
        );
        await table.create();
        return table;
      }),
    );
    const results = await Promise.all(
      tables.map((table, i) => table.upsert(Array.from({ length: 50 }, (_, k) => ({ id: BigInt(k), v: i })))),
    );
    expect(results.map((r) => r.attempts)).toEqual([1, 1, 1, 1]);
    const audit = await db.query<Row>(
      `select load_id, status from "${db.auditSchema}".load_audit where load_id in (${results.map((r) => `'${r.loadId}'`).join(', ')})`,
    );
    expect(audit.map((a) => String(a.status).trim()).sort()).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
  });

  it('a COPY Redshift rejects is decoded from stl_load_errors into a LoadError', async () => {
    const table = db.table(
      defineTable(`${s.schema}.rejected`, { id: t.bigint().notNull(), qty: t.integer() }, { upsertKey: ['id'] }),
    );
    await table.create();
    await table.upsert([{ id: 1n, qty: 1 }]);
    const bad: Source = {
      describe: () => 'hand-written csv',
      async prepare(ctx) {
        const staged = await ctx.stage.writeFiles([Readable.from(['2,5\n3,not-a-number\n'])], {
          target: ctx.model,
          loadId: ctx.loadId,
          extension: '.csv',
        });
        return { staged, format: { kind: 'csv', gzip: false, nullAs: '\\N' }, ordered: false };
      },
    };
    const err = (await table.loadFrom(bad).catch((e: unknown) => e)) as LoadError;
    expect(err).toBeInstanceOf(LoadError);
    expect(err.file).toMatch(/^s3:\/\/upshift-test\/.*\.csv$/);
    expect(err).toMatchObject({ line: 2, column: 'qty', value: 'not-a-number' });
    expect(await db.query<Row>(`select id, qty from "${s.schema}".rejected`)).toEqual([{ id: 1n, qty: 1 }]);
  });

  it('without the LOCK, concurrent upserts hit Redshift error 1023 and the retry lands both', async () => {
    // A subclass that drops the LOCK step: the serializable conflict then happens for real.
    class Unlocked extends RedshiftDatabase {
      override lockTableSql(): string {
        return 'SELECT 1';
      }
    }
    const unlocked = new Unlocked({
      connectionString: emulator.url,
      iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
      auditSchema: `${s.schema}_audit`,
      stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/e2e/${s.schema}`, client: testS3Client() }),
      retry: { attempts: 8, baseDelayMs: 50 },
    });
    const model = defineTable(
      `${s.schema}.contended`,
      { id: t.bigint().notNull(), v: t.varchar(8) },
      { upsertKey: ['id'] },
    );
    const table = unlocked.table(model);
    await table.create();
    await table.upsert([{ id: 0n, v: 'seed' }]);
    const rows = (tag: string) => Array.from({ length: 200 }, (_, i) => ({ id: BigInt(i), v: tag }));
    const results = await Promise.all([table.upsert(rows('a')), table.upsert(rows('b')), table.upsert(rows('c'))]);
    expect(results.reduce((n, r) => n + r.attempts, 0)).toBeGreaterThan(3); // at least one conflict was retried
    expect(
      await unlocked.query<Row>(
        `select count(*)::int as n, count(distinct v)::int as owners from "${s.schema}".contended`,
      ),
    ).toEqual([{ n: 200, owners: 1 }]);
    await unlocked.close();
  });

  it('creates the table with Redshift DDL the emulator keeps in its catalog', async () => {
    const model = defineTable(
      `${s.schema}.ddl_check`,
      { id: t.bigint().notNull().encode('az64'), at: t.timestamptz() },
      { upsertKey: ['id'], distKey: 'id', sortKey: ['at'] },
    );
    await db.table(model).create();
    await db.table(model).upsert([{ id: 1n, at: new Date() }]); // svv_table_info lists non-empty tables only, as on Redshift
    const info = await db.query<Row>(
      `select column_name as col, data_type from svv_columns where table_schema = $1 and table_name = 'ddl_check' order by col`,
      [s.schema],
    );
    const table = await db.query<Row>(
      `select diststyle from svv_table_info where "schema" = $1 and "table" = 'ddl_check'`,
      [s.schema],
    );
    expect(String(table[0]?.diststyle)).toMatch(/KEY\(id\)/i);
    expect(info).toContainEqual({ col: 'at', data_type: 'timestamp with time zone' });
    expect(info.map((r) => r.col)).toEqual(['at', 'id']);
  });
});
