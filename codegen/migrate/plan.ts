// Plans a migration: diffs each model with its live table and chooses the Redshift-legal way
// to get there. Changes that would drop or narrow data are refused unless allowDestructive.
import { createTableStatements, defaultSql, sqlDialect, type Dialect } from '../../src/dialect/index.js';
import { Column, type ColumnSpec, type TableModel } from '../../src/model/index.js';
import { describeDifference, diffTable, typeText, type Difference } from '../diff.js';
import type { LiveTable } from '../introspect/types.js';
import { liveToModel } from '../live-model.js';
import type { LoadedModel } from '../load-models.js';
import { postgresSteps } from './alter-postgres.js';
import {
  addColumn,
  alterEncode,
  alterVarchar,
  commentOnColumn,
  commentOnTable,
  deepCopy,
  dropColumn,
  type KeptKeys,
} from './ddl.js';
import { qualifiedName, quoteIdent } from '../../src/sql/identifiers.js';

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
  if (INT_DIGITS[from.kind] && to.kind === 'decimal')
    return (to.precision ?? 18) - (to.scale ?? 0) >= INT_DIGITS[from.kind]!;
  if (from.kind === 'decimal' && to.kind === 'decimal') {
    const [p1, s1, p2, s2] = [from.precision ?? 18, from.scale ?? 0, to.precision ?? 18, to.scale ?? 0];
    return s2 >= s1 && p2 - s2 >= p1 - s1;
  }
  if (from.kind === 'real' && to.kind === 'double') return true;
  if ((from.kind === 'varchar' || from.kind === 'char') && to.kind === 'varchar')
    return isVarcharWidening(from, to) || sameLength(from, to);
  return false;
}

const bytes = (s: ColumnSpec) => (s.length === 'max' ? 65535 : typeof s.length === 'number' ? s.length : 256);
const sameLength = (a: ColumnSpec, b: ColumnSpec) => bytes(a) === bytes(b);
const isVarcharWidening = (from: ColumnSpec, to: ColumnSpec) => bytes(to) > bytes(from);

type Action = 'alter' | 'deep-copy' | 'refuse';

function classify(
  d: Difference,
  dialect: Dialect,
  keyed: ReadonlySet<string>,
): { action: Action; destructive?: string; reason?: string } {
  switch (d.kind) {
    case 'column-added':
      if (d.spec.identity) return { action: 'deep-copy' };
      if (d.spec.notNull && !d.spec.default) {
        return {
          action: 'refuse',
          reason: `column ${d.column} is NOT NULL without a default: the rows already there would have no value. Give it a .default(...) or make it nullable`,
        };
      }
      return { action: 'alter' };
    case 'column-removed':
      return { action: 'alter', destructive: `drops column ${d.column} (${d.nativeType}) and its data` };
    case 'column-changed':
      if (d.field === 'comment') return { action: 'alter' };
      if (d.field === 'encode') return { action: 'alter' };
      if (d.field === 'type') {
        const { liveSpec: from, modelSpec: to } = d;
        // Redshift's ALTER COLUMN TYPE refuses these encodings and columns in a PRIMARY KEY, UNIQUE or FOREIGN KEY
        if (
          from.kind === 'varchar' &&
          to.kind === 'varchar' &&
          isVarcharWidening(from, to) &&
          !from.encode?.match(/^(bytedict|runlength|text255|text32k)$/) &&
          !keyed.has(d.column)
        ) {
          return { action: 'alter' };
        }
        if (isWidening(from, to)) return { action: 'deep-copy' };
        return {
          action: 'deep-copy',
          destructive: `changes column ${d.column} from ${typeText(from, dialect)} to ${typeText(to, dialect)}, which can narrow or rewrite its values`,
        };
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
      sql: `UPDATE ${qualifiedName(model.schema, model.name)} SET ${quoteIdent(lc.name)} = ${fill} WHERE ${quoteIdent(lc.name)} IS NULL`,
      note: `column ${lc.name}: NULLs are set to its default ${fill} before NOT NULL (down keeps those values)`,
    });
  }
  return out;
}

/** Columns in one of the table's keys, or referenced by another table's key. */
function keyedColumns(live: LiveTable): Set<string> {
  const o = live.options;
  return new Set([
    ...o.primaryKey,
    ...[...(o.uniques ?? []), ...(o.foreignKeys ?? [])].flatMap((k) => k.columns),
    ...(o.referencedBy ?? []).flatMap((r) => r.references.columns),
  ]);
}

const keyName = (k: { name: string; columns: readonly string[] }) => `${k.name} (${k.columns.join(', ')})`;

/**
 * What a Redshift deep copy does with the table's named keys: `up` re-creates those whose
 * columns the model keeps, `down` all of them. A key on a dropped column is lost (destructive);
 * another table's key that references this one must be dropped and re-created around the swap,
 * which touches a table the model doesn't name (destructive too: the reason says which).
 */
function redshiftKeys(
  model: TableModel,
  live: LiveTable,
): { up: KeptKeys; down: KeptKeys; destructive: string[]; refused: string[]; notes: string[] } {
  const o = live.options;
  const kept = (k: { columns: readonly string[] }) => k.columns.every((c) => Object.hasOwn(model.columns, c));
  const uniques = o.uniques ?? [];
  const foreignKeys = o.foreignKeys ?? [];
  const referencedBy = o.referencedBy ?? [];
  const lost = [
    ...uniques.filter((u) => !kept(u)).map((u) => `UNIQUE ${keyName(u)}`),
    ...foreignKeys.filter((f) => !kept(f)).map((f) => `FOREIGN KEY ${keyName(f)}`),
  ];
  const refused = referencedBy
    .filter((r) => !r.references.columns.every((c) => Object.hasOwn(model.columns, c)))
    .map(
      (r) =>
        `FOREIGN KEY ${r.name} of table ${r.schema}.${r.table} references column(s) ${r.references.columns.join(', ')}, which the model drops: drop that key first`,
    );
  const destructive = [
    ...lost.map((k) => `drops ${k} with the column(s) it names: pass --allow-destructive to allow it`),
    ...referencedBy.map(
      (r) =>
        `FOREIGN KEY ${r.name} of table ${r.schema}.${r.table} references this table, which the deep copy must DROP (Redshift refuses while that key exists, and DROP ... CASCADE would drop the key silently): ` +
        `pass --allow-destructive to drop ${r.name} before the copy and re-create it after, referencing the copy (this changes ${r.schema}.${r.table})`,
    ),
  ];
  const notes = [
    ...lost.map((k) => `drops ${k}: its column(s) are dropped (down re-creates it)`),
    ...referencedBy.map(
      (r) =>
        `FOREIGN KEY ${r.name} of ${r.schema}.${r.table} is dropped before the copy and re-created on it (Redshift can't keep a key to a dropped table)`,
    ),
  ];
  const pk = o.primaryKeyName !== undefined ? { primaryKeyName: o.primaryKeyName } : {};
  return {
    up: { ...pk, uniques: uniques.filter(kept), foreignKeys: foreignKeys.filter(kept), referencedBy },
    down: { ...pk, uniques, foreignKeys, referencedBy },
    destructive,
    refused,
    notes,
  };
}

/** The model with the live encodings of columns whose encoding it leaves open (the diff compares only those it pins). */
function keepEncodings(model: TableModel, live: LiveTable): TableModel {
  if (live.options.autoEncoding) return model;
  const liveEncode = new Map(live.columns.map((c) => [c.name, c.spec.encode]));
  const columns = Object.fromEntries(
    model.columnNames.map((c) => {
      const spec = model.columns[c]!.spec;
      const encode = liveEncode.get(c);
      return [
        c,
        spec.encode === undefined && encode !== undefined ? new Column({ ...spec, encode }) : model.columns[c]!,
      ];
    }),
  );
  return { ...model, columns };
}

function liveColumns(live: LiveTable): Map<string, ColumnSpec> {
  return new Map(live.columns.map((c) => [c.name, c.spec]));
}

function planTable(
  m: LoadedModel,
  live: LiveTable | undefined,
  dialect: Dialect,
  allowDestructive: boolean,
): TableMigration | Refusal[] | undefined {
  const model = m.model;
  const { schema, name } = model;
  if (!live) {
    return {
      model: m,
      summary: [`create table ${model.qualifiedName}`],
      up: [
        `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`,
        ...createTableStatements(model, dialect, { ifNotExists: false }),
      ],
      down: [`DROP TABLE ${qualifiedName(schema, name)}`],
      columns: [...model.columnNames],
    };
  }
  const diffs = diffTable(model, live);
  if (diffs.length === 0) return undefined;
  const refused: Refusal[] = [];
  let deep = false;
  for (const d of diffs) {
    const c = classify(d, dialect, keyedColumns(live));
    if (c.action === 'refuse') refused.push({ table: model.qualifiedName, reason: c.reason! });
    if (c.destructive && !allowDestructive) {
      refused.push({ table: model.qualifiedName, reason: `${c.destructive}: pass --allow-destructive to allow it` });
    }
    if (c.action === 'deep-copy') deep = true;
  }
  const can = sqlDialect(dialect).capabilities;
  // Where ALTER can't do it all, the table is deep-copied
  const copies = deep && !can.alterInPlace;
  // A Redshift deep copy can't keep IDENTITY values (it refuses explicit ones): they are renumbered
  const renumbered =
    copies && !can.explicitIdentityValues
      ? model.columnNames.filter((c) => model.columns[c]!.spec.identity && live.columns.some((l) => l.name === c))
      : [];
  if (renumbered.length && !allowDestructive) {
    refused.push({
      table: model.qualifiedName,
      reason: `this change needs a deep copy, which renumbers IDENTITY column(s) ${renumbered.join(', ')} (Redshift refuses explicit IDENTITY values), breaking anything that refers to them: pass --allow-destructive to allow it`,
    });
  }
  const keys = copies ? redshiftKeys(model, live) : undefined;
  for (const reason of keys?.refused ?? []) refused.push({ table: model.qualifiedName, reason });
  if (!allowDestructive) {
    for (const reason of keys?.destructive ?? []) refused.push({ table: model.qualifiedName, reason });
  }
  if (refused.length) return refused;
  const summary = diffs.map((d) => describeDifference(d, dialect));
  const columns = [
    ...new Set(diffs.flatMap((d) => (d.kind === 'column-added' || d.kind === 'column-changed' ? [d.column] : []))),
  ];
  if (can.alterInPlace) {
    // Postgres ALTERs every difference in place: nothing the summary doesn't list is rebuilt
    const steps = postgresSteps(
      {
        schema,
        name,
        primaryKey: model.options.primaryKey,
        ...(model.options.comment !== undefined ? { comment: model.options.comment } : {}),
      },
      live,
      diffs,
    );
    return {
      model: m,
      summary: [...summary, ...steps.flatMap((s) => (s.note ? [s.note] : []))],
      up: steps.flatMap((s) => s.up),
      down: [...steps].reverse().flatMap((s) => s.down),
      columns,
    };
  }
  if (copies) {
    const before = liveToModel(live);
    // NOT NULL with a default: the NULLs already there take the default first (the copy would fail on them)
    const backfill = backfills(model, live, dialect);
    const up = deepCopy(keepEncodings(model, live), { columns: liveColumns(live) }, dialect, keys!.up);
    return {
      model: m,
      summary: [
        `deep copy of ${model.qualifiedName} (Redshift can't ALTER these in place):`,
        ...summary.map((s) => `  ${s}`),
        ...backfill.map((b) => `  ${b.note}`),
        ...keys!.notes.map((n) => `  ${n}`),
      ],
      up: [up[0]!, ...backfill.map((b) => b.sql), ...up.slice(1)],
      down: deepCopy(
        before,
        { columns: new Map(model.columnNames.map((c) => [c, model.columns[c]!.spec])) },
        dialect,
        keys!.down,
      ),
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
          up.push(commentOnColumn(schema, name, d.column, d.modelSpec.comment, dialect));
          down.unshift(commentOnColumn(schema, name, d.column, d.liveSpec.comment, dialect));
        }
        break;
      case 'table-changed':
        up.push(commentOnTable(schema, name, model.options.comment, dialect));
        down.unshift(commentOnTable(schema, name, live.options.comment, dialect));
        break;
    }
  }
  return { model: m, summary, up, down, columns };
}

export function planMigration(
  models: readonly LoadedModel[],
  live: readonly LiveTable[],
  dialect: Dialect,
  opts: { allowDestructive?: boolean | undefined } = {},
): MigrationPlan {
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
