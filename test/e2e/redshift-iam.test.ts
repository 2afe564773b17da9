// RedshiftDatabase logging in with temporary credentials (iam): every new pool connection gets a
// user and password from the emulator's AWS endpoint (GetClusterCredentials, ...WithIAM,
// Serverless GetCredentials) through the real SDK clients, cached until near expiry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import {
  RedshiftDatabase,
  RedshiftLoginError,
  S3Stage,
  defineTable,
  t,
  type RedshiftIamOptions,
} from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';

let s: TestSchema;
let emulator: RedshiftEmulator;
const tag = randomBytes(3).toString('hex');
type Row = Record<string, unknown>;
const dbs: RedshiftDatabase[] = [];

const aws = (accessKeyId = `key_${tag}`) => ({
  endpoint: emulator.dataApiEndpoint!,
  region: 'us-east-1',
  credentials: { accessKeyId, secretAccessKey: `secret_${tag}` },
});

function database(iam: RedshiftIamOptions): RedshiftDatabase {
  const db = new RedshiftDatabase({
    host: '127.0.0.1',
    port: emulator.port,
    database: 'test',
    iam,
    iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
    auditSchema: `${s.schema}_audit`,
    stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/iam/${s.schema}`, client: testS3Client() }),
  });
  dbs.push(db);
  return db;
}

const credentialCalls = () =>
  emulator.aws!.requests.filter((r) => /GetClusterCredentials|GetCredentials/.test(r.action)).length;

beforeAll(async () => {
  s = await createTestSchema('e2e_iam');
  emulator = await startRedshiftEmulator({
    port: 0,
    postgres: s.url,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    dataApi: { clusters: ['sweets'], workgroups: ['candy-wg'], minDurationSeconds: 1, denied: [`denied_${tag}`] },
  });
  // As on Redshift, a user GetClusterCredentials creates has PUBLIC's rights only: its group may create schemas.
  await s.pool.query(`create role "etl_${tag}" nologin`);
  const [{ db }] = (await s.pool.query('select current_database() as db')).rows as [{ db: string }];
  await s.pool.query(`grant create on database "${db}" to "etl_${tag}"`);
});
afterAll(async () => {
  for (const db of dbs) await db.close().catch(() => undefined);
  await emulator?.close();
  await s.pool.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
  const [{ db }] = (await s.pool.query('select current_database() as db')).rows as [{ db: string }];
  await s.pool.query(`revoke create on database "${db}" from "etl_${tag}"`).catch(() => undefined);
  await s.drop();
  await s.pool.query(`drop role if exists "etl_${tag}"`).catch(() => undefined);
});

describe('RedshiftDatabase with iam logins', () => {
  it('logs in as the dbUser GetClusterCredentials names (IAM:<dbUser>), its groups joined', async () => {
    const db = database({
      clusterIdentifier: 'sweets',
      dbUser: `loader_${tag}`,
      autoCreate: true,
      dbGroups: [`etl_${tag}`],
      ...aws(),
    });
    const [me] = await db.query<Row>('select current_user as who');
    expect(me!.who).toBe(`loader_${tag}`);
    const call = emulator.aws!.requests.find((r) => r.action === 'GetClusterCredentials');
    expect(call?.body).toMatchObject({ ClusterIdentifier: 'sweets', DbUser: `loader_${tag}`, DbName: 'test' });
  });

  it('without dbUser, logs in as the caller (GetClusterCredentialsWithIAM: IAM:<name>)', async () => {
    const db = database({ clusterIdentifier: 'sweets', ...aws(`alice_${tag}`) });
    const [me] = await db.query<Row>('select current_user as who');
    expect(String(me!.who)).toBe(`IAM:alice_${tag}`);
  });

  it('a load that outlives its credentials succeeds; new connections after the expiry log in with fresh ones', async () => {
    const db = database({
      clusterIdentifier: 'sweets',
      dbUser: `slow_${tag}`,
      autoCreate: true,
      dbGroups: [`etl_${tag}`],
      durationSeconds: 1,
      ...aws(),
    });
    const table = db.table(
      defineTable(`${s.schema}.outlived`, { id: t.bigint().notNull(), v: t.varchar(8) }, { upsertKey: ['id'] }),
    );
    const before = credentialCalls();
    await table.create();
    // The source waits past the password's expiry while the load holds its connections.
    async function* slowRows() {
      yield { id: 1n, v: 'a' };
      await new Promise((r) => setTimeout(r, 1500));
      yield { id: 2n, v: 'b' };
    }
    const loaded = await table.upsert(slowRows());
    expect(loaded).toMatchObject({ staged: 2, inserted: 2 });
    // Four statements at once fill the pool: the connections it opens now log in with a new password.
    const counts = await Promise.all(
      [0, 1, 2, 3].map(() => db.query<Row>(`select count(*)::int as n, pg_sleep(0.05) from "${s.schema}".outlived`)),
    );
    expect(counts.map((r) => r[0]!.n)).toEqual([2, 2, 2, 2]);
    expect(credentialCalls() - before).toBeGreaterThanOrEqual(2);
  });

  it('Serverless: GetCredentials for the workgroup; load errors come from sys_load_error_detail', async () => {
    const db = database({ workgroupName: 'candy-wg', ...aws(`bob_${tag}`) });
    expect(db.redshift.serverless).toBe(true);
    expect(db.loadErrorQuery()).toMatch(/sys_load_error_detail/);
    const [me] = await db.query<Row>('select current_user as who');
    expect(String(me!.who)).toBe(`IAM:bob_${tag}`);
    const call = emulator.aws!.requests.find((r) => r.action === 'GetCredentials');
    expect(call?.body).toMatchObject({ workgroupName: 'candy-wg', dbName: 'test' });
  });

  it('a refused credentials call fails the query with a RedshiftLoginError naming the call, not a secret', async () => {
    const db = database({ clusterIdentifier: 'sweets', dbUser: `x_${tag}`, ...aws(`denied_${tag}`) });
    const err = (await db.query('select 1').catch((e: unknown) => e)) as RedshiftLoginError;
    expect(err).toBeInstanceOf(RedshiftLoginError);
    expect(err.code).toBe('LOGIN_FAILED');
    expect(err.message).toMatch(
      /GetClusterCredentials for cluster sweets as database user x_.*AccessDenied.*not authorized/,
    );
    expect(err.message).not.toContain(`secret_${tag}`);
  });

  it('an unknown cluster says so', async () => {
    const db = database({ clusterIdentifier: 'nope', ...aws() });
    await expect(db.query('select 1')).rejects.toThrow(/cluster nope.*ClusterNotFound/);
  });
});
