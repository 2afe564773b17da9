// Temporary database credentials from the emulator's AWS endpoint, asked for with the real SDK
// clients: Redshift's GetClusterCredentials[WithIAM] and Redshift Serverless's GetCredentials
// create users on the backend that log in through the wire endpoint until they expire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import {
  RedshiftClient,
  GetClusterCredentialsCommand,
  GetClusterCredentialsWithIAMCommand,
} from '@aws-sdk/client-redshift';
import { RedshiftServerlessClient, GetCredentialsCommand } from '@aws-sdk/client-redshift-serverless';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';

let schema: TestSchema;
let emulator: RedshiftEmulator;
const tag = randomBytes(3).toString('hex');

const sdkConfig = (accessKeyId: string) => ({
  endpoint: emulator.dataApiEndpoint!,
  region: 'us-east-1',
  credentials: { accessKeyId, secretAccessKey: 'secret' },
});
const redshift = (key = `key_${tag}`) => new RedshiftClient(sdkConfig(key));
const serverless = (key = `key_${tag}`) => new RedshiftServerlessClient(sdkConfig(key));

async function login(user: string, password: string): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: emulator.port, user, password, database: 'test' });
  c.on('error', () => {});
  await c.connect();
  return c;
}

async function loginError(user: string, password: string): Promise<pg.DatabaseError> {
  try {
    const c = await login(user, password);
    await c.end();
  } catch (err) {
    return err as pg.DatabaseError;
  }
  throw new Error(`${user} logged in`);
}

beforeAll(async () => {
  schema = await createTestSchema('emu_creds');
  await schema.pool.query(`create table "${schema.schema}".candy (id int)`);
  await schema.pool.query(`insert into "${schema.schema}".candy values (1), (2)`);
  emulator = await startRedshiftEmulator({
    postgres: schema.url,
    dataApi: {
      clusters: ['sweets'],
      minDurationSeconds: 1,
      identities: { [`rolekey_${tag}`]: `arn:aws:sts::123456789012:assumed-role/loader_${tag}/session-1` },
      denied: [`denied_${tag}`],
    },
  });
});

afterAll(async () => {
  await emulator?.close();
  await schema?.drop();
});

describe('GetClusterCredentials', () => {
  it('creates the user (AutoCreate) with its groups; it logs in as IAM:<user> and sees what the main user sees', async () => {
    const user = `loader_${tag}`;
    const before = Date.now();
    const r = await redshift().send(
      new GetClusterCredentialsCommand({
        ClusterIdentifier: 'sweets',
        DbUser: user,
        DbName: 'test',
        AutoCreate: true,
        DbGroups: [`etl_${tag}`],
      }),
    );
    expect(r.DbUser).toBe(`IAM:${user}`);
    expect(r.DbPassword!.length).toBeGreaterThan(20);
    expect(r.Expiration!.getTime()).toBeGreaterThanOrEqual(before + 899_000);
    expect(r.Expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 901_000);
    const c = await login(r.DbUser!, r.DbPassword!);
    const me = await c.query(`select current_user as u, pg_has_role(current_user, $1, 'member') as etl`, [
      `etl_${tag}`,
    ]);
    expect(me.rows[0]).toEqual({ u: user, etl: true });
    expect((await c.query(`select count(*)::int as n from "${schema.schema}".candy`)).rows[0].n).toBe(2);
    await c.end();
  });

  it("refuses a wrong password with Redshift's authentication error", async () => {
    const user = `wrong_${tag}`;
    const r = await redshift().send(
      new GetClusterCredentialsCommand({ ClusterIdentifier: 'sweets', DbUser: user, AutoCreate: true }),
    );
    const e = await loginError(r.DbUser!, 'not-the-password');
    expect(e.code).toBe('28P01');
    expect(e.message).toBe(`password authentication failed for user "IAM:${user}"`);
  });

  it('expires: a new connection fails after DurationSeconds, one already open keeps working', async () => {
    const user = `brief_${tag}`;
    const r = await redshift().send(
      new GetClusterCredentialsCommand({
        ClusterIdentifier: 'sweets',
        DbUser: user,
        AutoCreate: true,
        DurationSeconds: 1,
      }),
    );
    const open = await login(r.DbUser!, r.DbPassword!);
    const valid = await schema.pool.query<{ v: Date }>('select rolvaliduntil as v from pg_roles where rolname = $1', [
      user,
    ]);
    expect(Math.abs(valid.rows[0]!.v.getTime() - r.Expiration!.getTime())).toBeLessThan(1000);
    await new Promise((res) => setTimeout(res, 1200));
    expect((await loginError(r.DbUser!, r.DbPassword!)).code).toBe('28P01');
    expect((await open.query('select 1 as one')).rows[0].one).toBe(1);
    await open.end();
  });

  it('without AutoCreate the call succeeds for a missing user, and the login fails', async () => {
    const r = await redshift().send(
      new GetClusterCredentialsCommand({ ClusterIdentifier: 'sweets', DbUser: `ghost_${tag}` }),
    );
    const e = await loginError(r.DbUser!, r.DbPassword!);
    expect(e.message).toBe(`user "ghost_${tag}" does not exist`);
  });

  it('answers an unknown cluster with ClusterNotFound and a duration out of range with InvalidParameterValue', async () => {
    await expect(
      redshift().send(new GetClusterCredentialsCommand({ ClusterIdentifier: 'other', DbUser: 'x', AutoCreate: true })),
    ).rejects.toMatchObject({ name: 'ClusterNotFoundFault', $metadata: { httpStatusCode: 404 } });
    await expect(
      redshift().send(
        new GetClusterCredentialsCommand({ ClusterIdentifier: 'sweets', DbUser: 'x', DurationSeconds: 3601 }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('GetClusterCredentialsWithIAM and Serverless GetCredentials', () => {
  it('derive IAM:<user> from the caller, and IAMR:<role> from an assumed role', async () => {
    const r = await redshift(`alice_${tag}`).send(
      new GetClusterCredentialsWithIAMCommand({ ClusterIdentifier: 'sweets', DbName: 'test', DurationSeconds: 900 }),
    );
    expect(r.DbUser).toBe(`IAM:alice_${tag}`);
    const c = await login(r.DbUser!, r.DbPassword!);
    expect((await c.query('select current_user as u')).rows[0].u).toBe(`IAM:alice_${tag}`);
    await c.end();
    const s = await serverless(`rolekey_${tag}`).send(
      new GetCredentialsCommand({ workgroupName: 'wg', dbName: 'test' }),
    );
    expect(s.dbUser).toBe(`IAMR:loader_${tag}`);
    expect(s.expiration!.getTime()).toBeGreaterThan(Date.now() + 800_000);
    const c2 = await login(s.dbUser!, s.dbPassword!);
    expect((await c2.query(`select count(*)::int as n from "${schema.schema}".candy`)).rows[0].n).toBe(2);
    await c2.end();
  });

  it('refuse a denied caller (AccessDenied) and fail on demand', async () => {
    await expect(
      redshift(`denied_${tag}`).send(new GetClusterCredentialsWithIAMCommand({ ClusterIdentifier: 'sweets' })),
    ).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    await expect(
      serverless(`denied_${tag}`).send(new GetCredentialsCommand({ workgroupName: 'wg' })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    emulator.aws!.failCredentials('ClusterNotFound');
    try {
      await expect(
        redshift().send(new GetClusterCredentialsWithIAMCommand({ ClusterIdentifier: 'sweets' })),
      ).rejects.toMatchObject({ name: 'ClusterNotFoundFault' });
      await expect(serverless().send(new GetCredentialsCommand({ workgroupName: 'wg' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    } finally {
      emulator.aws!.failCredentials(undefined);
    }
  });
});

describe('the AWS endpoint', () => {
  it('refuses an unsigned request', async () => {
    const res = await fetch(emulator.dataApiEndpoint!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RedshiftServerless.GetCredentials' },
      body: JSON.stringify({ workgroupName: 'wg' }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
  });

  it('throttles on demand (the SDK retries) and logs what clients sent', async () => {
    const from = emulator.aws!.requests.length;
    emulator.aws!.throttle(1, 'GetClusterCredentials');
    const r = await redshift().send(
      new GetClusterCredentialsCommand({ ClusterIdentifier: 'sweets', DbUser: `retry_${tag}`, AutoCreate: true }),
    );
    expect(r.DbUser).toBe(`IAM:retry_${tag}`);
    const sent = emulator.aws!.requests.slice(from);
    expect(sent.map((q) => [q.action, q.throttled ?? false])).toEqual([
      ['GetClusterCredentials', true],
      ['GetClusterCredentials', false],
    ]);
    expect(sent[1]!.body).toMatchObject({ ClusterIdentifier: 'sweets', DbUser: `retry_${tag}`, AutoCreate: 'true' });
  });
});
