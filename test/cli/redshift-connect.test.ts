// The CLI's three ways to Redshift, run in process (main) against the emulator: a redshift-data://
// URL (the Data API), an IAM login from upshift.config.ts ({ host, iam }, its function form), a
// refused IAM login (exit 4). Every secret (AWS keys, COPY keys, each temporary password) is
// then looked for in everything the CLI printed and every audit row: none may be there.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { main } from '../../src/cli/index.js';
import { RedshiftDataApiDatabase, defineTable, t } from '../../src/index.js';
import { parseDatabaseSetting } from '../../src/engine/index.js';
import { TemporaryLogins } from '../../src/warehouse/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Endpoint } from '../helpers/s3.js';
import { createProject, type TempProject } from '../codegen/project.js';

const tag = randomBytes(3).toString('hex');
const SECRETS = {
  awsSecretKey: `aws-secret-${tag}`,
  awsSessionToken: `aws-token-${tag}`,
  copySecretKey: `copy-secret-${tag}`,
  copySessionToken: `copy-token-${tag}`,
};
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:upshift-loader';
let s: TestSchema;
let emulator: RedshiftEmulator;
let project: TempProject;
const printed: string[] = [];
const passwords: string[] = [];

async function upshift(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    cwd: project.dir,
    env: {},
    io: { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: false },
  });
  printed.push(out, err);
  return { code, out, err };
}

const dataApiUrl = () =>
  `redshift-data://cluster/sweets/test?secretArn=${encodeURIComponent(SECRET_ARN)}&region=us-east-1&endpoint=${encodeURIComponent(emulator.dataApiEndpoint!)}`;

beforeAll(async () => {
  [s, project] = await Promise.all([createTestSchema('cli_rs'), createProject()]);
  emulator = await startRedshiftEmulator({
    port: 0,
    postgres: s.url,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    dataApi: { clusters: ['sweets'], minDurationSeconds: 1, denied: [`denied_${tag}`] },
  });
  // The SDK's default chain reads these (the URL forms carry no AWS credentials).
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: `loader_${tag}`,
    AWS_SECRET_ACCESS_KEY: SECRETS.awsSecretKey,
    AWS_SESSION_TOKEN: SECRETS.awsSessionToken,
    AWS_REGION: 'us-east-1',
  });
  // Every temporary password handed to a connection, to look for afterwards.
  const get = Object.getOwnPropertyDescriptor(TemporaryLogins.prototype, 'get')!.value as (
    this: TemporaryLogins,
  ) => ReturnType<TemporaryLogins['get']>;
  vi.spyOn(TemporaryLogins.prototype, 'get').mockImplementation(async function (this: TemporaryLogins) {
    const login = await get.call(this);
    if (!passwords.includes(login.password)) passwords.push(login.password);
    return login;
  });
  const model = defineTable(
    `${s.schema}.items`,
    { id: t.bigint().notNull(), name: t.varchar(12) },
    { upsertKey: ['id'] },
  );
  const setup = new RedshiftDataApiDatabase({
    clusterIdentifier: 'sweets',
    database: 'test',
    secretArn: SECRET_ARN,
    endpoint: emulator.dataApiEndpoint!,
  });
  await setup.table(model).create();
  await setup.query(`create role "etl_${tag}" nologin`);
  await setup.query(`grant create on database test to "etl_${tag}"`);
  await setup.query(`grant all on schema "${s.schema}" to "etl_${tag}"`);
  await setup.query(`grant all on "${s.schema}".items to "etl_${tag}"`);
  await setup.close();
  await mkdir(path.join(project.dir, 'models'));
  await writeFile(
    path.join(project.dir, 'models', 'items.ts'),
    `import { defineTable, t } from 'upshift';\nexport const items = defineTable('${s.schema}.items', { id: t.bigint().notNull(), name: t.varchar(12) }, { upsertKey: ['id'] });\n`,
  );
  await writeFile(path.join(project.dir, 'items.csv'), 'id,name\n1,toffee\n2,fudge\n');
  await writeFile(path.join(project.dir, 'bad.csv'), 'id,name\n3,much too long a name\n');
  // Unvalidated (--trusted): COPY itself rejects it, with the COPY's credentials in its statement.
  await writeFile(path.join(project.dir, 'rejected.csv'), '4,"toffee"\nfive,"fudge"\n');
  const stage = `new S3Stage({
    basePath: 's3://${TEST_BUCKET}/cli-rs/${s.schema}', endpoint: ${JSON.stringify(testS3Endpoint())}, region: 'us-east-1', forcePathStyle: true,
    clientConfig: { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' },
  })`;
  const common = `auditSchema: ${JSON.stringify(`${s.schema}_audit`)},
  codegen: { schemas: [${JSON.stringify(s.schema)}] },
  redshift: { credentials: { accessKeyId: 'COPYKEY', secretAccessKey: ${JSON.stringify(SECRETS.copySecretKey)}, sessionToken: ${JSON.stringify(SECRETS.copySessionToken)} } },
  stage: ${stage},`;
  await writeFile(
    path.join(project.dir, 'upshift.config.ts'),
    `import { defineConfig } from 'upshift/cli';\nimport { S3Stage } from 'upshift/stage';\nexport default defineConfig({\n  ${common}\n});\n`,
  );
  // A config function: the IAM login's settings could come from anywhere (a secret store, the environment).
  await writeFile(
    path.join(project.dir, 'iam.config.ts'),
    `import { defineConfig } from 'upshift/cli';
import { S3Stage } from 'upshift/stage';
export default defineConfig(async () => ({
  ${common}
  database: {
    host: '127.0.0.1', port: ${emulator.port}, database: 'test',
    iam: { clusterIdentifier: 'sweets', dbUser: 'loader_${tag}', autoCreate: true, dbGroups: ['etl_${tag}'], durationSeconds: 1, endpoint: ${JSON.stringify(emulator.dataApiEndpoint)} },
  },
}));
`,
  );
});
afterAll(async () => {
  vi.restoreAllMocks();
  await s?.pool.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
  await emulator?.close();
  await s?.drop();
  await s?.pool
    .query(`drop owned by "etl_${tag}"`)
    .then(() => s.pool.query(`drop role if exists "etl_${tag}"`))
    .catch(() => undefined);
  await project?.remove();
});

describe('database settings', () => {
  it('reads the redshift-data:// and redshift-iam:// forms, and says what is wrong with one', () => {
    expect(parseDatabaseSetting('redshift-data://workgroup/candy-wg/dev?region=eu-west-1')).toEqual({
      kind: 'dataApi',
      connection: { dataApi: { workgroupName: 'candy-wg', database: 'dev', region: 'eu-west-1' } },
    });
    expect(parseDatabaseSetting(`redshift-data://cluster/sweets/test?dbUser=loader`)).toEqual({
      kind: 'dataApi',
      connection: { dataApi: { clusterIdentifier: 'sweets', database: 'test', dbUser: 'loader' } },
    });
    expect(
      parseDatabaseSetting(
        'redshift-iam://loader@sweets.abc123.us-east-1.redshift.amazonaws.com:5439/dev?dbGroups=etl,ro&autoCreate=true&durationSeconds=1800',
      ),
    ).toEqual({
      kind: 'iam',
      connection: {
        host: 'sweets.abc123.us-east-1.redshift.amazonaws.com',
        port: 5439,
        database: 'dev',
        iam: { dbUser: 'loader', dbGroups: ['etl', 'ro'], autoCreate: true, durationSeconds: 1800 },
      },
    });
    expect(
      parseDatabaseSetting(
        'redshift-iam://wg.123456789012.eu-west-1.redshift-serverless.amazonaws.com/dev?workgroupName=wg',
      ),
    ).toMatchObject({
      connection: { iam: { workgroupName: 'wg' } },
    });
    expect(parseDatabaseSetting('postgres://u:p@h/db')).toEqual({ kind: 'password', url: 'postgres://u:p@h/db' });
    expect(() => parseDatabaseSetting('redshift-data://nope/x/dev')).toThrow(
      /redshift-data:\/\/workgroup\/<workgroup>/,
    );
    expect(() => parseDatabaseSetting('redshift-data://cluster/x/dev?password=hunter2')).toThrow(
      /take no "password" parameter/,
    );
    expect(() => parseDatabaseSetting('redshift-iam://u:hunter2@h/dev')).toThrow(/take no password/);
    expect(() => parseDatabaseSetting('redshift-iam://h/dev?durationSeconds=soon')).toThrow(/whole number/);
  });
});

describe('the CLI on Redshift', () => {
  it('the Data API (redshift-data://): load, audit and codegen --check', async () => {
    const load = await upshift(['--database-url', dataApiUrl(), 'load', 'items', 'items.csv', '--json']);
    expect(load.err.split('\n').filter((l) => l.startsWith('upshift:'))).toEqual([]);
    expect(load.code).toBe(0);
    expect(JSON.parse(load.out)).toMatchObject({ table: `${s.schema}.items`, staged: 2, inserted: 2 });
    const audit = await upshift(['--database-url', dataApiUrl(), 'audit', '--json', '--schema', `${s.schema}_audit`]);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.out.trim().split('\n')[0]!)).toMatchObject({ status: 'succeeded', inserted: 2 });
    const check = await upshift(['--database-url', dataApiUrl(), 'codegen', '--check']);
    expect(check.err).toBe('');
    expect(check.code).toBe(0);
    const migrate = await upshift(['--database-url', dataApiUrl(), 'migrate', 'status']);
    expect(migrate).toMatchObject({ code: 3, err: expect.stringMatching(/migrations run on a connection/) });
  });

  it('IAM logins from a config function: load (new passwords as they expire), a failed load, audit', async () => {
    const ok = await upshift(['--config', 'iam.config.ts', 'load', 'items', 'items.csv', '--json']);
    expect(ok.err.split('\n').filter((l) => l.startsWith('upshift:'))).toEqual([]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ staged: 2, updated: 2 });
    await new Promise((r) => setTimeout(r, 1100)); // the password expires
    const bad = await upshift(['--config', 'iam.config.ts', 'load', 'items', 'bad.csv']);
    expect(bad.code).toBe(9);
    const rejected = await upshift(['--config', 'iam.config.ts', 'load', 'items', 'rejected.csv', '--trusted']);
    expect(rejected.code).toBe(9);
    expect(rejected.err).toMatch(/line 2, column "id", value "five"/);
    const audit = await upshift(['--config', 'iam.config.ts', 'audit', '--json']);
    expect(audit.code).toBe(0);
    expect(audit.out).toContain('"status":"failed"');
    expect(passwords.length).toBeGreaterThanOrEqual(2);
  });

  it('a refused IAM login (AccessDenied) or Data API call is one line, exit 4', async () => {
    process.env.AWS_ACCESS_KEY_ID = `denied_${tag}`;
    try {
      const url = `redshift-iam://loader_${tag}@127.0.0.1:${emulator.port}/test?clusterIdentifier=sweets&endpoint=${encodeURIComponent(emulator.dataApiEndpoint!)}`;
      const r = await upshift(['--database-url', url, 'audit']);
      expect(r.code).toBe(4);
      expect(r.err).toMatch(
        /^upshift: cannot connect to the database: could not get temporary Redshift credentials \(GetClusterCredentials for cluster sweets as database user loader_\w+\): AccessDenied: User: .* is not authorized .*\n$/,
      );
    } finally {
      process.env.AWS_ACCESS_KEY_ID = `loader_${tag}`;
    }
    // No region to send the Data API's calls to is a configuration problem.
    const region = process.env.AWS_REGION;
    delete process.env.AWS_REGION;
    try {
      const noRegion = await upshift(['--database-url', dataApiUrl().replace('&region=us-east-1', ''), 'audit']);
      expect(noRegion).toMatchObject({
        code: 3,
        err: expect.stringMatching(/^upshift: the Data API needs an AWS region/),
      });
    } finally {
      process.env.AWS_REGION = region;
    }
    // The Data API refusing a call (no such cluster) is exit 4 too.
    const unknown = await upshift(['--database-url', dataApiUrl().replace('/sweets/', '/nope/'), 'audit']);
    expect(unknown.code).toBe(4);
    expect(unknown.err).toMatch(/^upshift: cannot connect to the database: ValidationException: .*\n$/);
  });

  it('no secret is printed, logged or written to an audit row', async () => {
    const audit = await s.pool.query(`select * from "${s.schema}_audit".load_audit`);
    expect(audit.rows.length).toBeGreaterThanOrEqual(3);
    const everything = [...printed, JSON.stringify(audit.rows)].join('\n');
    expect(passwords.length).toBeGreaterThan(0);
    for (const secret of [...Object.values(SECRETS), ...passwords]) expect(everything).not.toContain(secret);
  });
});
