// What a COPY says when S3 refuses it: bad credentials, a server that isn't there, a bucket that
// doesn't exist are each reported as such (Redshift's S3ServiceException shape), never as a
// manifest that is "not in correct json format".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import pg from 'pg';
import {
  startRedshiftEmulator,
  type RedshiftEmulator,
  type RedshiftEmulatorOptions,
} from '../../src/emulator/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { testS3Endpoint } from '../helpers/s3.js';
import { ROLE, failure, startFixture, type EmulatorFixture } from './setup.js';

let s: TestSchema;
let f: EmulatorFixture;
let manifest: string;

/** One COPY through an emulator started with these S3 settings; its error. */
async function copyError(s3: RedshiftEmulatorOptions['s3'], from: string): Promise<pg.DatabaseError> {
  const emulator: RedshiftEmulator = await startRedshiftEmulator({ postgres: s.url, s3 });
  const c = new pg.Client({ connectionString: emulator.url });
  try {
    await c.connect();
    return await failure(c, `copy "${f.schema.schema}".t from '${from}' ${ROLE} csv manifest`);
  } finally {
    await c.end().catch(() => {});
    await emulator.close();
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  f = await startFixture('s3err');
  s = await createTestSchema('emu_s3err');
  await f.client.query('create table t (id int)');
  const part = await f.put('part-0.csv', '1\n2\n');
  manifest = await f.put('manifest.json', JSON.stringify({ entries: [{ url: part, mandatory: true }] }));
});
afterAll(async () => {
  await f?.close();
  await s?.drop();
});

describe('S3 errors a COPY reports', () => {
  it('a wrong access key is reported as S3 reported it', async () => {
    const err = await copyError(
      { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'WRONG', secretAccessKey: 'S3RVER' } },
      manifest,
    );
    expect(err.code).toBe('XX000');
    expect(err.message).toMatch(
      /^Problem reading manifest file - S3ServiceException:.+,Status 403,Error InvalidAccessKeyId$/,
    );
  });

  it('an endpoint nothing listens on is a refused connection', async () => {
    const err = await copyError(
      {
        endpoint: `http://127.0.0.1:${await closedPort()}`,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      },
      manifest,
    );
    expect(err.message).toBe(
      "Problem reading manifest file - S3ServiceException:Couldn't connect to server,Status 0,Error ECONNREFUSED",
    );
  });

  it('a bucket that does not exist is named as missing', async () => {
    const err = await failure(
      f.client,
      `copy t from 's3://no-such-bucket-${f.schema.schema}/manifest.json' ${ROLE} csv manifest`,
    );
    expect(err.message).toMatch(
      /^Problem reading manifest file - S3ServiceException:The specified bucket does not exist,Status 404,Error NoSuchBucket$/,
    );
  });

  it('a manifest that is not JSON still says so', async () => {
    const bad = await f.put('bad-manifest.json', '{ entries: nope');
    const err = await failure(f.client, `copy t from '${bad}' ${ROLE} csv manifest`);
    expect(err.message).toBe('Manifest file is not in correct json format');
  });
});
