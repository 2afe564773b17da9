// Every ```ts block of README.md type-checks as a user's project would see it: TypeScript's own
// `tsc --init` defaults (strict, exactOptionalPropertyTypes, noUncheckedIndexedAccess,
// verbatimModuleSyntax, ...), against the package's emitted declarations, imported as 'upshift'
// through its package.json exports. So the README can't drift from the code.
//
// Blocks are fragments that lean on names from the text around them (`db`, `rows`, the
// `candyNames` model): FIXTURES declares those as globals, which a block's own imports and
// declarations shadow. A block showing a compile error marks it with a squiggle comment under
// the offending code (`// ~~~~ message`): the error must be there, at that column, saying that.
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const tsc = join(repo, 'node_modules/.bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'upshift-readme-'));
const app = join(work, 'app');
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Block {
  /** README line of the opening fence; the block's line n is README line `fence + n`. */
  fence: number;
  file: string;
  text: string;
}

function readmeBlocks(readme: string): Block[] {
  const blocks: Block[] = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end < 0) throw new Error(`README.md:${i + 1}: unterminated \`\`\`ts block`);
    const fence = i + 1;
    blocks.push({
      fence,
      file: `readme-${String(fence).padStart(4, '0')}.ts`,
      text: lines.slice(i + 1, end).join('\n') + '\n',
    });
    i = end;
  }
  return blocks;
}

// Names the README's fragments use without declaring them, typed as the text around them says.
// A block's own import or declaration of the same name wins (this is a script: its names are global).
const FIXTURES = `
type Upshift = typeof import('upshift');
type Models = typeof import('./models.js');
declare const candyNames: Models['candyNames'];
declare const orders: Models['orders'];
declare const ordersCopy: Models['orders'];
declare const candyCopy: Models['candyNames'];
// Model rows in the load examples, normalized rows in the stage example.
declare const rows: import('upshift').InsertRow<Models['candyNames']>[] & import('upshift').NormalizedValue[][];
declare const rowsFromAGenerator: () => AsyncIterable<import('upshift').InsertRow<Models['candyNames']>>;
declare const todaysFullSnapshot: import('upshift').InsertRow<Models['candyNames']>[];
declare const columns: import('upshift').ColumnSpec[];
declare const db: import('upshift').RedshiftDatabase;
declare const Candy: import('upshift').BoundTable<Models['candyNames']>;
declare const candy: import('upshift').BoundTable<Models['candyNames']>;
declare const stage: import('upshift').S3Stage;
declare const loadId: string;
declare const password: string;
declare const connection: Omit<import('upshift').RedshiftDatabaseOptions, 'hooks'>;
declare const since: Date;
declare const ipcBytes: Uint8Array;
declare const sourcePool: import('pg').Pool;
declare const myS3Client: import('@aws-sdk/client-s3').S3Client;
declare const S3Client: typeof import('@aws-sdk/client-s3').S3Client;
declare const Kysely: typeof import('kysely').Kysely;
declare const dialect: import('kysely').Dialect;
declare function publish(message: string): Promise<void>;
declare function notifyOnLoad(send: (message: string) => Promise<void>): import('upshift').LoadHooks;
declare function statsdHooks(): import('upshift').LoadHooks;
declare function report(failure: import('upshift').HookFailure): void;
declare function checkWindow(source: string): void;
// The API's names, for fragments that don't repeat the import.
declare const defineTable: Upshift['defineTable'];
declare const t: Upshift['t'];
declare const sql: Upshift['sql'];
declare const createRowValidator: Upshift['createRowValidator'];
declare const createTableSql: Upshift['createTableSql'];
declare const RedshiftDatabase: Upshift['RedshiftDatabase'];
declare const fromInMemory: Upshift['fromInMemory'];
declare const fromLocalFile: Upshift['fromLocalFile'];
declare const fromS3File: Upshift['fromS3File'];
declare const fromS3Path: Upshift['fromS3Path'];
declare const fromManifest: Upshift['fromManifest'];
declare const fromDataFrame: Upshift['fromDataFrame'];
declare const fromPostgresQuery: Upshift['fromPostgresQuery'];
type Row<T extends import('upshift').TableModel> = import('upshift').Row<T>;
type InsertRow<T extends import('upshift').TableModel> = import('upshift').InsertRow<T>;
`;

const MODELS = `import { defineTable, sql, t } from 'upshift';
export const candyNames = defineTable('candy.candy_names', {
  id: t.bigint().notNull(),
  name: t.varchar(64).notNull(),
  price: t.numeric(10, 2),
  tags: t.super(),
  in_stock: t.boolean().notNull().default(true),
  updated_at: t.timestamptz().notNull().default(sql('getdate()', { postgres: 'now()' })),
}, { upsertKey: ['id'] });
export const orders = defineTable('sales.orders', { id: t.bigint().notNull(), total: t.decimal(12, 2) }, { upsertKey: ['id'] });
`;

// What codegen's db.ts gives Kysely, for the Kysely example's './models/db.js'.
const KYSELY_DB = `export interface DB { 'sales.orders': { id: string; total: string | null } }
`;

// Errors only these settings and upshift's real types produce: the check is not passing vacuously.
const CONTROL = `import { PostgresDatabase } from 'upshift';
declare const url: string | undefined;
export const exact: { a?: string } = { a: url };
declare const names: string[];
export const first: string = names[0];
new PostgresDatabase({ connectionString: 5 });
`;
const CONTROL_ERRORS = [
  'control.ts:3: TS2375', // exactOptionalPropertyTypes
  'control.ts:5: TS2322', // noUncheckedIndexedAccess
  'control.ts:6: TS2322', // the declarations are real
];

async function sh(cmd: string, args: string[], cwd: string): Promise<void> {
  try {
    await run(cmd, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${err.stdout ?? ''}\n${err.stderr ?? err.message}`, {
      cause: e,
    });
  }
}

/** work/node_modules: the repo's packages, plus upshift itself as built declarations + package.json. */
async function installUpshiftDeclarations(): Promise<void> {
  const pkg = join(work, 'upshift');
  await sh(
    tsc,
    ['-p', join(repo, 'tsconfig.build.json'), '--emitDeclarationOnly', '--outDir', join(pkg, 'dist')],
    repo,
  );
  copyFileSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  const modules = join(work, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(join(repo, 'node_modules')))
    symlinkSync(join(repo, 'node_modules', name), join(modules, name));
  symlinkSync(pkg, join(modules, 'upshift'));
}

/** The app's tsconfig: `tsc --init` as written, plus what its own comments say for Node and the file list. */
async function writeTsconfig(files: string[]): Promise<void> {
  await sh(tsc, ['--init'], app);
  const init = ts.parseConfigFileTextToJson('tsconfig.json', readFileSync(join(app, 'tsconfig.json'), 'utf8'));
  if (init.error) throw new Error(ts.flattenDiagnosticMessageText(init.error.messageText, '\n'));
  writeFileSync(
    join(app, 'tsconfig.readme.json'),
    JSON.stringify({
      extends: './tsconfig.json',
      compilerOptions: { lib: ['esnext'], types: ['node'], noEmit: true },
      files,
    }),
  );
}

/** `file:line: TScode` plus the message; lines of README blocks as README.md lines. */
function describeDiagnostic(
  d: ts.Diagnostic,
  blocks: Map<string, Block>,
): { where: string; column: number; message: string } {
  const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
  if (!d.file || d.start === undefined) return { where: `(global): TS${d.code}`, column: 0, message };
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  const name = relative(app, d.file.fileName);
  const block = blocks.get(name);
  const where = block ? `README.md:${block.fence + line + 1}` : `${name}:${line + 1}`;
  return { where: `${where}: TS${d.code}`, column: character, message };
}

/** The errors a block shows with `// ~~~ message` under the code: README line, column, message. */
function expectedSquiggles(block: Block): { where: string; column: number; message: string }[] {
  return block.text.split('\n').flatMap((line, i) => {
    const m = /^(\s*\/\/\s*)(~+)\s*(.*)$/.exec(line);
    return m ? [{ where: `README.md:${block.fence + i}`, column: m[1]!.length, message: m[3]! }] : [];
  });
}

// The option types: what users pass in. Their optional properties must take `undefined` too, or
// under exactOptionalPropertyTypes `{ connectionString: process.env.DATABASE_URL }` is an error.
// ResolvedTableOptions and LiveTableOptions are results (a model's options resolved, a live table's), not inputs.
const OPTION_TYPE = /(Options|Config)$|^(LoadBehaviour|LoadHooks|RedshiftCredentials)$/;
const NOT_OPTIONS = new Set(['ResolvedTableOptions', 'LiveTableOptions']);
// Every entry point package.json exports (the root and its subpaths).
const ENTRY_POINTS = Object.keys(
  (JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { exports: object }).exports,
)
  .filter((key) => key !== './package.json')
  .map((key) => (key === '.' ? 'upshift' : `upshift/${key.slice(2)}`));

/** `Type.property (file)` for each optional property of an exported option type that rejects undefined. */
function findOptionsRejectingUndefined(program: ts.Program): string[] {
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(join(app, 'entry-points.ts'));
  if (!entry) throw new Error('entry-points.ts is not in the program');
  const found = new Set<string>();
  const acceptsUndefined = (t: ts.Type) =>
    (t.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.Undefined)) !== 0 ||
    (t.isUnion() && t.types.some((u) => (u.flags & ts.TypeFlags.Undefined) !== 0));
  const visit = (owner: string, type: ts.Type, depth: number): void => {
    for (const part of type.isUnionOrIntersection() ? type.types : [type]) {
      for (const prop of checker.getPropertiesOfType(part)) {
        const decl = prop.valueDeclaration;
        if (!decl || !ts.isPropertySignature(decl) || !decl.type) continue;
        const declared = checker.getTypeFromTypeNode(decl.type);
        if (decl.questionToken && !acceptsUndefined(declared)) {
          found.add(`${owner}.${prop.name} (${relative(work, decl.getSourceFile().fileName)})`);
        }
        if (ts.isTypeLiteralNode(decl.type) && depth < 3) visit(`${owner}.${prop.name}`, declared, depth + 1);
      }
    }
  };
  for (const spec of ENTRY_POINTS) {
    const module = entry.statements
      .map((s) =>
        ts.isImportDeclaration(s) && ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === spec
          ? s.moduleSpecifier
          : undefined,
      )
      .find((m) => m);
    const moduleSymbol = module && checker.getSymbolAtLocation(module);
    if (!moduleSymbol) throw new Error(`${spec} did not resolve`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      if (!OPTION_TYPE.test(exported.name) || NOT_OPTIONS.has(exported.name)) continue;
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))
        visit(exported.name, checker.getDeclaredTypeOfSymbol(symbol), 0);
    }
  }
  return [...found].sort();
}

describe('README.md TypeScript blocks', () => {
  const blocks = readmeBlocks(readFileSync(join(repo, 'README.md'), 'utf8'));
  let diagnostics: { where: string; column: number; message: string }[] = [];
  let options: ts.CompilerOptions = {};
  let optionsRejectingUndefined: string[] = [];

  beforeAll(async () => {
    mkdirSync(join(app, 'models'), { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-app', private: true, type: 'module' }));
    for (const b of blocks) writeFileSync(join(app, b.file), b.text);
    writeFileSync(join(app, 'fixtures.d.ts'), FIXTURES);
    writeFileSync(join(app, 'models.ts'), MODELS);
    writeFileSync(join(app, 'models/db.ts'), KYSELY_DB);
    writeFileSync(join(app, 'control.ts'), CONTROL);
    writeFileSync(join(app, 'entry-points.ts'), ENTRY_POINTS.map((spec) => `import '${spec}';\n`).join(''));
    await Promise.all([
      installUpshiftDeclarations(),
      writeTsconfig([
        ...blocks.map((b) => b.file),
        'fixtures.d.ts',
        'models.ts',
        'models/db.ts',
        'control.ts',
        'entry-points.ts',
      ]),
    ]);

    const config = ts.getParsedCommandLineOfConfigFile(
      join(app, 'tsconfig.readme.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (!config) throw new Error('tsconfig.readme.json did not parse');
    options = config.options;
    const program = ts.createProgram({
      rootNames: config.fileNames,
      options: config.options,
      configFileParsingDiagnostics: config.errors,
    });
    const byFile = new Map(blocks.map((b) => [b.file, b]));
    diagnostics = ts.getPreEmitDiagnostics(program).map((d) => describeDiagnostic(d, byFile));
    optionsRejectingUndefined = findOptionsRejectingUndefined(program);
  }, 120_000);

  it('are compiled with the strict options of `tsc --init`, and the check can fail', () => {
    expect(blocks.length).toBeGreaterThan(20);
    expect(options).toMatchObject({
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
    });
    expect(diagnostics.filter((d) => d.where.startsWith('control.ts')).map((d) => d.where)).toEqual(CONTROL_ERRORS);
  });

  it("accept undefined in every option type's optional properties (exactOptionalPropertyTypes)", () => {
    expect(optionsRejectingUndefined).toEqual([]);
  });

  it('type-check, except for the errors they show on purpose', () => {
    const squiggles = blocks.flatMap(expectedSquiggles);
    expect(squiggles.length).toBeGreaterThan(0);
    const shown = (d: { where: string; column: number; message: string }) =>
      squiggles.some(
        (s) => d.where.startsWith(`${s.where}: `) && d.column === s.column && d.message.includes(s.message),
      );
    const unexpected = diagnostics.filter((d) => !d.where.startsWith('control.ts') && !shown(d));
    expect(unexpected.map((d) => `${d.where} ${d.message}`)).toEqual([]);
    const missing = squiggles.filter(
      (s) =>
        !diagnostics.some(
          (d) => d.where.startsWith(`${s.where}: `) && d.column === s.column && d.message.includes(s.message),
        ),
    );
    expect(missing.map((s) => `${s.where} (column ${s.column + 1}): ${s.message}`)).toEqual([]);
  });
});
