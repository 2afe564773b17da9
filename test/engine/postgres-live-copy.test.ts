// The Postgres COPY that runs while rows are staged: errors map back to a staged file and its
// line, failures leave the target and the connection as they were, and the merge retries on the
// same connection with the stage table intact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import {
  LoadError,
  LocalStage,
  PostgresDatabase,
  defineTable,
  fromPostgresQuery,
  t,
  type TableModel,
} from '../../src/index.js';
import { type PgSession } from '../../src/warehouse/index.js';
import type { PlanStep } from '../../src/warehouse/plan.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { tempDir } from '../stage/support.js';

let s: TestSchema;
const tmp = tempDir('engine-live');
type Row = Record<string, unknown>;

/** Postgres whose stage table refuses qty >= 1000: a rejection only the server can make. */
class CheckingDatabase extends PostgresDatabase {
  override createTempTableSql(
    name: string,
    table: TableModel,
    columns: readonly string[],
    withOrdinal: boolean,
  ): string {
    return super.createTempTableSql(name, table, columns, withOrdinal).replace(/\)$/, ', CHECK (qty < 1000))');
  }
}

/** Postgres whose first merge attempt hits a serialization conflict at the DELETE. */
class ConflictOnceDatabase extends PostgresDatabase {
  armed = false;
  protected override async runStep(session: PgSession, step: PlanStep, counts: Record<string, number>): Promise<void> {
    if (step.kind === 'sql' && step.label === 'updated' && this.armed) {
      this.armed = false;
      // The stage table was changed in this attempt; the retry must see it as COPY left it.
      await session.query(`DELETE FROM ${/USING ("[^"]+")/.exec(step.sql)![1]} WHERE id % 2 = 0`);
      throw Object.assign(new Error('could not serialize access'), { code: '40001' });
    }
    await super.runStep(session, step, counts);
  }
}

const model = (name: string) =>
  defineTable(`${s.schema}.${name}`, { id: t.bigint().notNull(), qty: t.integer() }, { upsertKey: ['id'] });
function* rows(n: number, start = 0, qty = (i: number) => i % 100): Generator<{ id: bigint; qty: number }> {
  for (let i = start; i < start + n; i++) yield { id: BigInt(i), qty: qty(i) };
}
const stageTables = async (loadId: string) =>
  (
    await s.pool.query(`select count(*)::int as n from pg_class where relname = $1`, [
      `upshift_stage_${loadId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`,
    ])
  ).rows[0].n as number;
const failedAudit = async (db: PostgresDatabase, table: string) =>
  db.query<Row>(
    `select load_id, status, error, stage_uris from "${s.schema}_audit".load_audit where target_table = $1 and status = 'failed'`,
    [table],
  );

beforeAll(async () => {
  s = await createTestSchema('engine_live');
});
afterAll(async () => {
  await s.pool.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await s.drop();
  tmp.remove();
});

describe('Postgres COPY while staging', () => {
  const options = () => ({
    connectionString: s.url,
    auditSchema: `${s.schema}_audit`,
    stage: new LocalStage({ dir: tmp.dir, slices: 2, partBytes: 16 * 1024 }),
  });

  it('loads every row through the live COPY and leaves no stage table behind', async () => {
    const db = new PostgresDatabase(options());
    const table = db.table(model('plain'));
    await table.create();
    const r = await table.upsert(rows(50_000));
    expect(r).toMatchObject({ staged: 50_000, inserted: 50_000 });
    expect(r.stageUris.length).toBeGreaterThanOrEqual(2);
    const r2 = await table.upsert([...rows(10, 49_995, () => 7), { id: 49_999n, qty: 8 }]);
    expect(r2).toMatchObject({ staged: 11, inserted: 5, updated: 5, duplicates: 1 });
    expect(
      await db.query<Row>(`select count(*)::int as n, sum(qty)::int as q from "${s.schema}".plain where id >= 49995`),
    ).toEqual([{ n: 10, q: 7 * 9 + 8 }]);
    expect(await stageTables(r.loadId)).toBe(0);
    expect(await stageTables(r2.loadId)).toBe(0);
    // No rows: nothing reaches the live COPY, the plan COPYs the (empty) staged file instead.
    expect(await table.upsert([])).toMatchObject({ staged: 0, inserted: 0 });
    await db.close();
  });

  it("a row the server rejects mid-stream is named by its staged file and that file's own line; the files stay", async () => {
    const db = new CheckingDatabase(options());
    const table = db.table(model('checked'));
    await table.create();
    await table.upsert([{ id: 1n, qty: 1 }]);
    const bad = 23_457;
    const err = await table.upsert(rows(40_000, 0, (i) => (i === bad ? 5000 : i % 100))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    const e = err as LoadError;
    expect(e.reason).toMatch(/check constraint/);
    // Rows go round-robin into the parts, so the line is not the row number: read it back from the file.
    const line = gunzipSync(readFileSync(fileURLToPath(e.file!)))
      .toString('utf8')
      .split('\n')[e.line! - 1];
    expect(line).toBe(`${bad},5000,${bad + 1}`);
    expect(await db.query<Row>(`select id, qty from "${s.schema}".checked`)).toEqual([{ id: 1n, qty: 1 }]);
    const audit = await failedAudit(db, `${s.schema}.checked`);
    expect(audit).toHaveLength(1);
    expect(String(audit[0]!.error)).toContain(`line ${e.line}`);
    expect(String(audit[0]!.stage_uris)).toContain(e.file!); // staged in full, kept to inspect
    expect(await stageTables(String(audit[0]!.load_id))).toBe(0);
    await table.upsert([{ id: 2n, qty: 2 }]); // the connection is fine
    await db.close();
  });

  it('a bad row after the COPY started cancels it: target unchanged, connection reusable, no stage table', async () => {
    const db = new PostgresDatabase({ ...options(), maxConnections: 1 });
    const table = db.table(model('bad_row'));
    await table.create();
    await table.upsert([{ id: 1n, qty: 1 }]);
    function* badLate() {
      yield* rows(30_000, 10);
      yield { id: 'nope', qty: 1 } as unknown as { id: bigint; qty: number };
    }
    await expect(table.upsert(badLate())).rejects.toThrow(/row 30000.*"id"/s);
    expect(await db.query<Row>(`select id, qty from "${s.schema}".bad_row`)).toEqual([{ id: 1n, qty: 1 }]);
    const audit = await failedAudit(db, `${s.schema}.bad_row`);
    expect(await stageTables(String(audit[0]!.load_id))).toBe(0);
    // One pooled connection: the next load gets the same one, out of its COPY and transaction.
    expect(await table.upsert(rows(3, 1))).toMatchObject({ inserted: 2, updated: 1 });
    await db.close();
  });

  it('a connection killed during the live COPY fails the load: target unchanged, failed audit row, pool recovers', async () => {
    // Its own pool, named, so the killer finds this load's COPY and no other test's.
    const named = `${s.url}${s.url.includes('?') ? '&' : '?'}application_name=upshift-test-killed-live`;
    const db = new PostgresDatabase({ ...options(), connectionString: named });
    const table = db.table(model('killed'));
    await table.create();
    await table.upsert([{ id: 1n, qty: 1 }]);
    const killer = new pg.Client({ connectionString: s.url });
    await killer.connect();
    async function* stalled() {
      yield* rows(20_000, 100);
      for (let i = 0; i < 100; i++) {
        const r = await killer.query(
          `select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'upshift-test-killed-live' and query like 'COPY "upshift_stage_%'`,
        );
        if (r.rows.length) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      await new Promise((res) => setTimeout(res, 200));
      yield* rows(20_000, 20_100);
    }
    const err = await table.upsert(stalled()).catch((e: unknown) => e);
    await killer.end();
    expect(String(err)).toMatch(/terminat/i);
    expect(await db.query<Row>(`select id, qty from "${s.schema}".killed`)).toEqual([{ id: 1n, qty: 1 }]);
    expect(await failedAudit(db, `${s.schema}.killed`)).toHaveLength(1);
    expect(await table.upsert(rows(2, 1))).toMatchObject({ inserted: 1, updated: 1 });
    await db.close();
  });

  it("a source holding the pool's only connection: no live COPY (it would wait forever), the files are COPYed instead", async () => {
    const db = new PostgresDatabase({ ...options(), maxConnections: 1 });
    const table = db.table(model('same_pool'));
    await table.create();
    const copied = db.table(model('same_pool_copy'));
    await copied.create();
    await table.upsert(rows(5000));
    const load = copied.loadFrom(fromPostgresQuery(`select id, qty from "${s.schema}".same_pool`, { pool: db.pool }));
    const r = await Promise.race([
      load,
      new Promise((_, reject) => setTimeout(() => reject(new Error('load hung')), 20_000)),
    ]);
    expect(r).toMatchObject({ staged: 5000, inserted: 5000 });
    expect(await db.query<Row>(`select count(*)::int as n from "${s.schema}".same_pool_copy`)).toEqual([{ n: 5000 }]);
    await db.close();
  });

  it('copyWhileStaging: false stages first and COPYs the files in the merge; the default never does', async () => {
    class CountingCopies extends PostgresDatabase {
      fileCopies = 0;
      protected override copy(...args: Parameters<PostgresDatabase['copy']>): Promise<number> {
        this.fileCopies++;
        return super.copy(...args);
      }
    }
    for (const copyWhileStaging of [false, true]) {
      const db = new CountingCopies({ ...options(), copyWhileStaging });
      const table = db.table(model(`mode_${copyWhileStaging}`));
      await table.create();
      expect(await table.upsert(rows(20_000))).toMatchObject({ staged: 20_000, inserted: 20_000 });
      expect(db.fileCopies).toBe(copyWhileStaging ? 0 : 1);
      await db.close();
    }
  });

  it('a serialization conflict retries the merge on the same connection, with the stage table as COPY left it', async () => {
    const db = new ConflictOnceDatabase({ ...options(), retry: { attempts: 3, baseDelayMs: 1 } });
    const table = db.table(model('conflict'));
    await table.create();
    await table.upsert(rows(100));
    db.armed = true;
    const r = await table.upsert(rows(100, 50, () => 500));
    expect(db.armed).toBe(false);
    expect(r).toMatchObject({ attempts: 2, staged: 100, inserted: 50, updated: 50 });
    expect(
      await db.query<Row>(
        `select count(*)::int as n, count(*) filter (where qty = 500)::int as new from "${s.schema}".conflict`,
      ),
    ).toEqual([{ n: 150, new: 100 }]);
    expect(await stageTables(r.loadId)).toBe(0);
    await db.close();
  });
});
