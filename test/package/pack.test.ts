// The packed package works for a user: build, `npm pack`, install the tarball into a fresh
// project, import { defineTable, t } from 'upshift' at runtime, and type-check a TypeScript file
// against the packed .d.ts.
//
// The build runs exactly as `npm run build` does (tsc -p tsconfig.build.json), but into a
// staging directory beside a copy of package.json and README.md, and is packed from there:
// `npm run build` starts with `rm -rf dist` in the shared checkout, which would pull dist/ from
// under anything else using it while tests run in parallel.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const tsc = join(repo, 'node_modules/.bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'upshift-pack-'));
afterAll(() => {
  console.log(`pack test steps: ${timings.join(', ')}`);
  rmSync(work, { recursive: true, force: true });
});

const timings: string[] = [];
async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  const start = Date.now();
  try {
    const { stdout } = await run(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } });
    timings.push(`${cmd.split('/').pop()} ${args[0]}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`);
  }
}

const MAIN = `import { defineTable, t, createTableSql, createRowValidator } from 'upshift';
const candy = defineTable('candy.names', { id: t.bigint().notNull(), name: t.varchar(8) }, { distKey: 'id' });
const row = createRowValidator(candy)({ id: 5, name: 'é' }, 0);
console.log(JSON.stringify({ ddl: createTableSql(candy, 'redshift'), row: row.map(String) }));
`;

// Compiles only if the packed .d.ts carry the real types: with \`any\` types, each
// expect-error line below would be unused, which is itself an error.
const CHECK = `import { defineTable, t, type InsertRow, type Row } from 'upshift';
const candy = defineTable('candy.names', { id: t.bigint().notNull(), name: t.varchar(8) }, { upsertKey: ['id'] });
export const ok: InsertRow<typeof candy> = { id: 1, name: null };
export const row: Row<typeof candy> = { id: 1n, name: 'a' };
// @ts-expect-error id is NOT NULL without a default: required
export const missing: InsertRow<typeof candy> = { name: 'a' };
// @ts-expect-error name is a VARCHAR
export const wrong: InsertRow<typeof candy> = { id: 1n, name: 5 };
// @ts-expect-error upsertKey names a column that doesn't exist
defineTable('candy.x', { id: t.bigint() }, { upsertKey: ['nope'] });
`;

const BROKEN = `import { defineTable, t, type InsertRow } from 'upshift';
const candy = defineTable('candy.names', { id: t.bigint().notNull() });
export const bad: InsertRow<typeof candy> = { id: 'one' };
`;

describe('the packed package', () => {
  it('builds, packs, installs into a fresh project, imports at runtime and type-checks', async () => {
    // 1. build (as `npm run build`) into a staging copy of the package, and pack it
    const stage = join(work, 'package');
    await sh(tsc, ['-p', join(repo, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')], repo);
    copyFileSync(join(repo, 'package.json'), join(stage, 'package.json'));
    if (existsSync(join(repo, 'README.md'))) copyFileSync(join(repo, 'README.md'), join(stage, 'README.md'));
    await sh('npm', ['pack', '--pack-destination', work, '--silent'], stage);
    const tarball = readdirSync(work).find((f) => /^upshift-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();

    // 2. a fresh project installs the tarball (its dependencies from the npm cache, else the registry)
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await sh('npm', ['install', join(work, tarball!), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
    const installed = JSON.parse(readFileSync(join(app, 'node_modules/upshift/package.json'), 'utf8'));
    expect(installed.name).toBe('upshift');
    expect(existsSync(join(app, 'node_modules/upshift/dist/src/index.d.ts'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/upshift/src'))).toBe(false); // sources stay out of the tarball

    // 3. runtime: ESM import by package name
    writeFileSync(join(app, 'main.mjs'), MAIN);
    const out = JSON.parse(await sh(process.execPath, ['main.mjs'], app));
    expect(out.ddl).toBe(`CREATE TABLE IF NOT EXISTS "candy"."names" (
  "id" BIGINT NOT NULL,
  "name" VARCHAR(8)
)
DISTSTYLE KEY
DISTKEY ("id");`);
    expect(out.row).toEqual(['5', 'é']);

    // 4. types: a user's strict TypeScript project checks against the packed .d.ts
    const tsconfig = (files: string[]) =>
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files,
      });
    // One tsc run over both files (each tsc start costs seconds): check.ts must be clean, and
    // broken.ts must fail on its wrong row, so the check is not passing vacuously.
    writeFileSync(join(app, 'check.ts'), CHECK);
    writeFileSync(join(app, 'broken.ts'), BROKEN);
    writeFileSync(join(app, 'tsconfig.json'), tsconfig(['check.ts', 'broken.ts']));
    const typeErrors = await sh(tsc, ['-p', 'tsconfig.json', '--pretty', 'false'], app).then(
      () => '',
      (e: Error) => e.message,
    );
    const errorLines = typeErrors.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errorLines).toEqual([expect.stringMatching(/^broken\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'number \| bigint'/)]);
  }, 180_000);
});
