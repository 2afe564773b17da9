// `upshift replay` and `upshift stage gc` run as a user runs them (a child process in a temp
// project with an upshift.config.ts and a hand-written model), against the real Postgres.
import { execFile } from 'node:child_process';
import { readdirSync, statSync, utimesSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, testDatabaseUrl, type TestSchema } from '../helpers/pg.js';
import { createProject, REPO, type TempProject } from '../codegen/project.js';

const SLOW = 180_000;
let db: TestSchema;
let project: TempProject;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function upshift(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.UPSHIFT_DATABASE_URL;
    delete env.UPSHIFT_CONFIG;
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'src/cli/bin.ts'), ...args],
      { cwd: project.dir, env },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Every file under a folder, recursively. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));

beforeAll(async () => {
  [db, project] = await Promise.all([createTestSchema('cli_replay'), createProject()]);
  await db.pool.query(
    `create table ${db.schema}.items (id bigint primary key, name varchar(20) not null, qty integer)`,
  );
  await db.pool.query(
    `create table ${db.schema}.items_copy (id bigint not null, name varchar(20) not null, qty integer)`,
  ); // appends keep every row
  await db.pool.query(`alter table ${db.schema}.items add constraint small_qty check (qty < 100)`);
  await mkdir(path.join(project.dir, 'models'), { recursive: true });
  for (const name of ['items', 'items_copy']) {
    await writeFile(
      path.join(project.dir, 'models', `${name}.ts`),
      `import { defineTable, t } from 'upshift';\nexport const ${name} = defineTable('${db.schema}.${name}', { id: t.bigint().notNull(), name: t.varchar(20).notNull(), qty: t.integer() }, { upsertKey: ['id'] });\n`,
    );
  }
  await writeFile(
    path.join(project.dir, 'upshift.config.ts'),
    `import { defineConfig } from 'upshift/cli';\nexport default defineConfig({ database: ${JSON.stringify(testDatabaseUrl())}, auditSchema: ${JSON.stringify(db.schema)} });\n`,
  );
  await writeFile(path.join(project.dir, 'items.csv'), 'id,name,qty\n1,toffee,2\n2,fudge,150\n1,toffee apple,3\n');
  await writeFile(path.join(project.dir, 'more.csv'), 'id,name,qty\n5,nougat,500\n');
});
afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

const rows = async (table: string) =>
  (await db.pool.query(`select id::int, name, qty from ${db.schema}.${table} order by id, name`)).rows;

describe('upshift replay / stage gc', () => {
  it(
    'replay finishes a failed load; refuses it again (6) unless --force; replays --into another table',
    async () => {
      const failed = await upshift(['load', 'items', 'items.csv', '--mode', 'upsert']);
      expect(failed.code).toBe(9);
      const audit = await upshift(['audit', '--status', 'failed', '--json']);
      const loadId = JSON.parse(audit.stdout.trim().split('\n')[0]!).loadId as string;
      await db.pool.query(`alter table ${db.schema}.items drop constraint small_qty`);

      const ok = await upshift(['replay', loadId]);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(
        new RegExp(
          `^replayed ${loadId} into ${db.schema}\\.items \\(upsert\\): staged 3, inserted 2, updated 0, deleted 0, duplicates dropped 1 \\[load \\S+\\]\\n$`,
        ),
      );
      expect(await rows('items')).toEqual([
        { id: 1, name: 'toffee apple', qty: 3 },
        { id: 2, name: 'fudge', qty: 150 },
      ]);

      const again = await upshift(['replay', loadId]);
      expect(again.code).toBe(6);
      expect(again.stderr).toMatch(
        new RegExp(
          `^upshift: load ${loadId} already committed into ${db.schema}\\.items \\(replayed as load \\S+\\): replaying it would apply it again\\. Pass --force to do so anyway\\n$`,
        ),
      );

      const [forced, into, ghost, badMode] = await Promise.all([
        upshift(['replay', loadId, '--force', '--json']),
        upshift(['replay', loadId, '--into', 'items_copy', '--mode', 'append']),
        upshift(['replay', 'nonsense']),
        upshift(['replay', loadId, '--mode', 'merge']),
      ]);
      expect(forced.code).toBe(0);
      expect(JSON.parse(forced.stdout)).toMatchObject({
        replayOf: loadId,
        table: `${db.schema}.items`,
        inserted: 0,
        updated: 2,
      });
      expect(into.stderr).toBe('');
      expect(into.code).toBe(0);
      expect(into.stdout).toMatch(
        new RegExp(`^replayed ${loadId} into ${db.schema}\\.items_copy \\(append\\): staged 3, inserted 3`),
      );
      expect(await rows('items_copy')).toEqual([
        { id: 1, name: 'toffee', qty: 2 },
        { id: 1, name: 'toffee apple', qty: 3 },
        { id: 2, name: 'fudge', qty: 150 },
      ]);
      expect(ghost.code).toBe(6);
      expect(ghost.stderr).toMatch(/^upshift: load id "nonsense" is not usable/);
      expect(badMode).toMatchObject({ code: 2, stderr: 'upshift: --mode merge: give upsert, append or replace\n' });
      const audited = await db.pool.query(
        `select status, source from ${db.schema}.load_audit where source like $1 order by started_at`,
        [`replay of ${loadId} from %`],
      );
      expect(audited.rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    },
    SLOW,
  );

  it(
    'stage gc removes an old load that never committed, says what it removed, keeps committed ones',
    async () => {
      await db.pool.query(`alter table ${db.schema}.items add constraint no_500 check (qty <> 500)`);
      expect((await upshift(['load', 'items', 'more.csv', '--mode', 'append'])).code).toBe(9);
      const [row] = (
        await db.pool.query(
          `select load_id from ${db.schema}.load_audit where status = 'failed' order by started_at desc limit 1`,
        )
      ).rows;
      const stageDir = path.join(project.dir, '.upshift', 'stage');
      const all = filesUnder(stageDir);
      const doomed = all.filter((f) => f.includes(row.load_id));
      expect(doomed.length).toBe(2); // its part and manifest
      const old = new Date(Date.now() - 3 * 86_400_000);
      for (const f of doomed) utimesSync(f, old, old);

      const [dry, bad] = await Promise.all([
        upshift(['stage', 'gc', '--older-than', '2d', '--dry-run']),
        upshift(['stage', 'gc', '--older-than', 'soon']),
      ]);
      expect(bad).toMatchObject({
        code: 2,
        stderr: 'upshift: --older-than "soon": give an age like 30m, 12h, 7d or 2w\n',
      });
      expect(dry.code).toBe(0);
      const bytes = doomed.reduce((n, f) => n + statSync(f).size, 0);
      expect(dry.stdout.split('\n')[0]).toBe(
        `would remove 2 object(s), ${(bytes / 1e6).toFixed(1)} MB (${bytes} bytes): 1 load(s) that never committed, 0 temp file(s), 0 spill folder(s); kept 1 committed load(s), 0 changed in the last 2d`,
      );
      expect(dry.stdout).toContain(`  load ${row.load_id} (${db.schema}.items):\n`);
      expect(filesUnder(stageDir)).toEqual(all);

      const done = await upshift(['stage', 'gc', '--older-than', '2d']);
      expect(done.code).toBe(0);
      expect(done.stdout.split('\n')[0]).toMatch(/^removed 2 object\(s\)/);
      expect(filesUnder(stageDir).sort()).toEqual(all.filter((f) => !doomed.includes(f)).sort());
    },
    SLOW,
  );
});
