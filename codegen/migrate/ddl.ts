// Redshift-legal DDL for migrations. Redshift's ALTER TABLE can add a column (one per
// statement), widen a VARCHAR, change an encoding and comment, add and drop a constraint;
// everything else (types, nullability, defaults, identity, dist and sort keys) needs a deep
// copy: create the new table, copy the rows with named columns, swap the names, re-create the
// table's keys under their names, all inside the migration's transaction.
import { columnSql, createTableStatements, sqlDialect, sqlType, type Dialect } from '../../src/dialect/index.js';
import { Column, type ColumnSpec, type TableModel } from '../../src/model/index.js';
import { qualifiedName, quoteIdent } from '../../src/sql/identifiers.js';
import { postgresLiteral } from '../../src/sql/literals.js';
import type { LiveForeignKey, LiveKey, LiveReference } from '../introspect/types.js';

export function addColumn(schema: string, table: string, name: string, spec: ColumnSpec, dialect: Dialect): string[] {
  const out = [`ALTER TABLE ${qualifiedName(schema, table)} ADD COLUMN ${columnSql(name, spec, dialect)}`];
  if (spec.comment !== undefined) out.push(commentOnColumn(schema, table, name, spec.comment, dialect));
  return out;
}

export const dropColumn = (schema: string, table: string, name: string) =>
  `ALTER TABLE ${qualifiedName(schema, table)} DROP COLUMN ${quoteIdent(name)}`;

export const alterVarchar = (schema: string, table: string, name: string, spec: ColumnSpec, dialect: Dialect) =>
  `ALTER TABLE ${qualifiedName(schema, table)} ALTER COLUMN ${quoteIdent(name)} TYPE ${sqlType(spec, dialect)}`;

export const alterEncode = (schema: string, table: string, name: string, encode: string) =>
  `ALTER TABLE ${qualifiedName(schema, table)} ALTER COLUMN ${quoteIdent(name)} ENCODE ${encode}`;

/** COMMENT ON, its text quoted as the dialect reads literals (Redshift takes backslashes as escapes). */
export const commentOnColumn = (
  schema: string,
  table: string,
  name: string,
  comment: string | undefined,
  dialect: Dialect,
) =>
  `COMMENT ON COLUMN ${qualifiedName(schema, table)}.${quoteIdent(name)} IS ${comment === undefined ? 'NULL' : sqlDialect(dialect).literals.text(comment)}`;

export const commentOnTable = (schema: string, table: string, comment: string | undefined, dialect: Dialect) =>
  `COMMENT ON TABLE ${qualifiedName(schema, table)} IS ${comment === undefined ? 'NULL' : sqlDialect(dialect).literals.text(comment)}`;

function sideName(name: string, suffix: string, dialect: Dialect): string {
  const room = sqlDialect(dialect).maxIdentifierBytes - suffix.length;
  return `${
    Buffer.byteLength(name) > room
      ? Buffer.from(name)
          .subarray(0, room)
          .toString()
          .replace(/\uFFFD+$/, '')
      : name
  }${suffix}`;
}

/**
 * The named keys a Redshift deep copy re-creates on the copy. Redshift can't rename a
 * constraint, and a key declared in the copy's CREATE TABLE would be named after the copy
 * (`t__upshift_new_pkey`): so the copy is created without them and they are added under their
 * own names once it has the table's name (all in the migration's transaction).
 */
export interface KeptKeys {
  /** The primary key's name; without one, the server names it (`<table>_pkey`). */
  primaryKeyName?: string;
  uniques: readonly LiveKey[];
  foreignKeys: readonly LiveForeignKey[];
  /**
   * Other tables' keys that reference this one: DROP TABLE of the old table needs them gone (or
   * CASCADE, which would drop them silently), so each is dropped before the swap and re-created
   * after it, referencing the copy.
   */
  referencedBy: readonly LiveReference[];
}

const NO_KEYS: KeptKeys = { uniques: [], foreignKeys: [], referencedBy: [] };
const columnList = (cols: readonly string[]) => `(${cols.map(quoteIdent).join(', ')})`;
const addConstraint = (schema: string, table: string, name: string | undefined, what: string) =>
  `ALTER TABLE ${qualifiedName(schema, table)} ADD ${name === undefined ? '' : `CONSTRAINT ${quoteIdent(name)} `}${what}`;
const foreignKeySql = (fk: LiveForeignKey) =>
  `FOREIGN KEY ${columnList(fk.columns)} REFERENCES ${qualifiedName(fk.references.schema, fk.references.table)} ${columnList(fk.references.columns)}`;

/** The copy of `to` as Redshift creates it: no primary key yet (added by name later), its columns NOT NULL as the key makes them. */
function withoutPrimaryKey(to: TableModel, name: string): TableModel {
  const key = new Set(to.options.primaryKey);
  const columns = Object.fromEntries(
    to.columnNames.map((c) => {
      const spec = to.columns[c]!.spec;
      return [c, key.has(c) && !spec.notNull ? new Column({ ...spec, notNull: true }) : to.columns[c]!];
    }),
  );
  return { ...to, name, qualifiedName: `${to.schema}.${name}`, columns, options: { ...to.options, primaryKey: [] } };
}

/**
 * Rebuilds `from` (the live table) as `to` (the model), keeping the rows of the columns both
 * have. Columns whose kind changes are CAST; same-kind changes (a narrower VARCHAR or DECIMAL)
 * go through the assignment cast, which fails on a value that doesn't fit instead of
 * truncating it. On Redshift the table's keys are re-created under their names (see KeptKeys).
 */
export function deepCopy(
  to: TableModel,
  from: { columns: ReadonlyMap<string, ColumnSpec> },
  dialect: Dialect,
  keys: KeptKeys = NO_KEYS,
): string[] {
  const { schema, name } = to;
  const fresh = sideName(name, '__upshift_new', dialect);
  const old = sideName(name, '__upshift_old', dialect);
  const can = sqlDialect(dialect).capabilities;
  // Keys that can't be renamed are added under their names once the copy has the table's.
  const renamed: TableModel = can.renamesConstraints
    ? { ...to, name: fresh, qualifiedName: `${schema}.${fresh}` }
    : withoutPrimaryKey(to, fresh);
  // Redshift refuses explicit values for IDENTITY(seed, step) columns: those are regenerated there.
  const copied = to.columnNames.filter(
    (c) => from.columns.has(c) && (can.explicitIdentityValues || !to.columns[c]!.spec.identity),
  );
  const select = copied.map((c) => {
    const target = to.columns[c]!.spec;
    return from.columns.get(c)!.kind === target.kind
      ? quoteIdent(c)
      : `CAST(${quoteIdent(c)} AS ${sqlType(target, dialect)})`;
  });
  const out = [
    `LOCK TABLE ${qualifiedName(schema, name)}`,
    ...createTableStatements(renamed, dialect, { ifNotExists: false }),
    `INSERT INTO ${qualifiedName(schema, fresh)} (${copied.map(quoteIdent).join(', ')}) SELECT ${select.join(', ')} FROM ${qualifiedName(schema, name)}`,
  ];
  if (can.explicitIdentityValues) {
    for (const c of copied.filter((c) => to.columns[c]!.spec.identity)) {
      // the copy wrote explicit values: move the identity sequence past them
      out.push(
        `SELECT setval(pg_get_serial_sequence(${postgresLiteral(qualifiedName(schema, fresh))}, ${postgresLiteral(c)}), max(${quoteIdent(c)})) FROM ${qualifiedName(schema, fresh)} HAVING max(${quoteIdent(c)}) IS NOT NULL`,
      );
    }
  }
  for (const r of keys.referencedBy)
    out.push(`ALTER TABLE ${qualifiedName(r.schema, r.table)} DROP CONSTRAINT ${quoteIdent(r.name)}`);
  out.push(
    `ALTER TABLE ${qualifiedName(schema, name)} RENAME TO ${quoteIdent(old)}`,
    `ALTER TABLE ${qualifiedName(schema, fresh)} RENAME TO ${quoteIdent(name)}`,
    `DROP TABLE ${qualifiedName(schema, old)}`,
  );
  if (can.renamesConstraints) return out;
  // the old table (and its keys) are gone: the names are free again
  if (to.options.primaryKey.length)
    out.push(addConstraint(schema, name, keys.primaryKeyName, `PRIMARY KEY ${columnList(to.options.primaryKey)}`));
  for (const u of keys.uniques) out.push(addConstraint(schema, name, u.name, `UNIQUE ${columnList(u.columns)}`));
  for (const fk of keys.foreignKeys) out.push(addConstraint(schema, name, fk.name, foreignKeySql(fk)));
  for (const r of keys.referencedBy) out.push(addConstraint(r.schema, r.table, r.name, foreignKeySql(r)));
  return out;
}
