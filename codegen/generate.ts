// `upshift codegen`: live tables -> one model file per table, db.ts (Kysely DB) and index.ts.
// Output depends only on the catalog, in a stable order, so running it twice changes nothing.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { introspect } from './introspect/index.js';
import type { Introspection, LiveTable, Queryable, TableSelection } from './introspect/types.js';
import { liveToModel } from './live-model.js';
import { renderDbInterface } from './render/db-interface.js';
import { DEFAULT_REGENERATE, finish, header, newSourceFile, renderModelFile, type RenderOptions } from './render/model-file.js';
import { exportNames } from './render/names.js';
import type { Dialect } from '../src/model/index.js';

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

/** Renders the files for introspected tables (pure: no I/O). */
export function planCodegen(found: Introspection, opts: RenderOptions = {}): CodegenPlan {
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
  const names = exportNames(usable);
  const tables = usable.map((table) => ({ table, exportName: names.get(`${table.schema}.${table.name}`)!, file: modelFilePath(table) }));
  const files: GeneratedFile[] = tables.map(({ table, exportName, file }) => ({ path: file, text: renderModelFile(table, exportName, opts) }));
  if (tables.length) {
    files.push({ path: 'db.ts', text: renderDbInterface(tables, opts) });
    const index = newSourceFile();
    index.insertText(0, header('the model files beside this one', opts.regenerate ?? DEFAULT_REGENERATE));
    for (const { exportName, file } of tables) {
      index.addExportDeclaration({ moduleSpecifier: `./${file.replace(/\.ts$/, '.js')}`, namedExports: [exportName] });
    }
    index.addExportDeclaration({ isTypeOnly: true, moduleSpecifier: './db.js', namedExports: ['DB'] });
    files.push({ path: 'index.ts', text: finish(index) });
  }
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
  dialect?: Dialect;
}

export async function codegen(db: Queryable, opts: CodegenOptions): Promise<CodegenPlan & WriteResult> {
  const found = await introspect(db, { schemas: opts.schemas, ...(opts.tables !== undefined ? { tables: opts.tables } : {}) }, opts.dialect);
  const plan = planCodegen(found, opts);
  return { ...plan, ...(await writeGenerated(opts.outDir, plan.files)) };
}
