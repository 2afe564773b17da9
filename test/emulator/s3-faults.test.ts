// S3 dying under the emulator: a fake S3 (a small HTTP server) that stalls mid-body, resets the
// connection, stops altogether, or never answers. Every COPY and UNLOAD fails within a bounded time
// with Redshift's S3 error shape, and its locks are free again for the next session.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { ROLE, within } from './setup.js';
import { FakeS3, KEY } from './fake-s3.js';

const IDLE_MS = 400;
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

async function failureOf(p: Promise<unknown>): Promise<pg.DatabaseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!err) throw new Error('expected the statement to fail');
  return err as pg.DatabaseError;
}

/**
 * Another session takes the table's exclusive lock: proof the failed statement let go of it. A
 * lock still held never comes free, so the bound only needs to be far above a loaded machine's
 * connect + three round trips (3 s failed once with the load average at 13 on 2 cores).
 */
async function lockFree(): Promise<void> {
  const other = await connect();
  await within(
    10_000,
    'LOCK from another session',
    (async () => {
      await other.query('begin');
      await other.query('lock target');
      await other.query('rollback');
    })(),
  );
}

beforeAll(async () => {
  s = await createTestSchema('emu_s3f');
  fake = new FakeS3();
  await fake.start();
  emulator = await startRedshiftEmulator({
    postgres: s.url,
    s3: {
      endpoint: `http://127.0.0.1:${fake.port}`,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      timeouts: { connectMs: 1000, idleMs: IDLE_MS },
    },
  });
  const c = await connect();
  await c.query('create table target (id int, name varchar(32))');
});
afterAll(async () => {
  for (const c of clients) await c.end().catch(() => {});
  await emulator?.close();
  fake?.stop();
  await s?.drop();
});
beforeEach(() => {
  fake.fault = 'none';
  fake.stallPuts = false;
});

const COPY = `copy target from 's3://fake/load/' ${ROLE} csv`;

describe('the emulator when S3 fails mid-COPY', () => {
  it('loads from the fake S3 when nothing goes wrong (the fake is a faithful S3)', async () => {
    const c = await connect();
    await c.query('begin');
    await c.query(COPY);
    expect((await c.query('select count(*)::int as n from target')).rows).toEqual([{ n: 2000 }]);
    await c.query('rollback');
  });

  it('a body that stalls mid-object fails the COPY after the idle timeout, and the lock is free', async () => {
    fake.fault = 'stall';
    const c = await connect();
    const started = Date.now();
    const err = await within(5000, 'COPY from a stalled S3', failureOf(c.query(COPY)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS);
    expect(err.code).toBe('XX000');
    expect(err.message).toMatch(
      /^S3ServiceException:Read timed out: no data from S3 for 400 ms after \d+ bytes,Status 0,Error RequestTimeout$/,
    );
    expect(err.detail).toContain(`S3 key being read : s3://fake/${KEY}`);
    await lockFree();
    expect((await c.query('select count(*)::int as n from target')).rows).toEqual([{ n: 0 }]);
  });

  it('a connection reset mid-body fails the COPY inside a transaction; after ROLLBACK the lock is free', async () => {
    fake.fault = 'reset';
    const c = await connect();
    await c.query('begin');
    await c.query('lock target');
    const err = await within(5000, 'COPY from a resetting S3', failureOf(c.query(COPY)));
    expect(err.code).toBe('XX000');
    expect(err.message).toMatch(
      /^S3ServiceException:Connection reset by peer after \d+ bytes,Status 0,Error ECONNRESET$/,
    );
    await c.query('rollback');
    await lockFree();
  });

  it('S3 stopping mid-body fails the COPY, and the lock is free', async () => {
    const stopped = new FakeS3();
    stopped.fault = 'stop';
    await stopped.start();
    const e2 = await startRedshiftEmulator({
      postgres: s.url,
      s3: {
        endpoint: `http://127.0.0.1:${stopped.port}`,
        credentials: { accessKeyId: 'k', secretAccessKey: 's' },
        timeouts: { connectMs: 1000, idleMs: IDLE_MS },
      },
    });
    try {
      const c = new pg.Client({ connectionString: e2.url });
      await c.connect();
      try {
        const err = await within(
          5000,
          'COPY from a stopped S3',
          failureOf(c.query(`copy "${s.schema}".target from 's3://fake/load/' ${ROLE} csv`)),
        );
        expect(err.code).toBe('XX000');
        expect(err.message).toMatch(
          /^S3ServiceException:(Connection reset by peer after \d+ bytes|transfer closed with \d+ bytes remaining to read),Status 0,Error \w+$/,
        );
        await lockFree();
        // Nothing listens any more: the next COPY is refused at once, saying so.
        const refused = await within(
          5000,
          'COPY with S3 gone',
          failureOf(c.query(`copy "${s.schema}".target from 's3://fake/load/' ${ROLE} csv`)),
        );
        expect(refused.message).toMatch(/^S3ServiceException:Couldn't connect to server,Status 0,Error ECONNREFUSED$/);
      } finally {
        await c.end();
      }
    } finally {
      await e2.close();
    }
  });

  it('S3 that never answers a GET fails the COPY after the connect timeout', async () => {
    fake.fault = 'silent';
    const c = await connect();
    const err = await within(5000, 'COPY from a silent S3', failureOf(c.query(COPY)));
    expect(err.message).toMatch(
      /^S3ServiceException:Connection timed out: S3 did not answer within 1000 ms,Status 0,Error RequestTimeout$/,
    );
    await lockFree();
  });

  it('an UNLOAD whose upload S3 never takes fails after the idle timeout', async () => {
    fake.stallPuts = true;
    const c = await connect();
    await c.query("insert into target values (1, 'a'), (2, 'b')");
    const err = await within(
      5000,
      'UNLOAD to a stalled S3',
      failureOf(c.query(`unload ('select * from target') to 's3://fake/out/' ${ROLE}`)),
    );
    expect(err.code).toBe('XX000');
    expect(err.message).toMatch(
      /^S3ServiceException:(Write timed out: S3 took no data for 400 ms after \d+ bytes|Connection timed out: S3 did not answer within 1000 ms),Status 0,Error RequestTimeout$/,
    );
    await lockFree();
  });
});
