// `upshift load --partial`, run as a user runs it (a child process in a throwaway project): a
// file with some of the table's columns is refused as a whole-row upsert, naming the columns
// and the flag; with --partial it updates only those columns.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestSchema, testDatabaseUrl, type TestSchema } from '../helpers/pg.js';
import { createProject, REPO, type TempProject } from '../codegen/project.js';

const SLOW = 180_000;
let project: TempProject;
let db: TestSchema;

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

beforeAll(async () => {
  db = await createTestSchema('cli_partial');
  project = await createProject();
  await db.pool.query(`create table ${db.schema}.orders (id bigint primary key, status varchar(16), note varchar(32))`);
  await writeFile(
    path.join(project.dir, 'upshift.config.ts'),
    `import { defineConfig } from 'upshift/cli';
export default defineConfig({
  database: ${JSON.stringify(testDatabaseUrl())},
  codegen: { schemas: [${JSON.stringify(db.schema)}] },
  auditSchema: ${JSON.stringify(db.schema)},
});
`,
  );
}, SLOW);
afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

describe('upshift load --partial', () => {
  it(
    'refuses a whole-row upsert of a file lacking columns (exit 9, naming them and --partial); --partial updates only its columns',
    async () => {
      expect((await upshift(['codegen'])).code).toBe(0);
      await db.pool.query(`insert into ${db.schema}.orders values (1, 'new', 'fragile'), (2, 'new', 'keep me')`);
      await writeFile(path.join(project.dir, 'status.csv'), 'id,status\n1,paid\n3,new\n');
      const snapshot = async () =>
        (await db.pool.query(`select id::int, status, note from ${db.schema}.orders order by id`)).rows;
      const before = await snapshot();

      const refused = await upshift(['load', 'orders', 'status.csv', '--mode', 'upsert']);
      expect(refused.code).toBe(9);
      expect(refused.stderr).toMatch(
        /^upshift: load into \S+\.orders failed, the table is unchanged: .*status\.csv, column "note": is missing \(missing: note; given: id, status\)\. An upsert replaces whole rows/,
      );
      expect(refused.stderr).toContain('or load with --partial to update only the given columns'); // CLI words, not the option's (partial: true)
      expect(await snapshot()).toEqual(before);

      const ok = await upshift(['load', 'orders', 'status.csv', '--mode', 'upsert', '--partial']);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(
        new RegExp(
          `^loaded ${db.schema}\\.orders \\(upsert\\): staged 2, inserted 1, updated 1, deleted 0, duplicates dropped 0 \\[load \\S+\\]\\n$`,
        ),
      );
      expect(await snapshot()).toEqual([
        { id: 1, status: 'paid', note: 'fragile' },
        { id: 2, status: 'new', note: 'keep me' },
        { id: 3, status: 'new', note: null },
      ]);

      const usage = await upshift(['load', 'orders', 'status.csv', '--mode', 'append', '--partial']);
      expect(usage).toMatchObject({ code: 2, stdout: '' });
      expect(usage.stderr).toMatch(/--partial applies to --mode upsert only; append inserts whole rows/);
      // --order-by a column the file lacks would order nothing (the stage holds no value for it): refused, as --order-by with append
      const unordered = await upshift(['load', 'orders', 'status.csv', '--partial', '--order-by', 'note']);
      expect(unordered.code).toBe(9);
      expect(unordered.stderr).toMatch(
        /status\.csv, column "note": --order-by names "note", which the source does not give \(given: id, status\).* or leave --order-by out\n$/,
      );
      const appendOrdered = await upshift(['load', 'orders', 'status.csv', '--mode', 'append', '--order-by', 'id']);
      expect(appendOrdered).toMatchObject({ code: 2, stdout: '' });
      expect(appendOrdered.stderr).toMatch(/--order-by picks the winner .* applies to --mode upsert only; append/);
      expect(await snapshot()).toEqual([
        { id: 1, status: 'paid', note: 'fragile' },
        { id: 2, status: 'new', note: 'keep me' },
        { id: 3, status: 'new', note: null },
      ]);
      expect((await upshift(['load', '--help'])).stdout).toMatch(/--partial +upsert only the columns the file has/);
    },
    SLOW,
  );
});
