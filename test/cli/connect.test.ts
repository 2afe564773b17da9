// Configuration and connection failures through the built binary (test/cli/built.ts): the
// config is found from a subfolder, DATABASE_URL is read when UPSHIFT_DATABASE_URL is not set,
// and a non-URL, a TLS failure or a refused connection is one line with its exit code (3 for a
// URL that can't be one, 4 when the database can't be reached), never exit 1 with a stack trace.
// Also the progress line on a terminal, with its phase.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, testDatabaseUrl, type TestSchema } from '../helpers/pg.js';
import { buildProject, type BuiltProject, type Run } from './built.js';

const SLOW = 240_000;
let db: TestSchema;
let p: BuiltProject;

const oneLine = (r: Run) => {
  expect(r.stderr.split('\n'), r.stderr).toHaveLength(2);
  expect(r.stderr).not.toMatch(/\n\s+at |unexpected error/);
};

beforeAll(async () => {
  [db, p] = await Promise.all([createTestSchema('cli_connect'), buildProject()]);
  await db.pool.query(`create table ${db.schema}.items (id bigint primary key, name varchar(12))`);
  await mkdir(path.join(p.dir, 'models'));
  await mkdir(path.join(p.dir, 'data', 'deep'), { recursive: true });
  await writeFile(
    path.join(p.dir, 'models', 'items.ts'),
    `import { defineTable, t } from 'upshift';\nexport const items = defineTable('${db.schema}.items', { id: t.bigint().notNull(), name: t.varchar(12) }, { upsertKey: ['id'] });\n`,
  );
  await writeFile(
    path.join(p.dir, 'upshift.config.ts'),
    `import { defineConfig } from 'upshift';\nexport default defineConfig({ auditSchema: ${JSON.stringify(db.schema)} });\n`,
  );
  await writeFile(
    path.join(p.dir, 'postgres.config.ts'),
    `import { defineConfig } from 'upshift';\nexport default defineConfig({ dialect: 'postgres', auditSchema: ${JSON.stringify(db.schema)} });\n`,
  );
  await writeFile(path.join(p.dir, 'data', 'deep', 'items.csv'), 'id,name\n1,toffee\n2,fudge\n');
}, SLOW);
afterAll(async () => {
  await db?.drop();
  await p?.remove();
});

describe('config and connection (built binary)', () => {
  it(
    'finds upshift.config.ts in a parent folder and reads DATABASE_URL; input paths stay relative to where it runs',
    async () => {
      const deep = path.join(p.dir, 'data', 'deep');
      const none = await p.upshift(['load', 'items', 'items.csv'], { cwd: deep });
      expect(none.code).toBe(3);
      expect(none.stderr).toBe(
        'upshift: no database to connect to: pass --database-url, set UPSHIFT_DATABASE_URL (or DATABASE_URL), or set `database` in upshift.config.ts\n',
      );
      const r = await p.upshift(['load', 'items', 'items.csv'], {
        cwd: deep,
        env: { DATABASE_URL: testDatabaseUrl() },
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^loaded ${db.schema}\\.items \\(upsert\\): staged 2, inserted 2`));
      // UPSHIFT_DATABASE_URL wins over DATABASE_URL
      const both = await p.upshift(['load', 'items', 'items.csv'], {
        cwd: deep,
        env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test', UPSHIFT_DATABASE_URL: testDatabaseUrl() },
      });
      expect(both).toMatchObject({ code: 0, stderr: '' });
      // the project's stage is the config's folder's, whichever subfolder the load ran from
      const { rows } = await db.pool.query(
        `select stage_uris from ${db.schema}.load_audit where status = 'succeeded' order by started_at limit 1`,
      );
      expect(String(rows[0].stage_uris)).toContain(`file://${path.join(p.dir, '.upshift', 'stage')}/`);
    },
    SLOW,
  );

  it(
    'a non-URL, a refused connection and TLS failures are one line: exit 3 or 4, never 1',
    async () => {
      const url = testDatabaseUrl();
      const [notUrl, refused, noTls, noTlsLoad] = await Promise.all([
        p.upshift(['audit', '--database-url', 'localhost-db']),
        p.upshift(['audit', '--database-url', 'postgres://postgres@127.0.0.1:1/test']),
        p.upshift(['audit', '--database-url', `${url}?sslmode=verify-full`]),
        // with the dialect known, the first connection is the load's own
        p.upshift([
          'load',
          'items',
          'data/deep/items.csv',
          '--database-url',
          `${url}?sslmode=verify-full`,
          '--config',
          'postgres.config.ts',
        ]),
      ]);
      expect(notUrl.code).toBe(3);
      expect(notUrl.stderr).toMatch(
        /^upshift: the database URL is not a URL \(it is not shown here: it may hold a password\): give postgres:\/\/user:password@host:5432\/database/,
      );
      expect(notUrl.stderr).not.toContain('localhost-db');
      expect(refused.code).toBe(4);
      expect(refused.stderr).toMatch(/^upshift: cannot connect to the database: connect ECONNREFUSED 127\.0\.0\.1:1/);
      expect(noTls.code).toBe(4);
      expect(noTls.stderr).toBe(
        'upshift: cannot connect to the database: the server does not accept TLS (SSL) connections, but the connection asks for TLS (sslmode or ssl in the URL or config): drop sslmode, or enable SSL on the server\n',
      );
      expect(noTlsLoad.code, noTlsLoad.stderr).toBe(4);
      expect(noTlsLoad.stderr).toBe(noTls.stderr);
      for (const r of [notUrl, refused, noTls, noTlsLoad]) oneLine(r);
    },
    SLOW,
  );

  // `script` gives the child a terminal, where the progress line is drawn (util-linux: on every Debian machine).
  it(
    'draws the progress line on a terminal with its phase and the share of the file read',
    async () => {
      const command = [process.execPath, p.bin, 'load', 'items', 'data/deep/items.csv'].map((a) => `'${a}'`).join(' ');
      const out = await new Promise<string>((resolve) => {
        const env: NodeJS.ProcessEnv = { ...process.env, UPSHIFT_DATABASE_URL: testDatabaseUrl() };
        execFile('script', ['-qec', command, '/dev/null'], { cwd: p.dir, env }, (_err, stdout) => resolve(stdout));
      });
      const table = `${db.schema}\\.items`;
      expect(out).toMatch(new RegExp(`loading ${table} {2}0 rows {2}0\\.0 MB {2}reading`));
      expect(out).toMatch(
        new RegExp(`loading ${table} {2}2 rows {2}0\\.0 MB {2}(staging|copying|merging) {2}100% of 0\\.0 MB`),
      );
      expect(out).toMatch(new RegExp(`loaded ${table} \\(upsert\\): staged 2`));
    },
    SLOW,
  );
});
