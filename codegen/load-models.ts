// Imports model files (TypeScript, via tsx's tsImport, so users need no build step) and
// collects the TableModels they export.
import { UpshiftError } from '../src/errors.js';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isTableModel, type TableModel } from '../src/model/index.js';
import { importOptional } from '../src/optional.js';

export interface LoadedModel {
  model: TableModel;
  exportName: string;
  /** Absolute path of the file that exports it. */
  file: string;
}

/** The models folder is missing, or a file in it can't be imported (syntax, a bad model definition). */
export class ModelLoadError extends UpshiftError {
  declare readonly code: 'MODEL_LOAD_FAILED';
  override name = 'ModelLoadError';
  constructor(message: string, options?: ErrorOptions) {
    super('MODEL_LOAD_FAILED', message, options);
  }
}

const SOURCE = /\.(ts|mts|js|mjs)$/;

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw new ModelLoadError(
        `models directory ${dir} does not exist: run \`upshift codegen\` first or set models in upshift.config.ts`,
      );
    throw err;
  });
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (SOURCE.test(e.name) && !/\.d\.m?ts$/.test(e.name) && !/\.test\.m?ts$/.test(e.name)) out.push(full);
  }
  return out;
}

let batch = 0;

/**
 * Imports TS or JS modules at runtime through one tsx namespace: the files of one call share
 * module instances (the models and 'upshift' are evaluated once, not once per file), and every
 * call gets a fresh namespace, so files edited since the last call are read again.
 */
export async function importModules(files: readonly string[]): Promise<Record<string, unknown>[]> {
  // tsx (an optional peer dependency) loads here, on use: the rest of upshift/codegen works without it
  const { register } = await importOptional('tsx', 'Importing model files', () => import('tsx/esm/api'));
  const api = register({ namespace: `upshift-${process.pid}-${++batch}` });
  try {
    const out: Record<string, unknown>[] = [];
    for (const file of files) {
      try {
        out.push(
          (await api.import(pathToFileURL(path.resolve(file)).href, import.meta.url)) as Record<string, unknown>,
        );
      } catch (err) {
        throw new ModelLoadError(`cannot import ${file}: ${(err as Error).message}`, { cause: err });
      }
    }
    return out;
  } finally {
    await api.unregister();
  }
}

export async function importModule(file: string): Promise<Record<string, unknown>> {
  return (await importModules([file]))[0]!;
}

/**
 * Every TableModel exported under `dir`. index files are read last, so a model is attributed to
 * the file that defines it, not to a file that re-exports it.
 */
export async function loadModels(dir: string): Promise<LoadedModel[]> {
  return loadModelFiles(await walk(path.resolve(dir)));
}

/** The source files under `dir` (what loadModels imports). */
export const modelFiles = (dir: string): Promise<string[]> => walk(path.resolve(dir));

/** Every TableModel exported by these files (index files read last, as loadModels). */
export async function loadModelFiles(list: readonly string[]): Promise<LoadedModel[]> {
  const files = [...list].sort((a, b) => {
    const ia = /^index\./.test(path.basename(a)) ? 1 : 0;
    const ib = /^index\./.test(path.basename(b)) ? 1 : 0;
    return ia - ib || (a < b ? -1 : a > b ? 1 : 0);
  });
  const byName = new Map<string, LoadedModel>();
  const modules = await importModules(files);
  for (const [i, file] of files.entries()) {
    const mod = modules[i]!;
    for (const [exportName, value] of Object.entries(mod)) {
      if (!isTableModel(value)) continue;
      const seen = byName.get(value.qualifiedName);
      if (!seen) byName.set(value.qualifiedName, { model: value, exportName, file });
      else if (seen.model !== value && !sameDefinition(seen.model, value)) {
        throw new ModelLoadError(
          `table ${value.qualifiedName} is defined twice, differently: ${exportName} in ${file} and ${seen.exportName} in ${seen.file}`,
        );
      }
    }
  }
  return [...byName.values()].sort((a, b) => (a.model.qualifiedName < b.model.qualifiedName ? -1 : 1));
}

// A re-export through an index file imported in a separate tsImport scope is another object.
const sameDefinition = (a: TableModel, b: TableModel) =>
  JSON.stringify({ c: a.columnNames.map((n) => a.columns[n]!.spec), o: a.options }, big) ===
  JSON.stringify({ c: b.columnNames.map((n) => b.columns[n]!.spec), o: b.options }, big);
const big = (_: string, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v);
