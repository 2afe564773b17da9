// The engine on the real Postgres: shared behaviour plus failure injection and a 1M-row upsert.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { LoadError, LocalStage, PostgresDatabase, S3Stage, defineTable, t, type Source } from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { testS3Client } from '../helpers/s3.js';
import { candies, candyModel } from './fixtures.js';
import { engineBehaviour } from './shared-behaviour.js';

let s: TestSchema;
let db: PostgresDatabase;
let dir: string;
type Row = Record<string, unknown>;

beforeAll(async () => {
  s = await createTestSchema('engine_pg');
  dir = mkdtempSync(join(tmpdir(), 'upshift-engine-'));
  db = new PostgresDatabase({
    connectionString: s.url,
    stage: new LocalStage({ dir }),
    auditSchema: `${s.schema}_audit`,
  });
});
afterAll(async () => {
  await db.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await db.close();
  await s.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('PostgresDatabase', () => {
  engineBehaviour(() => ({ db, schema: s.schema }));

  /** A source whose staged file is hand-written CSV, to make COPY itself reject it. */
  const csvSource = (csv: string, read?: () => Readable): Source => ({
    describe: () => 'test csv',
    async prepare(ctx) {
      const staged = await ctx.stage.writeFiles([Readable.from([csv])], {
        target: ctx.model,
        loadId: ctx.loadId,
        extension: '.csv',
      });
      return {
        staged,
        format: { kind: 'csv', gzip: false, nullAs: '\\N' },
        ordered: false,
        ...(read ? { read: async () => read() } : {}),
      };
    },
  });

  it('a COPY rejected by the database becomes a LoadError naming file, line, column and value', async () => {
    const table = db.table(
      defineTable(`${s.schema}.copy_reject`, { id: t.bigint().notNull(), qty: t.integer() }, { upsertKey: ['id'] }),
    );
    await table.create();
    await table.upsert([{ id: 1n, qty: 1 }]);
    const err = await table.loadFrom(csvSource('2,5\n3,not-a-number\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    const e = err as LoadError;
    expect(e.file).toMatch(/^file:\/\/.*\.csv$/);
    expect(e).toMatchObject({ line: 2, column: 'qty', value: 'not-a-number' });
    expect(await db.query<Row>(`select id, qty from "${s.schema}".copy_reject`)).toEqual([{ id: 1n, qty: 1 }]);
    const a = await db.query<Row>(
      `select status, error from "${s.schema}_audit".load_audit where target_table = $1 and status = 'failed'`,
      [`${s.schema}.copy_reject`],
    );
    expect(String(a[0]!.error)).toMatch(/LoadError: .*line 2, column "qty", value "not-a-number"/);
  });

  it('files without load order: duplicates fail naming sample keys, orderBy picks the winner', async () => {
    const table = db.table(
      defineTable(`${s.schema}.unordered`, { id: t.bigint().notNull(), v: t.integer() }, { upsertKey: ['id'] }),
    );
    await table.create();
    await expect(table.loadFrom(csvSource('1,1\n1,2\n2,1\n'))).rejects.toThrow(/same upsert key \(id\).*"id":"1"/);
    expect(await db.query(`select * from "${s.schema}".unordered`)).toEqual([]);
    const r = await table.loadFrom(csvSource('1,5\n1,9\n1,7\n2,1\n'), { orderBy: 'v' });
    expect(r).toMatchObject({ staged: 4, inserted: 2, duplicates: 2 });
    expect(await db.query<Row>(`select id, v from "${s.schema}".unordered order by id`)).toEqual([
      { id: 1n, v: 9 },
      { id: 2n, v: 1 },
    ]);
  });

  it('files without load order: a NULL orderBy loses to any value; two NULLs are a tie the load refuses', async () => {
    const table = db.table(
      defineTable(`${s.schema}.unordered_nulls`, { id: t.bigint().notNull(), v: t.integer() }, { upsertKey: ['id'] }),
    );
    await table.create();
    const r = await table.loadFrom(csvSource('1,\\N\n1,5\n1,\\N\n2,\\N\n'), { orderBy: 'v' });
    expect(r).toMatchObject({ staged: 4, inserted: 2, duplicates: 2 });
    expect(await db.query<Row>(`select id, v from "${s.schema}".unordered_nulls order by id`)).toEqual([
      { id: 1n, v: 5 },
      { id: 2n, v: null },
    ]);
    await expect(table.loadFrom(csvSource('3,\\N\n3,\\N\n'), { orderBy: 'v' })).rejects.toThrow(
      /same upsert key \(id\).*"id":"3"/,
    );
    expect(await db.query<Row>(`select count(*)::int as n from "${s.schema}".unordered_nulls`)).toEqual([{ n: 2 }]);
  });

  it('a connection killed mid-load rolls back: target unchanged, failed audit row', async () => {
    // Its own pool, named, so the killer finds this load's COPY and no other test's.
    const named = `${s.url}${s.url.includes('?') ? '&' : '?'}application_name=upshift-test-killed-files`;
    const db = new PostgresDatabase({
      connectionString: named,
      stage: new LocalStage({ dir }),
      auditSchema: `${s.schema}_audit`,
    });
    const table = db.table(
      defineTable(`${s.schema}.killed`, { id: t.bigint().notNull(), v: t.integer() }, { upsertKey: ['id'] }),
    );
    await table.create();
    await table.upsert([{ id: 1n, v: 1 }]);
    const killer = new pg.Client({ connectionString: s.url });
    await killer.connect();
    // The file stream stalls after its first chunk; meanwhile the COPY's backend is terminated.
    const stalled = () =>
      Readable.from(
        (async function* () {
          yield '1,100\n2,200\n';
          for (let i = 0; i < 50; i++) {
            const r = await killer.query(
              `select pg_terminate_backend(pid) as killed from pg_stat_activity where application_name = 'upshift-test-killed-files' and query like 'COPY "upshift_stage_%'`,
            );
            if (r.rows.length) break;
            await new Promise((res) => setTimeout(res, 50));
          }
          await new Promise((res) => setTimeout(res, 200));
          yield '3,300\n';
        })(),
      );
    const err = await table.loadFrom(csvSource('1,100\n2,200\n3,300\n', stalled)).catch((e: unknown) => e);
    await killer.end();
    expect(String(err)).toMatch(/terminat/i);
    expect(await db.query<Row>(`select id, v from "${s.schema}".killed`)).toEqual([{ id: 1n, v: 1 }]);
    const a = await db.query<Row>(
      `select status from "${s.schema}_audit".load_audit where target_table = $1 order by started_at`,
      [`${s.schema}.killed`],
    );
    expect(a.map((x) => x.status)).toEqual(['succeeded', 'failed']);
    // The pool recovers: the next load works.
    await table.upsert([{ id: 2n, v: 2 }]);
    await db.close();
  });

  it('an S3 upload failing leaves the target unchanged and records why', async () => {
    const bad = new PostgresDatabase({
      connectionString: s.url,
      auditSchema: `${s.schema}_audit`,
      stage: new S3Stage({ basePath: 's3://no-such-bucket-upshift/x', client: testS3Client() }),
    });
    const table = bad.table(candyModel(s.schema));
    await table.create();
    await expect(table.upsert(candies(10))).rejects.toThrow(/no-such-bucket-upshift/);
    expect(await bad.query(`select * from "${s.schema}".candy`)).toEqual([]);
    const a = await bad.query<Row>(`select status, error from "${s.schema}_audit".load_audit where target_table = $1`, [
      `${s.schema}.candy`,
    ]);
    expect(a).toHaveLength(1);
    expect(a[0]).toMatchObject({ status: 'failed' });
    await bad.close();
  });

  it('retries the whole transaction on a serialization conflict (40001), not on other errors', async () => {
    let calls = 0;
    const plan = (code: string) => ({
      target: 'x',
      steps: [
        {
          kind: 'check' as const,
          sql: 'select 1 as one',
          fail: () => Object.assign(new Error(`conflict ${++calls}`), { code }),
        },
      ],
    });
    const retrying = new PostgresDatabase({
      connectionString: s.url,
      stage: new LocalStage({ dir }),
      retry: { attempts: 3, baseDelayMs: 1 },
    });
    await expect(retrying.runPlan(plan('40001'))).rejects.toThrow('conflict 3');
    calls = 0;
    await expect(retrying.runPlan(plan('23505'))).rejects.toThrow('conflict 1');
    await retrying.close();
  });

  it('an upsert into a target holding duplicate keys reports every row its DELETE removed', async () => {
    // Nothing enforces the upsert key (Redshift never does): here key 1 has three rows, key 2 one.
    const name = `"${s.schema}".dup_keys`;
    await db.query(`create table ${name} (id bigint not null, name varchar(20))`);
    await db.query(`insert into ${name} values (1, 'a'), (1, 'b'), (1, 'c'), (2, 'x'), (3, 'y')`);
    const model = defineTable(
      `${s.schema}.dup_keys`,
      { id: t.bigint().notNull(), name: t.varchar(20) },
      { upsertKey: ['id'] },
    );
    const r = await db.table(model).upsert([
      { id: 1n, name: 'one' },
      { id: 2n, name: 'two' },
    ]);
    // Two rows written, each replacing its key's rows: four removed, the two beyond one per key as deleted.
    expect(r).toMatchObject({ staged: 2, inserted: 0, updated: 2, deleted: 2 });
    expect(r.notes).toEqual([expect.stringContaining('duplicate upsert keys')]);
    const rows = await db.query<Row>(`select id, name from ${name} order by id, name`);
    expect(rows).toEqual([
      { id: 1n, name: 'one' },
      { id: 2n, name: 'two' },
      { id: 3n, name: 'y' },
    ]);
    const [audit] = await db.query<Row>(
      `select rows_inserted, rows_updated, rows_deleted from "${s.schema}_audit".load_audit where load_id = $1`,
      [r.loadId],
    );
    expect(audit).toEqual({ rows_inserted: 0n, rows_updated: 2n, rows_deleted: 2n });
  });

  it('upserts 1M rows into a table holding 1M (50% overlap)', async () => {
    const table = db.table(defineTable(`${s.schema}.big`, candyModel(s.schema).columns, { upsertKey: ['id'] }));
    await table.create();
    const first = await table.upsert(candies(1_000_000));
    expect(first.inserted).toBe(1_000_000);
    const second = await table.upsert(candies(1_000_000, 500_000, 'v2'));
    expect(second).toMatchObject({ staged: 1_000_000, inserted: 500_000, updated: 500_000 });
    const rows = await db.query<Row>(
      `select count(*)::int as n, count(*) filter (where name like '%v2')::int as v2 from "${s.schema}".big`,
    );
    expect(rows[0]).toEqual({ n: 1_500_000, v2: 1_000_000 });
  }, 180_000);
});
