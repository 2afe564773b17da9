// Plans a migration: diffs each model with its live table and chooses the Redshift-legal way
// to get there. Changes that would drop or narrow data are refused unless allowDestructive.
import { createTableStatements, defaultSql, quoteIdent, type ColumnSpec, type Dialect, type TableModel } from '../../src/model/index.js';
import { describeDifference, diffTable, typeText, type Difference } from '../diff.js';
import type { LiveTable } from '../introspect/types.js';
import { liveToModel } from '../live-model.js';
import type { LoadedModel } from '../load-models.js';
import { postgresSteps } from './alter-postgres.js';
import { addColumn, alterEncode, alterVarchar, commentOnColumn, commentOnTable, deepCopy, dropColumn, tableSql } from './ddl.js';

export interface TableMigration {
  model: LoadedModel;
  /** What changes, one line each, for the file's comment and the CLI. */
  summary: string[];
  up: string[];
  down: string[];
  /** Model columns the migration names: the file lists them so tsc checks them against the model. */
  columns: string[];
}

export interface Refusal {
  table: string;
  reason: string;
}

export interface MigrationPlan {
  dialect: Dialect;
  tables: TableMigration[];
  refused: Refusal[];
}

const INT_RANK: Partial<Record<ColumnSpec['kind'], number>> = { smallint: 1, integer: 2, bigint: 3 };
const INT_DIGITS: Partial<Record<ColumnSpec['kind'], number>> = { smallint: 5, integer: 10, bigint: 19 };

/** A type change every existing value survives unchanged. */
export function isWidening(from: ColumnSpec, to: ColumnSpec): boolean {
  if (INT_RANK[from.kind] && INT_RANK[to.kind]) return INT_RANK[to.kind]! >= INT_RANK[from.kind]!;
  if (INT_DIGITS[from.kind] && to.kind === 'decimal') return (to.precision ?? 18) - (to.scale ?? 0) >= INT_DIGITS[from.kind]!;
  if (from.kind === 'decimal' && to.kind === 'decimal') {
    const [p1, s1, p2, s2] = [from.precision ?? 18, from.scale ?? 0, to.precision ?? 18, to.scale ?? 0];
    return s2 >= s1 && p2 - s2 >= p1 - s1;
  }
  if (from.kind === 'real' && to.kind === 'double') return true;
  if ((from.kind === 'varchar' || from.kind === 'char') && to.kind === 'varchar') return isVarcharWidening(from, to) || sameLength(from, to);
  return false;
}

const bytes = (s: ColumnSpec) => (s.length === 'max' ? 65535 : typeof s.length === 'number' ? s.length : 256);
const sameLength = (a: ColumnSpec, b: ColumnSpec) => bytes(a) === bytes(b);
const isVarcharWidening = (from: ColumnSpec, to: ColumnSpec) => bytes(to) > bytes(from);

type Action = 'alter' | 'deep-copy' | 'refuse';

function classify(d: Difference, dialect: Dialect): { action: Action; destructive?: string; reason?: string } {
  switch (d.kind) {
    case 'column-added':
      if (d.spec.identity) return { action: 'deep-copy' };
      if (d.spec.notNull && !d.spec.default) {
        return { action: 'refuse', reason: `column ${d.column} is NOT NULL without a default: the rows already there would have no value. Give it a .default(...) or make it nullable` };
      }
      return { action: 'alter' };
    case 'column-removed':
      return { action: 'alter', destructive: `drops column ${d.column} (${d.nativeType}) and its data` };
    case 'column-changed':
      if (d.field === 'comment') return { action: 'alter' };
      if (d.field === 'encode') return { action: 'alter' };
      if (d.field === 'type') {
        const { liveSpec: from, modelSpec: to } = d;
        if (from.kind === 'varchar' && to.kind === 'varchar' && isVarcharWidening(from, to) && !from.encode?.match(/^(bytedict|runlength|text255|text32k)$/)) {
          return { action: 'alter' };
        }
        if (isWidening(from, to)) return { action: 'deep-copy' };
        return { action: 'deep-copy', destructive: `changes column ${d.column} from ${typeText(from, dialect)} to ${typeText(to, dialect)}, which can narrow or rewrite its values` };
      }
      return { action: 'deep-copy' };
    case 'table-changed':
      return d.field === 'comment' ? { action: 'alter' } : { action: 'deep-copy' };
  }
}

/** UPDATEs that give existing NULLs the default of a column the model makes NOT NULL. */
function backfills(model: TableModel, live: LiveTable, dialect: Dialect): { sql: string; note: string }[] {
  const out: { sql: string; note: string }[] = [];
  for (const lc of live.columns) {
    const spec = model.columns[lc.name]?.spec;
    if (!spec?.notNull || spec.identity || lc.spec.notNull) continue;
    const fill = defaultSql(spec, dialect);
    if (fill === undefined) continue;
    out.push({
      sql: `UPDATE ${tableSql(model.schema, model.name)} SET ${quoteIdent(lc.name)} = ${fill} WHERE ${quoteIdent(lc.name)} IS NULL`,
      note: `column ${lc.name}: NULLs are set to its default ${fill} before NOT NULL (down keeps those values)`,
    });
  }
  return out;
}

function liveColumns(live: LiveTable): Map<string, ColumnSpec> {
  return new Map(live.columns.map((c) => [c.name, c.spec]));
}

function planTable(m: LoadedModel, live: LiveTable | undefined, dialect: Dialect, allowDestructive: boolean): TableMigration | Refusal[] | undefined {
  const model = m.model;
  const { schema, name } = model;
  if (!live) {
    return {
      model: m,
      summary: [`create table ${model.qualifiedName}`],
      up: [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`, ...createTableStatements(model, dialect, { ifNotExists: false })],
      down: [`DROP TABLE ${tableSql(schema, name)}`],
      columns: [...model.columnNames],
    };
  }
  const diffs = diffTable(model, live);
  if (diffs.length === 0) return undefined;
  const refused: Refusal[] = [];
  let deep = false;
  for (const d of diffs) {
    const c = classify(d, dialect);
    if (c.action === 'refuse') refused.push({ table: model.qualifiedName, reason: c.reason! });
    if (c.destructive && !allowDestructive) {
      refused.push({ table: model.qualifiedName, reason: `${c.destructive}: pass --allow-destructive to allow it` });
    }
    if (c.action === 'deep-copy') deep = true;
  }
  // A Redshift deep copy can't keep IDENTITY values (it refuses explicit ones): they are renumbered
  const renumbered = deep && dialect === 'redshift' ? model.columnNames.filter((c) => model.columns[c]!.spec.identity && live.columns.some((l) => l.name === c)) : [];
  if (renumbered.length && !allowDestructive) {
    refused.push({
      table: model.qualifiedName,
      reason: `this change needs a deep copy, which renumbers IDENTITY column(s) ${renumbered.join(', ')} (Redshift refuses explicit IDENTITY values), breaking anything that refers to them: pass --allow-destructive to allow it`,
    });
  }
  if (refused.length) return refused;
  const summary = diffs.map((d) => describeDifference(d, dialect));
  const columns = [...new Set(diffs.flatMap((d) => (d.kind === 'column-added' || d.kind === 'column-changed' ? [d.column] : [])))];
  if (dialect === 'postgres') {
    // Postgres ALTERs every difference in place: nothing the summary doesn't list is rebuilt
    const steps = postgresSteps({ schema, name, primaryKey: model.options.primaryKey, ...(model.options.comment !== undefined ? { comment: model.options.comment } : {}) }, live, diffs);
    return {
      model: m,
      summary: [...summary, ...steps.flatMap((s) => (s.note ? [s.note] : []))],
      up: steps.flatMap((s) => s.up),
      down: [...steps].reverse().flatMap((s) => s.down),
      columns,
    };
  }
  if (deep) {
    const before = liveToModel(live);
    // NOT NULL with a default: the NULLs already there take the default first (the copy would fail on them)
    const backfill = backfills(model, live, dialect);
    const up = deepCopy(model, { columns: liveColumns(live) }, dialect);
    return {
      model: m,
      summary: [`deep copy of ${model.qualifiedName} (Redshift can't ALTER these in place):`, ...summary.map((s) => `  ${s}`), ...backfill.map((b) => `  ${b.note}`)],
      up: [up[0]!, ...backfill.map((b) => b.sql), ...up.slice(1)],
      down: deepCopy(before, { columns: new Map(model.columnNames.map((c) => [c, model.columns[c]!.spec])) }, dialect),
      columns: [...model.columnNames],
    };
  }
  const up: string[] = [];
  const down: string[] = [];
  for (const d of diffs) {
    switch (d.kind) {
      case 'column-added':
        up.push(...addColumn(schema, name, d.column, d.spec, dialect));
        down.unshift(dropColumn(schema, name, d.column));
        break;
      case 'column-removed':
        up.push(dropColumn(schema, name, d.column));
        down.unshift(...addColumn(schema, name, d.column, d.spec, dialect)); // the column comes back empty
        break;
      case 'column-changed':
        if (d.field === 'type') {
          up.push(alterVarchar(schema, name, d.column, d.modelSpec, dialect));
          down.unshift(alterVarchar(schema, name, d.column, d.liveSpec, dialect));
        } else if (d.field === 'encode') {
          up.push(alterEncode(schema, name, d.column, d.modelSpec.encode ?? 'auto'));
          down.unshift(alterEncode(schema, name, d.column, d.liveSpec.encode ?? 'auto'));
        } else if (d.field === 'comment') {
          up.push(commentOnColumn(schema, name, d.column, d.modelSpec.comment));
          down.unshift(commentOnColumn(schema, name, d.column, d.liveSpec.comment));
        }
        break;
      case 'table-changed':
        up.push(commentOnTable(schema, name, model.options.comment));
        down.unshift(commentOnTable(schema, name, live.options.comment));
        break;
    }
  }
  return { model: m, summary, up, down, columns };
}

export function planMigration(models: readonly LoadedModel[], live: readonly LiveTable[], dialect: Dialect, opts: { allowDestructive?: boolean | undefined } = {}): MigrationPlan {
  const byName = new Map(live.map((t) => [`${t.schema}.${t.name}`, t]));
  const tables: TableMigration[] = [];
  const refused: Refusal[] = [];
  for (const m of models) {
    const r = planTable(m, byName.get(m.model.qualifiedName), dialect, opts.allowDestructive ?? false);
    if (!r) continue;
    if (Array.isArray(r)) refused.push(...r);
    else tables.push(r);
  }
  return { dialect, tables, refused };
}
