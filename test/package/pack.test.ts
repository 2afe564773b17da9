// The packed package works for a user: build, `npm pack`, install the tarball into a fresh
// project, import { defineTable, t } from 'upshift' at runtime, and type-check a TypeScript file
// against the packed .d.ts. Then, in that same project, where npm installed none of the optional
// peer dependencies: each feature that needs one fails with an error naming the package.
//
// The build runs exactly as `npm run build` does (scripts/build.ts), but into a
// staging directory beside a copy of package.json and README.md, and is packed from there:
// `npm run build` starts with `rm -rf dist` in the shared checkout, which would pull dist/ from
// under anything else using it while tests run in parallel.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPackage } from '../../scripts/build.js';
import { createTestSchema } from '../helpers/pg.js';

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
    const { stdout } = await run(cmd, args, {
      cwd,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    timings.push(`${cmd.split('/').pop()} ${args[0]}: ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`, {
      cause: e,
    });
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

// Run in the installed project: each probe is a feature whose optional package npm left out.
const OPTIONAL_PROBES = `import { MissingDependencyError, PgliteDatabase, PostgresDatabase, LocalStage, defineTable, fromDataFrame, t, columnSchema } from 'upshift';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [url, schema] = process.argv.slice(2);
const out = {};
const probe = async (name, fn) => {
  try {
    await fn();
    out[name] = 'no error';
  } catch (e) {
    out[name] = e instanceof MissingDependencyError ? { packages: e.packages, message: e.message } : e.name + ': ' + e.message;
  }
};
const dir = () => mkdtempSync(join(tmpdir(), 'upshift-optional-'));
await probe('pglite', () => new PgliteDatabase());
// zod is a dependency, loaded on first use: this one works
await probe('zod', () => columnSchema(t.integer().spec).parse(5));
const db = new PostgresDatabase({ connectionString: url, stage: new LocalStage({ dir: dir() }), auditSchema: schema });
try {
  await probe('kysely', () => db.kysely());
  const model = defineTable(schema + '.candy', { id: t.bigint() });
  await probe('arrow', () => db.table(model).loadFrom(fromDataFrame({ numRows: 0, schema: { fields: [] } }), { mode: 'append' }));
  await probe('parquet', () => db.unload('select 1::int as x', dir(), { format: 'parquet' }));
} finally {
  await db.close();
}
console.log(JSON.stringify(out));
`;

const OPTIONAL_PEERS = [
  '@aws-sdk/client-redshift',
  '@aws-sdk/client-redshift-data',
  '@aws-sdk/client-redshift-serverless',
  '@aws-sdk/lib-storage',
  '@electric-sql/pglite',
  'apache-arrow',
  'csv-stringify',
  'hyparquet',
  'hyparquet-writer',
  'kysely',
  'libpg-query',
  'pg-gateway',
  'ts-morph',
  'tsx',
];
const needs = (packages: string[], feature: string) => ({
  packages,
  message: `${feature} needs the optional package '${packages[0]}', which is not installed: run \`npm install ${packages[0]}\``,
});

// Makes a process print each file it loads: ESM through a resolve hook (writing from the hooks
// thread), CommonJS from require.cache at exit (CommonJS requires skip ESM hooks on Node 20).
const LOADED_FILES_HOOK = `import { register, createRequire } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  'export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write("LOADED " + r.url + "\\\\n"); return r; }'
));
process.on('exit', () => {
  for (const file of Object.keys(createRequire(import.meta.url).cache)) process.stderr.write('LOADED ' + file + '\\n');
});
`;

/** The npm packages (upshift aside) among the LOADED lines. */
function loadedPackages(stderr: string): string[] {
  const names = [...stderr.matchAll(/^LOADED (.*)$/gm)].map(
    (m) => /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(m[1]!)?.[1],
  );
  return [...new Set(names.filter((n): n is string => n !== undefined && n !== 'upshift'))].sort();
}

let installedApp: string | undefined;

describe('the packed package', () => {
  it('builds, packs, installs into a fresh project, imports at runtime and type-checks', async () => {
    // 1. build (as `npm run build`) into a staging copy of the package, and pack it
    const stage = join(work, 'package');
    const built = Date.now();
    await buildPackage(join(stage, 'dist'));
    timings.push(`build: ${((Date.now() - built) / 1000).toFixed(1)} s`);
    copyFileSync(join(repo, 'package.json'), join(stage, 'package.json'));
    if (existsSync(join(repo, 'README.md'))) copyFileSync(join(repo, 'README.md'), join(stage, 'README.md'));
    await sh('npm', ['pack', '--pack-destination', work, '--silent'], stage);
    const tarball = readdirSync(work).find((f) => /^upshift-.*\.tgz$/.test(f));
    expect(tarball).toBeDefined();

    // 2. a fresh project installs the tarball (its dependencies from the npm cache, else the registry)
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    await sh(
      'npm',
      ['install', join(work, tarball!), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
      app,
    );
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
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
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
    expect(errorLines).toEqual([
      expect.stringMatching(
        /^broken\.ts\(3,\d+\): error TS2322: Type 'string' is not assignable to type 'number \| bigint'/,
      ),
    ]);
    installedApp = app;
  }, 180_000);

  it('installs without its optional peer dependencies; each feature that needs one names it', async () => {
    const app = installedApp;
    if (!app) throw new Error('the install test above failed: nothing to probe');
    // npm installs no optional peer: the core ran above without any of them
    expect(OPTIONAL_PEERS.filter((name) => existsSync(join(app, 'node_modules', name)))).toEqual([]);
    const declared = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    expect(Object.keys(declared.peerDependencies).sort()).toEqual(OPTIONAL_PEERS);
    expect(OPTIONAL_PEERS.filter((name) => declared.peerDependenciesMeta[name]?.optional !== true)).toEqual([]);

    // what `import('upshift')` and `upshift --help` load: no optional package, no AWS SDK, no pg,
    // no zod (each loads on first use); bench/startup.bench.ts times it
    writeFileSync(join(app, 'loaded-files.mjs'), LOADED_FILES_HOOK);
    const loaded = async (args: string[]) => {
      const { stderr } = await run(process.execPath, ['--import', './loaded-files.mjs', ...args], { cwd: app });
      expect(stderr).toMatch(/^LOADED .*node_modules\/upshift\//m); // the hook saw upshift itself
      return loadedPackages(stderr);
    };
    expect(await loaded(['--input-type=module', '-e', "await import('upshift')"])).toEqual([]);
    expect(await loaded(['node_modules/upshift/dist/src/cli/bin.js', '--help'])).toEqual(['commander']);

    const db = await createTestSchema('pack');
    try {
      // the API: each feature throws a MissingDependencyError naming its package
      writeFileSync(join(app, 'optional.mjs'), OPTIONAL_PROBES);
      const api = JSON.parse(await sh(process.execPath, ['optional.mjs', db.url, db.schema], app));
      expect(api).toEqual({
        pglite: needs(['@electric-sql/pglite'], 'PgliteDatabase'),
        zod: 'no error',
        kysely: needs(['kysely'], 'db.kysely()'),
        arrow: needs(['apache-arrow'], 'fromDataFrame'),
        parquet: needs(['hyparquet-writer'], 'unload to Parquet on Postgres or PGlite'),
      });

      // the CLI, through the installed binary: one line naming the package, exit 3
      await db.pool.query(`create table "${db.schema}".candy (id bigint)`);
      const cli = async (args: string[]) =>
        run(process.execPath, [join(app, 'node_modules/upshift/dist/src/cli/bin.js'), ...args], { cwd: app }).then(
          ({ stdout }) => ({ code: 0, out: stdout, err: '' }),
          (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
        );
      const help = await cli(['--help']);
      expect(help.code).toBe(0);
      expect(help.out).toContain('codegen');
      expect(await cli(['codegen', '--database-url', db.url, '--schema', db.schema, '--out', 'models'])).toEqual({
        code: 3,
        out: '',
        err: "upshift: Writing model and migration files (codegen) needs the optional package 'ts-morph', which is not installed: run `npm install ts-morph`\n",
      });
      expect(await cli(['migrate', 'status', '--database-url', db.url])).toEqual({
        code: 3,
        out: '',
        err: "upshift: Migrations and db.kysely() needs the optional package 'kysely', which is not installed: run `npm install kysely`\n",
      });
      expect(await cli(['emulator'])).toEqual({
        code: 3,
        out: '',
        err: "upshift: The Redshift emulator needs the optional packages 'pg-gateway', 'libpg-query', 'hyparquet', 'hyparquet-writer', 'csv-stringify', '@aws-sdk/lib-storage', which are not installed: run `npm install pg-gateway libpg-query hyparquet hyparquet-writer csv-stringify @aws-sdk/lib-storage`\n",
      });
      mkdirSync(join(app, 'ts-config'));
      writeFileSync(
        join(app, 'ts-config/upshift.config.ts'),
        `export default { database: ${JSON.stringify(db.url)} as string };\n`,
      );
      expect(await cli(['--config', 'ts-config/upshift.config.ts', 'audit'])).toEqual({
        code: 3,
        out: '',
        err: "upshift: could not load ts-config/upshift.config.ts: Reading upshift.config.ts needs the optional package 'tsx', which is not installed: run `npm install tsx`\n",
      });
      // a JavaScript config needs no tsx
      writeFileSync(join(app, 'upshift.config.mjs'), `export default { database: ${JSON.stringify(db.url)} };\n`);
      const audit = await cli(['audit', '--schema', db.schema]);
      expect(audit.code).not.toBe(3); // the configuration's database was read
      expect(audit.err).not.toContain('tsx');
    } finally {
      await db.drop();
    }
  }, 120_000);
});
