// The `upshift` binary run as a user runs it: a child process (`node --import tsx
// src/cli/bin.ts`, so CI needs no build) in a temp project with an upshift.config.ts, against the
// real Postgres. Asserts exit codes, stdout and stderr, and what ends up in the database.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createTestSchema, testDatabaseUrl, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { createProject, REPO, type TempProject } from '../codegen/project.js';

// Child processes and tsc share CI's 2 cores with the rest of the suite: generous per-test timeouts.
const SLOW = 180_000;
let db: TestSchema;
let project: TempProject;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function upshift(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = {
      ...process.env,
      UPSHIFT_DATABASE_URL: undefined,
      UPSHIFT_CONFIG: undefined,
      ...env,
    };
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'src/cli/bin.ts'), ...args],
      { cwd: project.dir, env: childEnv },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  [db, project] = await Promise.all([createTestSchema('cli'), createProject()]);
  await db.pool.query(
    `create table ${db.schema}.items (id bigint primary key, name varchar(20) not null, qty integer)`,
  );
  await writeFile(
    path.join(project.dir, 'upshift.config.ts'),
    `import { defineConfig } from 'upshift/cli';
export default defineConfig({
  database: ${JSON.stringify(testDatabaseUrl())},
  codegen: { schemas: [${JSON.stringify(db.schema)}] },
  migrations: { schema: ${JSON.stringify(db.schema)} },
  auditSchema: ${JSON.stringify(db.schema)},
});
`,
  );
});
afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

describe('upshift CLI', () => {
  it(
    'prints help everywhere, and exits 2 on a bad command line',
    async () => {
      const [help, migrateHelp, auditHelp, unknown, missing, emulatorHelp] = await Promise.all([
        upshift(['--help']),
        upshift(['migrate', '--help']),
        upshift(['audit', '--help']),
        upshift(['nope']),
        upshift(['load', 'items', '--mode', 'upsert']),
        upshift(['emulator', '--help']),
      ]);
      expect(help.code).toBe(0);
      for (const c of ['codegen', 'migrate', 'audit', 'load', 'emulator']) expect(help.stdout).toContain(`  ${c}`);
      expect(help.stdout).toContain(
        'Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 configuration, 4 database, 5 drift',
      );
      expect(migrateHelp.code).toBe(0);
      for (const c of ['generate [options] <name>', 'up', 'down', 'status [options]', 'unlock'])
        expect(migrateHelp.stdout).toContain(c);
      expect(auditHelp.stdout).toContain('--status <status>');
      expect(unknown).toMatchObject({ code: 2, stdout: '' });
      expect(unknown.stderr).toContain("error: unknown command 'nope'");
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain("error: missing required argument 'source'");
      // the emulator's own usage (src/emulator/cli.ts), reached through the one binary
      expect(emulatorHelp).toMatchObject({ code: 0, stderr: '' });
      expect(emulatorHelp.stdout).toMatch(/^usage: upshift emulator \[--port 5439\]/);
    },
    SLOW,
  );

  it(
    'exits 3 without a database and 4 when the database refuses the connection',
    async () => {
      const noConfig = await upshift(['codegen', '--config', 'missing.config.ts']);
      expect(noConfig).toMatchObject({ code: 3 });
      expect(noConfig.stderr).toMatch(/^upshift: config file .*missing\.config\.ts does not exist\n$/);
      await mkdir(path.join(project.dir, 'broken-models'), { recursive: true });
      await writeFile(
        path.join(project.dir, 'broken-models', 'bad.ts'),
        "import { defineTable, t } from 'upshift';\nexport const bad = defineTable('no_schema', { id: t.bigint() });\n",
      );
      await writeFile(
        path.join(project.dir, 'broken.config.ts'),
        `export default { database: ${JSON.stringify(testDatabaseUrl())}, models: './broken-models' };\n`,
      );
      const badModel = await upshift(['--config', 'broken.config.ts', 'codegen', '--check']);
      expect(badModel.code).toBe(3);
      expect(badModel.stderr).toMatch(
        /^upshift: cannot import .*broken-models\/bad\.ts: table name "no_schema" must be schema-qualified/,
      );
      const refused = await upshift(['codegen', '--database-url', 'postgres://postgres@127.0.0.1:1/test']);
      expect(refused.code).toBe(4);
      expect(refused.stderr).toMatch(/^upshift: cannot connect to the database: .*ECONNREFUSED/);
    },
    SLOW,
  );

  it(
    'codegen writes models, --check passes, then exits 5 with a per-column diff after ALTER TABLE',
    async () => {
      const gen = await upshift(['codegen']);
      expect(gen.stderr).toBe('');
      expect(gen).toMatchObject({ code: 0 });
      expect(gen.stdout).toBe(
        `1 table(s) from postgres: 3 file(s) written, 0 unchanged in models\n  wrote models/${db.schema}/items.ts\n  wrote models/db.ts\n  wrote models/index.ts\n`,
      );
      expect(await readFile(path.join(project.dir, 'models', db.schema, 'items.ts'), 'utf8')).toContain(
        'name: t.varchar(20).notNull(),',
      );
      const clean = await upshift(['codegen', '--check']);
      expect(clean).toMatchObject({ code: 0, stdout: 'no drift: 1 table(s) match their models\n' });
      await db.pool.query(`alter table ${db.schema}.items add column note varchar(10)`);
      const drift = await upshift(['codegen', '--check']);
      expect(drift.code).toBe(5);
      expect(drift.stderr).toBe(
        `drift in 1 table(s):\n  ${db.schema}.items (models/${db.schema}/items.ts):\n    column note: in the database (character varying(10)), not in the model\n`,
      );
      await db.pool.query(`alter table ${db.schema}.items drop column note`);
    },
    SLOW,
  );

  it(
    'migrate: generate, status, up; refuses narrowing (6); two concurrent `migrate up` serialize',
    async () => {
      const file = path.join(project.dir, 'models', db.schema, 'items.ts');
      const original = await readFile(file, 'utf8');
      await writeFile(
        file,
        original
          .replace('t.varchar(20)', 't.varchar(40)')
          .replace('qty: t.integer(),', "qty: t.integer(),\n  color: t.varchar(12).default('red'),"),
      );
      const gen = await upshift(['migrate', 'generate', 'wider names and color']);
      expect(gen.code).toBe(0);
      expect(gen.stdout).toMatch(
        /^wrote migrations\/\d{14}_wider_names_and_color\.ts\n {2}column name: type is VARCHAR\(40\) in the model, VARCHAR\(20\) in the database\n {2}column color: in the model \(VARCHAR\(12\)\), not in the database\n$/,
      );
      const pending = await upshift(['migrate', 'status', '--json']);
      expect(JSON.parse(pending.stdout)).toEqual([
        { name: expect.stringMatching(/_wider_names_and_color$/), executedAt: null },
      ]);
      const up = await upshift(['migrate', 'up']);
      expect(up).toMatchObject({ code: 0, stderr: '' });
      expect(up.stdout).toMatch(/^applied \d{14}_wider_names_and_color\n$/);
      const { rows } = await db.pool.query(
        `select column_name, character_maximum_length as len from information_schema.columns where table_schema = $1 and table_name = 'items' order by ordinal_position`,
        [db.schema],
      );
      expect(rows).toEqual([
        { column_name: 'id', len: null },
        { column_name: 'name', len: 40 },
        { column_name: 'qty', len: null },
        { column_name: 'color', len: 12 },
      ]);

      await writeFile(file, (await readFile(file, 'utf8')).replace('t.varchar(40)', 't.varchar(5)'));
      const refused = await upshift(['migrate', 'generate', 'narrow']);
      expect(refused.code).toBe(6);
      expect(refused.stderr).toBe(
        `refused, no migration written:\n  ${db.schema}.items: changes column name from VARCHAR(40) to VARCHAR(5), which can narrow or rewrite its values: pass --allow-destructive to allow it\n`,
      );
      await writeFile(file, (await readFile(file, 'utf8')).replace('t.varchar(5)', 't.varchar(40)'));

      await db.pool.query(`create table ${db.schema}.runs (at timestamptz default clock_timestamp())`);
      await writeFile(
        path.join(project.dir, 'migrations', '20991231000000_slow.ts'),
        `import { sql, type Kysely } from 'kysely';
export async function up(db: Kysely<unknown>) {
  await sql.raw('insert into ${db.schema}.runs default values').execute(db);
  await sql.raw('select pg_sleep(2)').execute(db);
}
`,
      );
      const [a, b] = await Promise.all([upshift(['migrate', 'up']), upshift(['migrate', 'up'])]);
      expect([a.code, b.code]).toEqual([0, 0]);
      const outs = [a.stdout, b.stdout].sort();
      expect(outs).toEqual(['applied 20991231000000_slow\n', 'nothing to migrate: all migrations are applied\n']);
      const waiter = [a, b].find((r) => r.stdout.startsWith('nothing'))!;
      expect(waiter.stderr).toMatch(/^waiting for the migration lock, held by another run since \d{4}-\d\d-\d\dT/);
      const { rows: runs } = await db.pool.query(`select count(*)::int as n from ${db.schema}.runs`);
      expect(runs[0].n).toBe(1);
    },
    SLOW,
  );

  it(
    'load: a local CSV into a modelled table (0), a bad row fails (9); audit lists both, the failure with its error',
    async () => {
      await writeFile(path.join(project.dir, 'items.csv'), 'id,name,qty\n1,toffee,2\n2,fudge,\n1,toffee apple,3\n');
      await writeFile(
        path.join(project.dir, 'bad.csv'),
        'id,name,qty\n3,fine,1\n4,a name far too long for forty bytes of varchar,1\n',
      );
      // The migration above added `color`, which the file lacks: a whole-row upsert refuses it (test/cli/partial.test.ts).
      const ok = await upshift(['load', 'items', 'items.csv', '--mode', 'upsert', '--partial']);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(
        new RegExp(
          `^loaded ${db.schema}\\.items \\(upsert\\): staged 3, inserted 2, updated 0, deleted 0, duplicates dropped 1 \\[load \\S+\\]\\n$`,
        ),
      );
      const bad = await upshift(['load', `${db.schema}.items`, 'bad.csv', '--mode', 'append']);
      expect(bad.code).toBe(9);
      expect(bad.stderr).toMatch(
        /^upshift: load into .*\.items failed, the table is unchanged: .*line 3, column "name", value "a name far too long for forty bytes of varchar"/,
      );
      const { rows } = await db.pool.query(`select id::int, name, qty from ${db.schema}.items order by id`);
      expect(rows).toEqual([
        { id: 1, name: 'toffee apple', qty: 3 },
        { id: 2, name: 'fudge', qty: null },
      ]);

      const [all, failed, badSince] = await Promise.all([
        upshift(['audit']),
        upshift(['audit', '--status', 'failed', '--since', '1h', '--table', 'items', '--json']),
        upshift(['audit', '--since', 'yesterday-ish']),
      ]);
      expect(all.code).toBe(0);
      const lines = all.stdout.split('\n');
      expect(lines[0]).toMatch(
        new RegExp(`^\\S+Z  failed     ${db.schema}\\.items  append  FAILED in \\d+\\.\\d s  \\[\\S+\\]$`),
      );
      expect(all.stdout).toMatch(/ {4}error: .*value "a name far too long for forty bytes of varchar"/);
      expect(all.stdout).toMatch(
        new RegExp(`succeeded  ${db.schema}\\.items  upsert  staged 3, inserted 2, updated 0, deleted 0`),
      );
      const json = failed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(json).toHaveLength(1);
      expect(json[0]).toMatchObject({
        table: `${db.schema}.items`,
        mode: 'append',
        status: 'failed',
        error: expect.stringContaining('longer than VARCHAR(40)'),
      });
      expect(badSince.code).toBe(2);
      expect(badSince.stderr).toContain('--since "yesterday-ish": give a duration (30m, 24h, 7d) or an ISO date');
    },
    SLOW,
  );

  it(
    'load: every file under an s3:// prefix, staged through an S3Stage from the config',
    async () => {
      const prefix = `cli-${db.schema}`;
      const s3 = testS3Client();
      for (const [key, body] of [
        ['in/part-1.csv', 'id,name,qty\n10,caramel,1\n'],
        ['in/part-2.csv', 'id,name,qty\n11,praline,2\n'],
      ]) {
        await s3.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}/${key}`, Body: body }));
      }
      await writeFile(
        path.join(project.dir, 's3.config.ts'),
        `import { defineConfig } from 'upshift/cli';
import { S3Stage } from 'upshift/stage';
export default defineConfig({
  database: ${JSON.stringify(testDatabaseUrl())},
  auditSchema: ${JSON.stringify(db.schema)},
  stage: new S3Stage({
    basePath: 's3://${TEST_BUCKET}/${prefix}/stage', endpoint: ${JSON.stringify(testS3Endpoint())}, region: 'us-east-1', forcePathStyle: true,
    clientConfig: { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' },
  }),
});
`,
      );
      const r = await upshift([
        '--config',
        's3.config.ts',
        'load',
        'items',
        `s3://${TEST_BUCKET}/${prefix}/in/`,
        '--mode',
        'append',
        '--json',
      ]);
      // (the AWS SDK prints a Node-version notice on stderr; no upshift error may be there)
      expect(r.stderr.split('\n').filter((l) => l.startsWith('upshift:'))).toEqual([]);
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result).toMatchObject({ table: `${db.schema}.items`, mode: 'append', staged: 2, inserted: 2 });
      // files already in S3 are COPYed where they are (the engine's already-staged path)
      expect([...result.stageUris].sort()).toEqual([
        `s3://${TEST_BUCKET}/${prefix}/in/part-1.csv`,
        `s3://${TEST_BUCKET}/${prefix}/in/part-2.csv`,
      ]);
      const { rows } = await db.pool.query(`select id::int, name from ${db.schema}.items where id >= 10 order by id`);
      expect(rows).toEqual([
        { id: 10, name: 'caramel' },
        { id: 11, name: 'praline' },
      ]);
    },
    SLOW,
  );

  // `script` gives the child a terminal, where the progress line is drawn (the loads above ran on
  // pipes and printed nothing on stderr).
  // `script` is util-linux, on every Debian machine: no skip, a missing one fails loudly.
  it(
    'load: draws the progress line on a terminal',
    async () => {
      await writeFile(path.join(project.dir, 'more.csv'), 'id,name,qty\n20,marzipan,1\n');
      const command = [
        process.execPath,
        '--import',
        'tsx',
        path.join(REPO, 'src/cli/bin.ts'),
        'load',
        'items',
        'more.csv',
        '--mode',
        'append',
      ]
        .map((a) => `'${a}'`)
        .join(' ');
      const out = await new Promise<string>((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, UPSHIFT_DATABASE_URL: testDatabaseUrl() };
        execFile('script', ['-qec', command, '/dev/null'], { cwd: project.dir, env }, (_err, stdout) =>
          resolve(stdout),
        );
      });
      expect(out).toMatch(new RegExp(`loading ${db.schema}\\.items {2}\\d+ rows {2}\\d+\\.\\d MB`));
      expect(out).toMatch(new RegExp(`loaded ${db.schema}\\.items \\(append\\): staged 1, inserted 1`));
    },
    SLOW,
  );
});
