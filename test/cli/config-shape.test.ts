// A config file whose settings are not what UpshiftCliConfig says (tsx runs a TypeScript config
// without type-checking it; a JavaScript one has no types) is a configuration error: exit 3 with
// one line naming the file and the setting, instead of a crash with a stack trace (exit 1) or a
// misspelt setting silently ignored. Run through the binary, as a user runs it.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, REPO, type TempProject } from '../codegen/project.js';
import { testDatabaseUrl, uniqueSchema } from '../helpers/pg.js';

const SLOW = 120_000;
let project: TempProject;

function upshift(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.UPSHIFT_CONFIG;
  delete env.UPSHIFT_DATABASE_URL;
  delete env.DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'src/cli/bin.ts'), ...args],
      { cwd: project.dir, env },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Writes `name` exporting `settings` (TypeScript source text) and runs `upshift --config name audit`. */
async function withConfig(name: string, settings: string) {
  await writeFile(path.join(project.dir, name), `export default ${settings};\n`);
  return upshift(['--config', name, 'audit']);
}

beforeAll(async () => {
  project = await createProject();
});
afterAll(async () => project?.remove());

describe('config settings of the wrong kind', () => {
  it(
    'exit 3 with one line naming the file and the setting; a right one is accepted',
    async () => {
      const db = JSON.stringify(testDatabaseUrl());
      const absent = uniqueSchema('no_audit'); // never created: audit reports it empty
      const [moduleAsModels, typo, nestedTypo, badNumber, badStage, badDialect, good] = await Promise.all([
        // a module namespace where the models folder goes: was "unexpected error: TypeError ... paths[1]", exit 1
        withConfig('a.config.ts', `{ database: ${db}, models: await import('node:path') }`),
        withConfig('b.config.ts', `{ database: ${db}, model: './models' }`),
        withConfig(
          'c.config.ts',
          `{ database: ${db}, redshift: { iamRole: 'arn:aws:iam::1:role/r', regon: 'eu-west-1' } }`,
        ),
        withConfig('d.config.ts', `{ database: ${db}, migrations: { lockTimeoutMs: '10s' } }`),
        withConfig('e.config.ts', `{ database: ${db}, stage: 's3://bucket/prefix' }`),
        withConfig('f.config.ts', `{ database: ${db}, dialect: 'mysql' }`),
        withConfig(
          'g.config.ts',
          `{ database: ${db}, models: './models', auditSchema: '${absent}', migrations: { dir: './migrations', lockTimeoutMs: 1000 } }`,
        ),
      ]);
      expect(moduleAsModels).toEqual({
        code: 3,
        stdout: '',
        stderr: 'upshift: a.config.ts: models: Invalid input: expected string, received object\n',
      });
      expect(typo).toMatchObject({
        code: 3,
        stderr:
          'upshift: b.config.ts: unknown setting "model"; the settings are database, dialect, stage, models, codegen, migrations, auditSchema, redshift\n',
      });
      expect(nestedTypo).toMatchObject({
        code: 3,
        stderr: 'upshift: c.config.ts: unknown setting "regon" in redshift\n',
      });
      expect(badNumber).toMatchObject({
        code: 3,
        stderr: 'upshift: d.config.ts: migrations.lockTimeoutMs: Invalid input: expected number, received string\n',
      });
      expect(badStage).toMatchObject({
        code: 3,
        stderr:
          'upshift: e.config.ts: stage: expected a stage (new LocalStage({ dir }) or new S3Stage({ basePath }))\n',
      });
      expect(badDialect).toMatchObject({ code: 3 });
      expect(badDialect.stderr).toMatch(/^upshift: f\.config\.ts: dialect: .*"postgres"\|"redshift"\n$/);
      // accepted: audit itself runs, and says there is nothing loaded in this database yet
      expect(good).toMatchObject({
        code: 3,
        stderr: expect.stringMatching(`^upshift: no audit table ${absent}\\.load_audit`),
      });
    },
    SLOW,
  );
});
