// A client that vanishes mid-statement (its socket cut, no Terminate) ends its backend session's
// work: the statement is stopped, the transaction rolled back, its locks freed for others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import pg from 'pg';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { FakeS3 } from './fake-s3.js';
import { ROLE, within } from './setup.js';

let s: TestSchema;
let fake: FakeS3;
let emulator: RedshiftEmulator;
const clients: pg.Client[] = [];

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: emulator.url });
  c.on('error', () => {});
  await c.connect();
  await c.query(`set search_path to "${s.schema}"`);
  clients.push(c);
  return c;
}

/** Cuts the client's connection the way a killed process does: no Terminate message. */
function kill(c: pg.Client): void {
  (c as unknown as { connection: { stream: Socket } }).connection.stream.destroy();
}

const backendPid = async (c: pg.Client): Promise<number> =>
  (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;

/** Another session takes the exclusive lock within a few seconds. */
async function lockTaken(): Promise<void> {
  const other = await connect();
  await within(
    4000,
    'LOCK from another session',
    (async () => {
      await other.query('begin');
      await other.query('lock target');
      await other.query('rollback');
    })(),
  );
}

async function backendGone(pid: number): Promise<void> {
  for (let i = 0; i < 40; i++) {
    const r = await s.pool.query('select 1 from pg_stat_activity where pid = $1', [pid]);
    if (!r.rowCount) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`backend ${pid} still running`);
}

beforeAll(async () => {
  s = await createTestSchema('emu_disc');
  fake = new FakeS3();
  await fake.start();
  // Long S3 deadlines: here only the disconnect may end the stalled COPY.
  emulator = await startRedshiftEmulator({
    postgres: s.url,
    s3: {
      endpoint: `http://127.0.0.1:${fake.port}`,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      timeouts: { connectMs: 60_000, idleMs: 60_000 },
    },
  });
  await (await connect()).query('create table target (id int, name varchar(32))');
});
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await emulator?.close();
  fake?.stop();
  await s?.drop();
});

describe('a client that disconnects mid-statement', () => {
  it('killed during pg_sleep(30) while holding a LOCK: the backend is terminated and the lock freed', async () => {
    const c = await connect();
    const pid = await backendPid(c);
    await c.query('begin');
    await c.query('lock target');
    void c.query('select pg_sleep(30)').catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300));
    kill(c);
    await lockTaken();
    await backendGone(pid);
  });

  it('killed during a COPY that S3 stalls: the COPY ends and its lock is freed', async () => {
    fake.fault = 'stall';
    const c = await connect();
    const pid = await backendPid(c);
    await c.query('begin');
    await c.query('lock target');
    void c.query(`copy target from 's3://fake/load/' ${ROLE} csv`).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    kill(c);
    await lockTaken();
    await backendGone(pid);
    const check = await connect();
    expect((await check.query('select count(*)::int as n from target')).rows).toEqual([{ n: 0 }]);
  });
});
