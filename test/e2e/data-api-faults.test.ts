// The Data API path under failure, through the emulator's endpoint and its request log: a
// statement failing mid-transaction, a session that ends under the load, CancelStatement during
// COPY, throttled calls, serialization conflicts; the target unchanged after each failure and
// the audit row saying why. And the requests one upsert sends (golden): statements, session use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import {
  RedshiftDataApiDatabase,
  S3Stage,
  defineTable,
  t,
  type RedshiftDataApiDatabaseOptions,
} from '../../src/index.js';
import { ensureAuditTable } from '../../src/engine/index.js';
import { DataApiSessionError } from '../../src/warehouse/index.js';
import type { PlanStep } from '../../src/warehouse/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';

let s: TestSchema;
let emulator: RedshiftEmulator;
type Row = Record<string, unknown>;
const dbs: RedshiftDataApiDatabase[] = [];
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:upshift-loader';

function options(extra: Partial<RedshiftDataApiDatabaseOptions> = {}): RedshiftDataApiDatabaseOptions {
  return {
    clusterIdentifier: 'sweets',
    database: 'test',
    secretArn: SECRET,
    region: 'us-east-1',
    endpoint: emulator.dataApiEndpoint!,
    awsCredentials: { accessKeyId: 'loader', secretAccessKey: 'not-checked' },
    iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
    auditSchema: `${s.schema}_audit`,
    stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/dapi-faults/${s.schema}`, client: testS3Client() }),
    polling: { throttleBaseDelayMs: 5 },
    ...extra,
  };
}
const open = (extra: Partial<RedshiftDataApiDatabaseOptions> = {}) => {
  const db = new RedshiftDataApiDatabase(options(extra));
  dbs.push(db);
  return db;
};

const candy = (name: string) =>
  defineTable(`${s.schema}.${name}`, { id: t.bigint().notNull(), v: t.varchar(16) }, { upsertKey: ['id'] });

/** The failed load's audit row. */
async function failedAudit(db: RedshiftDataApiDatabase, table: string): Promise<Row | undefined> {
  const rows = await db.query<Row>(
    `select status, error from "${s.schema}_audit".load_audit where target_table = $1 and status = 'failed'`,
    [`${s.schema}.${table}`],
  );
  return rows[0];
}

/** Requests sent while fn ran. */
async function requestsDuring<T>(fn: () => Promise<T>) {
  const from = emulator.aws!.requests.length;
  const result = await fn().catch((e: unknown) => e);
  return { result, requests: emulator.aws!.requests.slice(from) };
}

beforeAll(async () => {
  s = await createTestSchema('e2e_dapi_faults');
  emulator = await startRedshiftEmulator({
    port: 0,
    postgres: s.url,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    dataApi: { clusters: ['sweets'] },
  });
});
afterAll(async () => {
  await dbs[0]?.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
  for (const db of dbs) await db.close();
  await emulator?.close();
  await s.drop();
});

describe('the requests of one upsert (golden)', () => {
  it('one session: BEGIN opens it, every later statement names it; the plan as on the wire, then the running row dropped', async () => {
    const db = open();
    const table = db.table(candy('golden'));
    await table.create();
    await ensureAuditTable(db);
    const { result, requests } = await requestsDuring(() =>
      table.upsert([
        { id: 1n, v: 'a' },
        { id: 2n, v: "it's" },
      ]),
    );
    expect(result).toMatchObject({ inserted: 2, attempts: 1 });
    const schema = s.schema;
    const executed = requests
      .filter((r) => r.action === 'ExecuteStatement')
      .map((r) => {
        const b = r.body as {
          Sql?: string;
          SessionId?: string;
          ClusterIdentifier?: string;
          Database?: string;
          SecretArn?: string;
          SessionKeepAliveSeconds?: number;
        };
        const kept = b.SessionKeepAliveSeconds ? `, new session kept ${b.SessionKeepAliveSeconds} s` : '';
        const where = b.SessionId
          ? `session ${sessions(requests).indexOf(b.SessionId) + 1}`
          : `${b.ClusterIdentifier}/${b.Database} as ${b.SecretArn === SECRET ? 'secret' : '?'}${kept}`;
        return `${where}: ${normalize(String(b.Sql), schema)}`;
      });
    expect(executed).toEqual([
      `sweets/test as secret: INSERT INTO "<audit>"."load_audit" (<columns>) VALUES (<running row>)`,
      'sweets/test as secret, new session kept 60 s: BEGIN',
      `session 1: LOCK "<schema>"."golden"`,
      `session 1: CREATE TEMP TABLE "<stage>" ("id" BIGINT, "v" VARCHAR(16), "__upshift_ord" BIGINT)`,
      [
        `session 1: COPY "<stage>" ("id", "v", "__upshift_ord")`,
        "FROM '<manifest>'",
        "IAM_ROLE 'arn:aws:iam::123456789012:role/upshift-test'",
        'MANIFEST',
        `FORMAT AS CSV QUOTE AS '"' DELIMITER ','`,
        "NULL AS '\\\\N'",
        'GZIP',
        "TIMEFORMAT 'auto' DATEFORMAT 'auto'",
        'COMPUPDATE OFF STATUPDATE OFF',
      ].join('\n'),
      [
        'session 1: SELECT TRIM(filename) AS filename, SUM(lines_scanned) AS lines_scanned, SUM(errors) AS errors',
        'FROM stl_load_commits WHERE query = pg_last_copy_id() GROUP BY TRIM(filename) ORDER BY 1',
      ].join('\n'),
      `session 1: DELETE FROM "<schema>"."golden" USING "<stage>" WHERE "<schema>"."golden"."id" = "<stage>"."id"`,
      `session 1: INSERT INTO "<schema>"."golden" ("id", "v") SELECT "id", "v" FROM "<stage>"`,
      `session 1: INSERT INTO "<audit>"."load_audit" (<columns>) VALUES (<succeeded row>)`,
      'session 1: DROP TABLE "<stage>"',
      'session 1: COMMIT',
      `sweets/test as secret: DELETE FROM "<audit>"."load_audit" WHERE "load_id" = '<load>' AND "status" = 'running'`,
    ]);
    // Each statement is polled to its end (DescribeStatement), and only SELECTs' results are read.
    const results = requests.filter((r) => r.action === 'GetStatementResult').length;
    expect(results).toBe(1); // the load commits
    expect(requests.filter((r) => r.action === 'DescribeStatement').length).toBeGreaterThanOrEqual(executed.length);
  });

  it('parameters are inlined as Redshift literals (the Data API takes no NULL parameter)', async () => {
    const db = open();
    const { requests } = await requestsDuring(() =>
      db.query("select $1::varchar as a, $2::int as b, $3::varchar as c, $4 as d, 'x$1' as e", [
        "o'k\\",
        5,
        null,
        true,
      ]),
    );
    const sql = requests.find((r) => r.action === 'ExecuteStatement')!.body.Sql;
    expect(sql).toBe("select 'o''k\\\\'::varchar as a, '5'::int as b, NULL::varchar as c, 'true' as d, 'x$1' as e");
    expect(requests.find((r) => r.action === 'ExecuteStatement')!.body.Parameters).toBeUndefined();
  });
});

/** The SessionIds in order of first use. */
function sessions(requests: { action: string; body: Record<string, unknown> }[]): string[] {
  const ids: string[] = [];
  for (const r of requests) {
    const id = r.body.SessionId;
    if (typeof id === 'string' && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

function normalize(sql: string, schema: string): string {
  return sql
    .replaceAll(`${schema}_audit`, '<audit>')
    .replaceAll(schema, '<schema>')
    .replace(/upshift_stage_[a-z0-9_]+/g, '<stage>')
    .replace(/'s3:\/\/[^']*manifest\.json'/g, "'<manifest>'")
    .replace(/"load_audit" \(("[a-z_]+"(, )?)+\)/, '"load_audit" (<columns>)')
    .replace(/VALUES \('.*'running'.*\)$/s, 'VALUES (<running row>)')
    .replace(/VALUES \('.*'succeeded'.*\)$/s, 'VALUES (<succeeded row>)')
    .replace(/"load_id" = '[^']+'/, `"load_id" = '<load>'`);
}

describe('failures leave the target unchanged', () => {
  it('a statement failing mid-transaction (after the DELETE) rolls the whole load back; the audit row says why', async () => {
    const db = open();
    // The table drifted from the model: v is NOT NULL in the database.
    await db.query(`create table "${s.schema}".drifted (id bigint not null, v varchar(16) not null)`);
    await db.query(`insert into "${s.schema}".drifted values (1, 'kept')`);
    const { result, requests } = await requestsDuring(() => db.table(candy('drifted')).upsert([{ id: 1n, v: null }]));
    expect(String(result)).toMatch(/null/i);
    expect(await db.query<Row>(`select id, v from "${s.schema}".drifted`)).toEqual([{ id: 1n, v: 'kept' }]);
    const sqls = requests.filter((r) => r.action === 'ExecuteStatement').map((r) => String(r.body.Sql));
    expect(sqls.findIndex((q) => q.startsWith('DELETE FROM "'))).toBeLessThan(sqls.indexOf('ROLLBACK'));
    expect(sqls).not.toContain('COMMIT');
    expect(await failedAudit(db, 'drifted')).toMatchObject({ status: 'failed', error: expect.stringMatching(/null/i) });
  });

  it('a session that ends under the load (SessionKeepAliveSeconds ran out): a clear error, nothing applied', async () => {
    // Waits longer than the session lives before the merge's INSERT.
    class Stalled extends RedshiftDataApiDatabase {
      stall = false;
      // (its session is the Data API session the warehouse passes along)
      protected override async runStep(session: never, step: PlanStep, counts: Record<string, number>) {
        if (this.stall && step.kind === 'sql' && step.label === 'inserted')
          await new Promise((r) => setTimeout(r, 2500));
        return super.runStep(session, step, counts);
      }
    }
    const db = new Stalled(options({ sessionKeepAliveSeconds: 1 }));
    dbs.push(db);
    const table = db.table(candy('expired'));
    await table.create();
    await table.upsert([{ id: 1n, v: 'kept' }]);
    db.stall = true;
    const err = await table.upsert([{ id: 1n, v: 'lost' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataApiSessionError);
    expect((err as Error).message).toMatch(/session .* has ended.*rolled back/);
    expect(await db.query<Row>(`select id, v from "${s.schema}".expired`)).toEqual([{ id: 1n, v: 'kept' }]);
    expect(await failedAudit(db, 'expired')).toMatchObject({ error: expect.stringMatching(/session .* has ended/) });
  });

  it('an aborted load cancels its running COPY (CancelStatement) and rolls back', async () => {
    const db = open();
    const table = db.table(candy('cancelled'));
    await table.create();
    await table.upsert([{ id: 0n, v: 'kept' }]);
    const from = emulator.aws!.requests.length;
    const copying = () =>
      emulator
        .aws!.requests.slice(from)
        .some((r) => r.action === 'ExecuteStatement' && /^COPY/.test(String(r.body.Sql)));
    const abort = new AbortController();
    const watch = setInterval(() => {
      if (copying()) abort.abort(new Error('stopped by the test'));
    }, 2);
    const rows = function* () {
      for (let i = 1; i <= 300_000; i++) yield { id: BigInt(i), v: `value ${i}` };
    };
    const err = await table.upsert(rows(), { signal: abort.signal }).catch((e: unknown) => e);
    clearInterval(watch);
    expect((err as Error).message).toBe('stopped by the test');
    const sent = emulator.aws!.requests.slice(from);
    const copy = sent.find((r) => r.action === 'ExecuteStatement' && /^COPY/.test(String(r.body.Sql)));
    expect(copy).toBeDefined();
    expect(sent.map((r) => r.action)).toContain('CancelStatement');
    expect(sent.some((r) => r.action === 'ExecuteStatement' && r.body.Sql === 'ROLLBACK')).toBe(true);
    expect(await db.query<Row>(`select count(*)::int as n from "${s.schema}".cancelled`)).toEqual([{ n: 1 }]);
    expect(await failedAudit(db, 'cancelled')).toMatchObject({ error: expect.stringMatching(/stopped by the test/) });
  });

  it('throttled calls are retried with backoff, past the SDK client’s own attempts', async () => {
    const db = open();
    const table = db.table(candy('throttled'));
    await table.create();
    const from = emulator.aws!.requests.length;
    emulator.aws!.throttle(5, 'ExecuteStatement');
    const r = await table.upsert([{ id: 1n, v: 'a' }]);
    expect(r).toMatchObject({ inserted: 1 });
    emulator.aws!.throttle(4, 'DescribeStatement');
    expect(await db.query<Row>(`select v from "${s.schema}".throttled`)).toEqual([{ v: 'a' }]);
    const throttled = emulator.aws!.requests.slice(from).filter((q) => q.throttled);
    expect(throttled.map((q) => q.action)).toEqual([
      ...Array(5).fill('ExecuteStatement'),
      ...Array(4).fill('DescribeStatement'),
    ]);
  });

  it('serialization conflicts (1023) retry the whole transaction', async () => {
    // Without the LOCK, concurrent upserts conflict for real.
    class Unlocked extends RedshiftDataApiDatabase {
      override lockTableSql(): string {
        return 'SELECT 1';
      }
    }
    const db = new Unlocked(options({ retry: { attempts: 8, baseDelayMs: 50 } }));
    dbs.push(db);
    const table = db.table(candy('contended'));
    await table.create();
    await table.upsert([{ id: 0n, v: 'seed' }]);
    const rows = (tag: string) => Array.from({ length: 200 }, (_, i) => ({ id: BigInt(i), v: tag }));
    const results = await Promise.all([table.upsert(rows('a')), table.upsert(rows('b')), table.upsert(rows('c'))]);
    expect(results.reduce((n, r) => n + r.attempts, 0)).toBeGreaterThan(3);
    expect(
      await db.query<Row>(`select count(*)::int as n, count(distinct v)::int as owners from "${s.schema}".contended`),
    ).toEqual([{ n: 200, owners: 1 }]);
  });
});
