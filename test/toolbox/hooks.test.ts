// Hooks and maintenance on the real Postgres: order, records on success and failure, a veto
// leaving the target untouched, afterLoad failures reported without undoing the load, ANALYZE
// and VACUUM after the load (seen in pg_stat_user_tables).
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LoadError,
  LoadVetoedError,
  LocalStage,
  PostgresDatabase,
  defineTable,
  t,
  type AuditRecord,
  type FailedLoadError,
  type LoadHooks,
  type Source,
} from '../../src/index.js';
import { type BeforeLoadContext, type HookFailure } from '../../src/engine/index.js';
import { Readable } from 'node:stream';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';

let s: TestSchema;
let dir: string;
let db: PostgresDatabase;
const events: string[] = [];
type Row = Record<string, unknown>;

const tracer = (name: string): LoadHooks => ({
  beforeLoad: (c) => {
    events.push(`${name}:before:${c.table}:${c.mode}`);
  },
  afterLoad: (r) => {
    events.push(`${name}:after:${r.status}`);
  },
});

beforeAll(async () => {
  s = await createTestSchema('hooks');
  dir = mkdtempSync(join(tmpdir(), 'upshift-hooks-'));
  db = new PostgresDatabase({
    connectionString: s.url,
    stage: new LocalStage({ dir }),
    auditSchema: `${s.schema}_audit`,
    hooks: tracer('db'),
  });
});
afterAll(async () => {
  await db.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await db.close();
  await s.drop();
  rmSync(dir, { recursive: true, force: true });
});

const model = (name: string) =>
  defineTable(`${s.schema}.${name}`, { id: t.bigint().notNull(), v: t.integer() }, { upsertKey: ['id'] });

describe('load hooks', () => {
  it('run in order (database, table, load) around a successful load, with the audit record', async () => {
    events.length = 0;
    const records: AuditRecord[] = [];
    const table = db.table(model('ok'), {
      hooks: [
        tracer('table'),
        {
          afterLoad: (r) => {
            records.push(r);
          },
        },
      ],
    });
    await table.create();
    const result = await table.upsert(
      [
        { id: 1n, v: 1 },
        { id: 2n, v: 2 },
      ],
      { hooks: tracer('load') },
    );
    expect(events).toEqual([
      `db:before:${s.schema}.ok:upsert`,
      `table:before:${s.schema}.ok:upsert`,
      `load:before:${s.schema}.ok:upsert`,
      'db:after:succeeded',
      'table:after:succeeded',
      'load:after:succeeded',
    ]);
    const r = records[0]!;
    expect(r).toMatchObject({
      loadId: result.loadId,
      table: `${s.schema}.ok`,
      status: 'succeeded',
      rowsStaged: 2,
      inserted: 2,
      updated: 0,
      error: null,
      cause: null,
      manifestUri: result.manifestUri,
      loadCommits: null,
    });
    expect(r.stageUris).toEqual(result.stageUris);
    expect(r.timings.stageMs).toBeGreaterThanOrEqual(0);
    expect(r.timings.loadMs).toBeGreaterThanOrEqual(0);
    expect(r.finishedAt.getTime() - r.startedAt.getTime()).toBe(r.durationMs);
    // The record is what the audit row holds.
    const [audit] = await db.query<Row>(
      `select status, rows_inserted, load_commits from "${s.schema}_audit".load_audit where load_id = $1`,
      [result.loadId],
    );
    expect(audit).toEqual({ status: 'succeeded', rows_inserted: 2n, load_commits: null });
    expect(result.hookErrors).toEqual([]);
  });

  it('afterLoad gets the failed record with the decoded error after a failed COPY; the target is unchanged', async () => {
    const records: AuditRecord[] = [];
    const table = db.table(model('copyfail'), {
      hooks: {
        afterLoad: (r) => {
          records.push(r);
        },
      },
    });
    await table.create();
    await table.upsert([{ id: 1n, v: 1 }]);
    const bad: Source = {
      describe: () => 'bad csv',
      async prepare(ctx) {
        const staged = await ctx.stage.writeFiles([Readable.from(['2,2\n3,x\n'])], {
          target: ctx.model,
          loadId: ctx.loadId,
          extension: '.csv',
        });
        return { staged, format: { kind: 'csv', gzip: false, nullAs: '\\N' }, ordered: false };
      },
    };
    const err = await table.loadFrom(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    const failed = records.at(-1)!;
    expect(failed).toMatchObject({ status: 'failed', rowsStaged: null, inserted: null, source: 'bad csv' });
    expect(failed.cause).toBe(err);
    expect(failed.cause).toMatchObject({ line: 2, column: 'v', value: 'x' });
    expect(failed.error).toMatch(/^LoadError: .*line 2, column "v", value "x"/);
    expect(failed.stageUris).toHaveLength(1);
    expect(failed.timings.loadMs).not.toBeNull();
    expect(await db.query<Row>(`select id, v from "${s.schema}".copyfail`)).toEqual([{ id: 1n, v: 1 }]);
  });

  it('a throwing beforeLoad vetoes the load: nothing staged, target untouched, audit row failed, afterLoad still told', async () => {
    events.length = 0;
    const table = db.table(model('veto'), {
      hooks: {
        beforeLoad: (c: BeforeLoadContext) => {
          if (c.source.includes('3 rows')) throw new Error('maintenance window');
        },
      },
    });
    await table.create();
    await table.upsert([{ id: 9n, v: 9 }]);
    const before = await db.query<Row>(`select * from "${s.schema}".veto`);
    events.length = 0;
    const err = await table
      .upsert([
        { id: 1n, v: 1 },
        { id: 2n, v: 2 },
        { id: 3n, v: 3 },
      ])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadVetoedError);
    expect((err as Error).message).toBe(`beforeLoad hook vetoed the load into ${s.schema}.veto: maintenance window`);
    expect(((err as Error).cause as Error).message).toBe('maintenance window');
    expect(events).toEqual([`db:before:${s.schema}.veto:upsert`, 'db:after:failed']);
    expect(await db.query<Row>(`select * from "${s.schema}".veto`)).toEqual(before);
    const audit = await db.query<Row>(
      `select status, error, stage_uris from "${s.schema}_audit".load_audit where target_table = $1 order by started_at`,
      [`${s.schema}.veto`],
    );
    expect(audit.at(-1)).toEqual({
      status: 'failed',
      error: `LoadVetoedError: beforeLoad hook vetoed the load into ${s.schema}.veto: maintenance window`,
      stage_uris: '[]',
    });
  });

  it('an afterLoad failure after a successful load is reported (result, onHookError) and does not undo the load', async () => {
    const reported: HookFailure[] = [];
    const later: string[] = [];
    const table = db.table(model('after_fail'), {
      hooks: [
        {
          afterLoad: () => {
            throw new Error('queue down');
          },
        },
        {
          afterLoad: () => {
            later.push('still ran');
          },
        },
      ],
      onHookError: (f) => reported.push(f),
    });
    await table.create();
    const r = await table.upsert([{ id: 1n, v: 1 }]);
    expect(r.hookErrors).toHaveLength(1);
    expect((r.hookErrors[0]!.error as Error).message).toBe('queue down');
    expect(reported).toEqual(r.hookErrors);
    expect(reported[0]!.record).toMatchObject({ status: 'succeeded', loadId: r.loadId });
    expect(later).toEqual(['still ran']);
    expect(await db.query<Row>(`select id, v from "${s.schema}".after_fail`)).toEqual([{ id: 1n, v: 1 }]);
    const [audit] = await db.query<Row>(`select status from "${s.schema}_audit".load_audit where load_id = $1`, [
      r.loadId,
    ]);
    expect(audit).toEqual({ status: 'succeeded' });
  });

  it('an afterLoad failure after a failed load rides on the thrown error; the load error stays the error', async () => {
    const warned: unknown[] = [];
    const table = db.table(model('both_fail'), {
      hooks: {
        afterLoad: () => {
          throw new Error('metrics down');
        },
      },
      onHookError: (f) => warned.push(f.error),
    });
    await table.create();
    const err = (await table
      .upsert([{ id: 1n, v: 'nope' as unknown as number }])
      .catch((e: unknown) => e)) as FailedLoadError;
    expect(err.name).toBe('RowValidationError');
    expect(err.hookErrors?.map((h) => (h.error as Error).message)).toEqual(['metrics down']);
    expect(warned).toHaveLength(1);
  });

  it('without onHookError a hook failure goes to console.warn', async () => {
    const table = db.table(model('warn'), {
      hooks: {
        afterLoad: () => {
          throw new Error('boom');
        },
      },
    });
    await table.create();
    const original = console.warn;
    const seen: unknown[][] = [];
    console.warn = (...args: unknown[]) => {
      seen.push(args);
    };
    try {
      await table.upsert([{ id: 1n, v: 1 }]);
    } finally {
      console.warn = original;
    }
    expect(String(seen[0]![0])).toMatch(
      /afterLoad hook failed for load .* into .*\.warn \(the load itself succeeded\)/,
    );
  });

  it('hook types: contexts and records are typed, unknown hooks and vacuum kinds are compile errors', () => {
    expectTypeOf<LoadHooks['beforeLoad']>().toEqualTypeOf<
      ((context: BeforeLoadContext) => void | Promise<void>) | undefined
    >();
    // @ts-expect-error not a hook
    db.table(model('types'), { hooks: { onLoad: () => undefined } });
    // @ts-expect-error not a VACUUM kind
    db.table(model('types'), { vacuum: 'reindex' });
  });
});

describe('maintenance after the load', () => {
  const stats = async (name: string) =>
    (
      await db.query<Row>(
        `select last_analyze, last_vacuum from pg_stat_user_tables where schemaname = $1 and relname = $2`,
        [s.schema, name],
      )
    )[0]!;
  const waitFor = async (fn: () => Promise<boolean>) => {
    // pg_stat_* is updated asynchronously (the stats collector / shared memory flush).
    for (let i = 0; i < 50 && !(await fn()); i++) await new Promise((r) => setTimeout(r, 100));
  };

  it('analyze: true runs ANALYZE on the target after the commit', async () => {
    const table = db.table(model('analyzed'));
    await table.create();
    await table.upsert([{ id: 1n, v: 1 }]);
    expect((await stats('analyzed')).last_analyze).toBeNull();
    const r = await table.upsert([{ id: 2n, v: 2 }], { analyze: true });
    expect(r.maintenance).toEqual([
      { operation: 'analyze', sql: `ANALYZE "${s.schema}"."analyzed"`, status: 'done', durationMs: expect.any(Number) },
    ]);
    await waitFor(async () => (await stats('analyzed')).last_analyze !== null);
    expect((await stats('analyzed')).last_analyze).toBeInstanceOf(Date);
  });

  it("vacuum 'delete only' runs VACUUM (then ANALYZE); 'sort only' has no Postgres equivalent and is skipped", async () => {
    const table = db.table(model('vacuumed'), { analyze: true, vacuum: 'delete only' });
    await table.create();
    const r = await table.upsert([{ id: 1n, v: 1 }]);
    expect(r.maintenance.map((m) => [m.operation, m.sql, m.status])).toEqual([
      ['vacuum', `VACUUM "${s.schema}"."vacuumed"`, 'done'],
      ['analyze', `ANALYZE "${s.schema}"."vacuumed"`, 'done'],
    ]);
    await waitFor(async () => (await stats('vacuumed')).last_vacuum !== null);
    expect((await stats('vacuumed')).last_vacuum).toBeInstanceOf(Date);
    const sorted = await table.upsert([{ id: 2n, v: 2 }], { vacuum: 'sort only', analyze: false });
    expect(sorted.maintenance).toEqual([
      {
        operation: 'vacuum',
        sql: '',
        status: 'skipped',
        durationMs: 0,
        message: 'vacuum sort only has no equivalent on this warehouse',
      },
    ]);
  });

  it('a failing maintenance step is logged and reported; the load stands', async () => {
    const logged: string[] = [];
    await db.table(model('maint_fail')).create();
    // The same database with an ANALYZE that fails (a table that doesn't exist).
    const broken = Object.create(db) as PostgresDatabase;
    broken.analyzeSql = () => 'ANALYZE no_such_table_anywhere';
    const r = await broken
      .table(model('maint_fail'), { analyze: true, log: (m) => logged.push(m) })
      .upsert([{ id: 1n, v: 1 }]);
    expect(r.maintenance[0]).toMatchObject({
      operation: 'analyze',
      status: 'failed',
      message: expect.stringMatching(/no_such_table_anywhere/),
    });
    expect(logged[0]).toMatch(
      /ANALYZE no_such_table_anywhere failed after the load into .* committed \(the load stands\)/,
    );
    expect(await db.query<Row>(`select id from "${s.schema}".maint_fail`)).toEqual([{ id: 1n }]);
  });
});
