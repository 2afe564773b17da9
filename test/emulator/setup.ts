// Shared by the emulator's conformance tests: an emulator over the test Postgres and s3rver,
// a schema of its own per file, and clients connected through the emulator.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { gzipSync } from 'node:zlib';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';

export interface EmulatorFixture {
  emulator: RedshiftEmulator;
  schema: TestSchema;
  /** A new client connected through the emulator, search_path set to the test schema. */
  connect(): Promise<pg.Client>;
  /** One shared client for simple checks. */
  client: pg.Client;
  /** A unique S3 key prefix for this file. */
  prefix: string;
  put(key: string, body: string | Buffer, gzip?: boolean): Promise<string>;
  get(key: string): Promise<Buffer>;
  list(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function startFixture(name: string, slices = 4): Promise<EmulatorFixture> {
  const schema = await createTestSchema(`emu_${name}`);
  const s3 = testS3Client();
  const emulator = await startRedshiftEmulator({ port: 0, postgres: schema.url, s3: { client: s3 }, slices });
  const clients: pg.Client[] = [];
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString: emulator.url });
    c.on('error', () => {});
    await c.connect();
    await c.query(`set search_path to "${schema.schema}", public`);
    clients.push(c);
    return c;
  };
  const client = await connect();
  const prefix = `emulator/${name}-${randomBytes(4).toString('hex')}/`;
  return {
    emulator,
    schema,
    connect,
    client,
    prefix,
    async put(key, body, gzip = false) {
      const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      const data = gzip ? gzipSync(buf) : buf;
      await s3.send(
        new PutObjectCommand({ Bucket: TEST_BUCKET, Key: prefix + key, Body: data, ContentLength: data.length }),
      );
      return `s3://${TEST_BUCKET}/${prefix}${key}`;
    },
    async get(key) {
      const r = await s3.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: prefix + key }));
      return Buffer.from(await r.Body!.transformToByteArray());
    },
    async list(p) {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix + p }));
      return (r.Contents ?? []).map((o) => o.Key!.slice(prefix.length)).sort();
    },
    async close() {
      for (const c of clients) await c.end().catch(() => {});
      await emulator.close();
      await schema.drop();
    },
  };
}

export const s3url = (f: EmulatorFixture, key: string): string => `s3://${TEST_BUCKET}/${f.prefix}${key}`;

/** Runs a statement expected to fail; returns the error. */
export async function failure(client: pg.Client, sql: string): Promise<pg.DatabaseError> {
  try {
    await client.query(sql);
  } catch (err) {
    return err as pg.DatabaseError;
  }
  throw new Error(`expected to fail: ${sql}`);
}

export const ROLE = `iam_role 'arn:aws:iam::123456789012:role/Loader'`;

/** The promise's outcome, or a failure naming what did not finish within ms. */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
