// Compares a model with its live table, fact by fact, in the terms the dialect stores: Postgres
// has no encodings, dist or sort keys, so those are compared where the dialect has them. The drift check
// prints these differences; migrations turn them into DDL.
import { sqlDialect, sqlType, type Dialect } from '../src/dialect/index.js';
import type { ColumnDefault, ColumnSpec, TableModel } from '../src/model/index.js';
import type { LiveTable } from './introspect/types.js';
import { valueLiteral } from './render/names.js';

export type ColumnField = 'type' | 'notNull' | 'default' | 'identity' | 'encode' | 'comment';
export type TableField = 'primaryKey' | 'distStyle' | 'distKey' | 'sortKey' | 'comment';

export type Difference =
  | { kind: 'column-added'; column: string; spec: ColumnSpec }
  | { kind: 'column-removed'; column: string; spec: ColumnSpec; nativeType: string }
  | {
      kind: 'column-changed';
      column: string;
      field: ColumnField;
      model: string;
      database: string;
      modelSpec: ColumnSpec;
      liveSpec: ColumnSpec;
    }
  | { kind: 'table-changed'; field: TableField; model: string; database: string };

export const typeText = (spec: ColumnSpec, dialect: Dialect): string => sqlType(spec, dialect);

function defaultText(d: ColumnDefault | undefined): string {
  if (!d) return 'none';
  if (d.kind === 'sql') return `sql(${d.sql.replace(/\s+/g, ' ').trim().toLowerCase()})`;
  const v = d.value;
  if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint') && /^-?\d+(\.\d+)?$/.test(String(v))) {
    return canonicalNumber(String(v)); // 0, '0' and '0.00' are one default for a number column
  }
  return valueLiteral(v);
}

function canonicalNumber(text: string): string {
  const [int, frac = ''] = text.split('.');
  const f = frac.replace(/0+$/, '');
  const i = BigInt(int!).toString();
  return f ? `${i === '0' && int!.startsWith('-') ? '-0' : i}.${f}` : i;
}

const identityText = (s: ColumnSpec) => (s.identity ? `IDENTITY(${s.identity.seed},${s.identity.step})` : 'none');
const commentText = (c: string | undefined) => (c === undefined ? 'none' : JSON.stringify(c));

export function compareColumn(
  model: ColumnSpec,
  live: ColumnSpec,
  dialect: Dialect,
  opts: { autoEncoding?: boolean | undefined } = {},
) {
  const out: { field: ColumnField; model: string; database: string }[] = [];
  const push = (field: ColumnField, m: string, d: string) => m !== d && out.push({ field, model: m, database: d });
  push('type', typeText(model, dialect), typeText(live, dialect));
  // IDENTITY implies NOT NULL on both sides
  push(
    'notNull',
    model.notNull || model.identity ? 'NOT NULL' : 'NULL',
    live.notNull || live.identity ? 'NOT NULL' : 'NULL',
  );
  push('default', defaultText(model.default), defaultText(live.default));
  push('identity', identityText(model), identityText(live));
  // An encoding is compared only where the model pins one: otherwise Redshift picks it.
  if (sqlDialect(dialect).capabilities.encodings && !opts.autoEncoding && model.encode)
    push('encode', model.encode, live.encode ?? 'none');
  push('comment', commentText(model.comment), commentText(live.comment));
  return out;
}

const keyText = (k: readonly string[]) => (k.length ? `(${k.join(', ')})` : 'none');
function sortText(s: TableModel['options']['sortKey'] | LiveTable['options']['sortKey']): string {
  if (!s) return 'none';
  if (s === 'auto') return 'AUTO';
  return `${s.style.toUpperCase()} (${s.columns.join(', ')})`;
}

export function diffTable(model: TableModel, live: LiveTable): Difference[] {
  const dialect = live.dialect;
  const out: Difference[] = [];
  const liveCols = new Map(live.columns.map((c) => [c.name, c]));
  for (const name of model.columnNames) {
    const spec = model.columns[name]!.spec;
    const lc = liveCols.get(name);
    if (!lc) {
      out.push({ kind: 'column-added', column: name, spec });
      continue;
    }
    for (const d of compareColumn(spec, lc.spec, dialect, { autoEncoding: live.options.autoEncoding ?? false })) {
      out.push({ kind: 'column-changed', column: name, ...d, modelSpec: spec, liveSpec: lc.spec });
    }
  }
  for (const lc of live.columns) {
    if (!Object.hasOwn(model.columns, lc.name))
      out.push({ kind: 'column-removed', column: lc.name, spec: lc.spec, nativeType: lc.nativeType });
  }
  const o = model.options;
  const lo = live.options;
  const table = (field: TableField, m: string, d: string) =>
    m !== d && out.push({ kind: 'table-changed', field, model: m, database: d });
  table('primaryKey', keyText(o.primaryKey), keyText(lo.primaryKey));
  if (sqlDialect(dialect).capabilities.distAndSortKeys) {
    // Where the model says nothing, Redshift's AUTO is what it asks for.
    const mStyle = o.distKey ? 'KEY' : (o.distStyle ?? 'auto').toUpperCase();
    const lStyle = lo.distKey ? 'KEY' : (lo.distStyle ?? 'auto').toUpperCase();
    table('distStyle', mStyle, lStyle);
    table('distKey', o.distKey ?? 'none', lo.distKey ?? 'none');
    const mSort = sortText(o.sortKey ?? 'auto');
    const lSort = sortText(lo.sortKey ?? 'auto');
    if (!(mSort === 'AUTO' && lo.sortKey === undefined)) table('sortKey', mSort, lSort);
  }
  table('comment', commentText(o.comment), commentText(lo.comment));
  return out;
}

const FIELD_NAMES: Record<ColumnField | TableField, string> = {
  type: 'type',
  notNull: 'nullability',
  default: 'default',
  identity: 'identity',
  encode: 'encoding',
  comment: 'comment',
  primaryKey: 'primary key',
  distStyle: 'dist style',
  distKey: 'dist key',
  sortKey: 'sort key',
};

/** One line per difference, e.g. `column name: type is VARCHAR(64) in the model, VARCHAR(128) in the database`. */
export function describeDifference(d: Difference, dialect: Dialect): string {
  switch (d.kind) {
    case 'column-added':
      return `column ${d.column}: in the model (${typeText(d.spec, dialect)}), not in the database`;
    case 'column-removed':
      return `column ${d.column}: in the database (${d.nativeType}), not in the model`;
    case 'column-changed':
      return `column ${d.column}: ${FIELD_NAMES[d.field]} is ${d.model} in the model, ${d.database} in the database`;
    case 'table-changed':
      return `table: ${FIELD_NAMES[d.field]} is ${d.model} in the model, ${d.database} in the database`;
  }
}
