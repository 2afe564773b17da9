// The hooks and subclass examples run here, against real services: Postgres NOTIFY, a UDP
// StatsD listener, a lock held by another session, and Redshift golden SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { S3Client } from '@aws-sdk/client-s3';
import { LocalStage, PostgresDatabase, S3Stage, defineTable, t } from '../../src/index.js';
import { buildLoadPlan } from '../../src/engine/index.js';
import { type CopyStep } from '../../src/warehouse/index.js';
import { main as notifyMain, notifyOnLoad, pgNotify, type LoadMessage } from '../../examples/hooks-notify.js';
import { loadMetrics, main as metricsMain, statsdHooks } from '../../examples/hooks-metrics.js';
import { NoWaitPostgresDatabase, TableBusyError } from '../../examples/subclass-postgres.js';
import { TolerantRedshiftDatabase } from '../../examples/subclass-redshift.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';

let s: TestSchema;
let dir: string;
type Row = Record<string, unknown>;

beforeAll(async () => {
  s = await createTestSchema('examples');
  dir = mkdtempSync(join(tmpdir(), 'upshift-examples-'));
});
afterAll(async () => {
  await s.pool.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await s.drop();
  rmSync(dir, { recursive: true, force: true });
});

const model = (name: string) =>
  defineTable(`${s.schema}.${name}`, { id: t.bigint().notNull(), name: t.varchar(64) }, { upsertKey: ['id'] });

describe('examples/hooks-notify', () => {
  it('announces each load on a Postgres channel that another session LISTENs to', async () => {
    const listener = new pg.Client({ connectionString: s.url });
    await listener.connect();
    const channel = `loads_${s.schema}`;
    await listener.query(`LISTEN "${channel}"`);
    const messages: LoadMessage[] = [];
    listener.on('notification', (n) => messages.push(JSON.parse(n.payload!) as LoadMessage));
    const db = new PostgresDatabase({
      connectionString: s.url,
      stage: new LocalStage({ dir }),
      auditSchema: `${s.schema}_audit`,
      hooks: notifyOnLoad(pgNotify(s.pool, channel)),
    });
    const table = db.table(model('notified'));
    await table.create();
    const ok = await table.upsert([
      { id: 1n, name: 'a' },
      { id: 2n, name: 'b' },
    ]);
    await table.upsert([{ id: 3n, name: 'x'.repeat(65) }]).catch(() => undefined);
    for (let i = 0; i < 50 && messages.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await listener.end();
    await db.close();
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({
      loadId: ok.loadId,
      table: `${s.schema}.notified`,
      status: 'succeeded',
      rows: { staged: 2, inserted: 2, updated: 0, deleted: 0 },
      error: null,
      manifestUri: ok.manifestUri,
    });
    expect(messages[1]).toMatchObject({
      status: 'failed',
      rows: { staged: null },
      error: expect.stringMatching(/^RowValidationError: .*row 0, column "name"/),
    });
  });

  it('runs as a script on embedded PGlite', async () => {
    const received = await notifyMain();
    expect(received).toMatchObject([{ table: 'shop.candy', status: 'succeeded', rows: { inserted: 2 } }]);
  });
});

describe('examples/hooks-metrics', () => {
  it('sends StatsD lines per load over UDP', async () => {
    const server = createSocket('udp4');
    server.bind(0, '127.0.0.1');
    await once(server, 'listening');
    const datagrams: string[] = [];
    server.on('message', (m) => datagrams.push(m.toString()));
    await metricsMain(server.address().port);
    for (let i = 0; i < 50 && datagrams.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    server.close();
    expect(datagrams).toHaveLength(2);
    const second = datagrams[1]!.split('\n');
    const tags = '#table:shop.candy,mode:upsert,status:succeeded';
    expect(second).toContain(`upshift.load.count:1|c|${tags}`);
    expect(second).toContain(`upshift.load.rows_inserted:1|c|${tags}`);
    expect(second).toContain(`upshift.load.rows_updated:1|c|${tags}`);
    expect(second.find((l) => l.startsWith('upshift.load.duration_ms:'))).toMatch(
      /^upshift\.load\.duration_ms:\d+\|ms\|/,
    );
  });

  it('a failed load is counted with status failed and no row metrics', () => {
    const now = new Date();
    const lines = loadMetrics(
      {
        loadId: 'L',
        table: 's.t',
        mode: 'append',
        source: 'x',
        stageUris: [],
        rowsStaged: null,
        inserted: null,
        updated: null,
        deleted: null,
        attempts: 0,
        startedAt: now,
        finishedAt: now,
        durationMs: 3,
        status: 'failed',
        error: 'E',
        manifestUri: null,
        loadCommits: null,
        timings: { stageMs: null, loadMs: null },
        cause: new Error('E'),
      },
      'x',
    );
    expect(lines).toEqual([
      'x.count:1|c|#table:s.t,mode:append,status:failed',
      'x.duration_ms:3|ms|#table:s.t,mode:append,status:failed',
    ]);
    statsdHooks().close();
  });
});

describe('examples/subclass-postgres', () => {
  it('NOWAIT lock: a table locked by another session fails fast with TableBusyError; the target is untouched', async () => {
    const db = new NoWaitPostgresDatabase({
      connectionString: s.url,
      stage: new LocalStage({ dir }),
      auditSchema: `${s.schema}_audit`,
    });
    const table = db.table(model('busy'));
    await table.create();
    await table.upsert([{ id: 1n, name: 'before' }]);
    const holder = await s.pool.connect();
    await holder.query('BEGIN');
    await holder.query(`LOCK TABLE "${s.schema}".busy IN ACCESS EXCLUSIVE MODE`);
    const started = Date.now();
    const err = await table.upsert([{ id: 1n, name: 'after' }]).catch((e: unknown) => e);
    const waited = Date.now() - started;
    await holder.query('ROLLBACK');
    holder.release();
    expect(err).toBeInstanceOf(TableBusyError);
    expect((err as Error).message).toBe(
      `${s.schema}.busy is locked by another session; the load did not wait (retry later)`,
    );
    expect(waited).toBeLessThan(5000);
    expect(await db.query<Row>(`select name from "${s.schema}".busy`)).toEqual([{ name: 'before' }]);
    // Unlocked, the same database loads normally.
    await table.upsert([{ id: 1n, name: 'after' }]);
    expect(await db.query<Row>(`select name from "${s.schema}".busy`)).toEqual([{ name: 'after' }]);
    await db.close();
  });
});

describe('examples/subclass-redshift', () => {
  const stage = new S3Stage({ basePath: 's3://bucket/base', client: new S3Client({ region: 'us-east-1' }) });
  const db = new TolerantRedshiftDatabase({
    host: 'h',
    stage,
    iamRole: 'arn:aws:iam::1:role/r',
    kmsKeyId: 'alias/exports',
  });
  it('COPY gains ACCEPTINVCHARS, UNLOAD gains KMS encryption; upshift clauses stay', () => {
    const m = defineTable('s.t', { id: t.bigint().notNull() }, { upsertKey: ['id'] });
    const plan = buildLoadPlan({
      warehouse: db,
      model: m,
      mode: 'append',
      loadId: 'L1',
      prepared: {
        staged: {
          loadId: 'L1',
          target: m,
          files: [],
          manifestUri: 's3://bucket/base/m.json',
          bytes: 0,
          compression: 'gzip',
        },
        format: { kind: 'csv', gzip: true },
        ordered: true,
      },
    });
    const copy = db.copySql(plan.steps.find((x) => x.kind === 'copy') as CopyStep);
    expect(copy).toMatch(
      /^COPY "upshift_stage_l1" \("id", "__upshift_ord"\)\nFROM 's3:\/\/bucket\/base\/m\.json'\nIAM_ROLE 'arn:aws:iam::1:role\/r'\nMANIFEST\n/,
    );
    expect(copy.endsWith("\nACCEPTINVCHARS AS '?'")).toBe(true);
    const unload = db.unloadSql('select 1', 's3://bucket/x/');
    expect(unload).toMatch(/MANIFEST VERBOSE\nPARALLEL ON\nKMS_KEY_ID 'alias\/exports'\nENCRYPTED$/);
  });
});
