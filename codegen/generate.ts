// `upshift codegen`: live tables -> one model file per table, db.ts (Kysely DB) and index.ts.
// Output depends only on the catalog, in a stable order, so running it twice changes nothing.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { introspect } from './introspect/index.js';
import type { Introspection, LiveTable, Queryable, TableSelection } from './introspect/types.js';
import { liveToModel } from './live-model.js';
import { renderDbInterface, type DbTable } from './render/db-interface.js';
import { cmp } from './introspect/postgres.js';
import { loadModelFiles, modelFiles, type LoadedModel } from './load-models.js';
import {
  DEFAULT_REGENERATE,
  finish,
  header,
  newSourceFile,
  renderModelFile,
  type RenderOptions,
} from './render/model-file.js';
import { exportNames } from './render/names.js';
import type { Dialect } from '../src/dialect/index.js';

export interface GeneratedFile {
  /** Relative to the output directory, with forward slashes. */
  path: string;
  text: string;
}

export interface CodegenPlan {
  dialect: Dialect;
  files: GeneratedFile[];
  tables: { table: LiveTable; exportName: string; file: string }[];
  warnings: string[];
}

export const modelFilePath = (t: { schema: string; name: string }) => `${t.schema}/${t.name}.ts`;

/** A model in the folder's index.ts and db.ts. */
export interface IndexEntry {
  table: DbTable;
  exportName: string;
  /** Relative to the output directory, with forward slashes. */
  file: string;
}

/** The folder-wide files: db.ts and index.ts over every model in the folder, by schema and table. */
export function renderIndexFiles(entries: readonly IndexEntry[], opts: RenderOptions = {}): GeneratedFile[] {
  if (entries.length === 0) return [];
  const sorted = [...entries].sort((a, b) => cmp(a.table.schema, b.table.schema) || cmp(a.table.name, b.table.name));
  // one in-memory source file at a time (newSourceFile replaces it): db.ts first
  const db = renderDbInterface(sorted, opts);
  const index = newSourceFile();
  index.insertText(0, header('the model files beside this one', opts.regenerate ?? DEFAULT_REGENERATE));
  for (const { exportName, file } of sorted) {
    index.addExportDeclaration({ moduleSpecifier: `./${file.replace(/\.ts$/, '.js')}`, namedExports: [exportName] });
  }
  index.addExportDeclaration({ isTypeOnly: true, moduleSpecifier: './db.js', namedExports: ['DB'] });
  return [
    { path: 'db.ts', text: db },
    { path: 'index.ts', text: finish(index) },
  ];
}

/** A loaded model as an index entry (the file relative to `outDir`). */
export function indexEntryOf(m: LoadedModel, outDir: string): IndexEntry {
  const { schema, name, columnNames, columns } = m.model;
  return {
    table: { schema, name, columns: columnNames.map((c) => ({ name: c, spec: columns[c]!.spec })) },
    exportName: m.exportName,
    file: path.relative(path.resolve(outDir), m.file).split(path.sep).join('/'),
  };
}

export interface PlanOptions extends RenderOptions {
  /**
   * Models already in the output folder that this run does not generate (other schemas or
   * tables): index.ts and db.ts keep them, so a run for one schema doesn't drop the others.
   */
  existing?: readonly IndexEntry[] | undefined;
}

/** Renders the files for introspected tables (pure: no I/O). */
export function planCodegen(found: Introspection, opts: PlanOptions = {}): CodegenPlan {
  const warnings = [...found.warnings];
  const usable: LiveTable[] = [];
  for (const table of found.tables) {
    try {
      liveToModel(table);
      usable.push(table);
    } catch (err) {
      warnings.push(`${table.schema}.${table.name}: skipped, it can't be modelled: ${(err as Error).message}`);
    }
  }
  const generated = new Set(usable.map(modelFilePath));
  const kept = (opts.existing ?? []).filter(
    (e) => !generated.has(e.file) && !usable.some((t) => t.schema === e.table.schema && t.name === e.table.name),
  );
  const names = exportNames([...usable, ...kept.map((e) => e.table)], new Set(kept.map((e) => e.exportName)));
  const tables = usable.map((table) => ({
    table,
    exportName: names.get(`${table.schema}.${table.name}`)!,
    file: modelFilePath(table),
  }));
  const files: GeneratedFile[] = tables.map(({ table, exportName, file }) => ({
    path: file,
    text: renderModelFile(table, exportName, opts),
  }));
  if (tables.length) files.push(...renderIndexFiles([...tables, ...kept], opts));
  return { dialect: found.dialect, files, tables, warnings };
}

export interface WriteResult {
  written: string[];
  unchanged: string[];
}

/** Writes files whose text differs (so mtimes and watchers stay quiet on a no-op run). */
export async function writeGenerated(outDir: string, files: readonly GeneratedFile[]): Promise<WriteResult> {
  const result: WriteResult = { written: [], unchanged: [] };
  for (const f of files) {
    const target = path.join(outDir, ...f.path.split('/'));
    const old = await readFile(target, 'utf8').catch(() => undefined);
    if (old === f.text) {
      result.unchanged.push(f.path);
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, f.text);
    result.written.push(f.path);
  }
  return result;
}

export interface CodegenOptions extends RenderOptions, TableSelection {
  outDir: string;
  dialect?: Dialect | undefined;
}

export async function codegen(db: Queryable, opts: CodegenOptions): Promise<CodegenPlan & WriteResult> {
  const found = await introspect(
    db,
    { schemas: opts.schemas, ...(opts.tables !== undefined ? { tables: opts.tables } : {}) },
    opts.dialect,
  );
  const plan = planCodegen(found, { ...opts, existing: await existingModels(opts.outDir, found.tables) });
  return { ...plan, ...(await writeGenerated(opts.outDir, plan.files)) };
}

/** The models in `outDir` that this run won't rewrite (imported only when there are any). */
async function existingModels(outDir: string, tables: readonly LiveTable[]): Promise<IndexEntry[]> {
  const root = path.resolve(outDir);
  const rewritten = new Set([
    ...tables.map((t) => path.join(root, ...modelFilePath(t).split('/'))),
    path.join(root, 'index.ts'),
    path.join(root, 'db.ts'),
  ]);
  const files = await modelFiles(root).catch((err: Error) =>
    err.name === 'ModelLoadError' ? [] : Promise.reject(err),
  );
  const others = files.filter((f) => !rewritten.has(f));
  if (others.length === 0) return [];
  return (await loadModelFiles(others)).map((m) => indexEntryOf(m, root));
}
