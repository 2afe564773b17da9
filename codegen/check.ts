// `upshift codegen --check`: the model files against the live tables, for CI drift detection.
// It imports the models (rather than comparing generated text) so hand-edited, reformatted or
// hand-written models are judged by what they declare, and the report names each column.
import path from 'node:path';
import type { Dialect } from '../src/model/index.js';
import { describeDifference, diffTable, type Difference } from './diff.js';
import { introspect } from './introspect/index.js';
import { tableMatcher, type LiveTable, type Queryable, type TablePattern } from './introspect/types.js';
import { loadModels, type LoadedModel } from './load-models.js';

export interface TableDrift {
  table: string;
  file?: string;
  /** A table in only one place. */
  only?: 'model' | 'database';
  differences: Difference[];
}

export interface DriftReport {
  dialect: Dialect;
  drift: TableDrift[];
  /** Tables compared and found equal. */
  clean: string[];
}

export interface CheckOptions {
  /** Schemas to compare; default: the schemas the models name. */
  schemas?: readonly string[];
  tables?: TablePattern;
  dialect?: Dialect;
}

export function compareModels(models: readonly LoadedModel[], live: readonly LiveTable[], dialect: Dialect): DriftReport {
  const liveByName = new Map(live.map((t) => [`${t.schema}.${t.name}`, t]));
  const drift: TableDrift[] = [];
  const clean: string[] = [];
  for (const m of models) {
    const l = liveByName.get(m.model.qualifiedName);
    if (!l) {
      drift.push({ table: m.model.qualifiedName, file: m.file, only: 'model', differences: [] });
      continue;
    }
    const differences = diffTable(m.model, l);
    if (differences.length) drift.push({ table: m.model.qualifiedName, file: m.file, differences });
    else clean.push(m.model.qualifiedName);
  }
  const modelled = new Set(models.map((m) => m.model.qualifiedName));
  for (const l of live) {
    const name = `${l.schema}.${l.name}`;
    if (!modelled.has(name)) drift.push({ table: name, only: 'database', differences: [] });
  }
  drift.sort((a, b) => (a.table < b.table ? -1 : 1));
  return { dialect, drift, clean };
}

export async function checkDrift(db: Queryable, modelsDir: string, opts: CheckOptions = {}): Promise<DriftReport> {
  const match = tableMatcher(opts.tables);
  const all = await loadModels(modelsDir);
  const schemas = opts.schemas?.length ? opts.schemas : [...new Set(all.map((m) => m.model.schema))];
  const models = all.filter((m) => schemas.includes(m.model.schema) && match(m.model.name));
  const found = await introspect(db, { schemas, ...(opts.tables !== undefined ? { tables: opts.tables } : {}) }, opts.dialect);
  return compareModels(models, found.tables, found.dialect);
}

export function formatDrift(report: DriftReport, cwd = process.cwd()): string {
  if (report.drift.length === 0) return `no drift: ${report.clean.length} table(s) match their models\n`;
  const lines: string[] = [`drift in ${report.drift.length} table(s):`];
  for (const t of report.drift) {
    const where = t.file ? ` (${path.relative(cwd, t.file)})` : '';
    if (t.only === 'model') lines.push(`  ${t.table}${where}: in the models, not in the database`);
    else if (t.only === 'database') lines.push(`  ${t.table}: in the database, no model defines it (run upshift codegen)`);
    else {
      lines.push(`  ${t.table}${where}:`);
      for (const d of t.differences) lines.push(`    ${describeDifference(d, report.dialect)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
