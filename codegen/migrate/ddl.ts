// Redshift-legal DDL for migrations. Redshift's ALTER TABLE can add a column (one per
// statement), widen a VARCHAR, change an encoding and comment; everything else (types,
// nullability, defaults, identity, keys) needs a deep copy: create the new table, copy the
// rows with named columns, swap the names, all inside the migration's transaction.
import { columnSql, createTableStatements, quoteIdent, quoteLiteral, sqlType, type ColumnSpec, type Dialect, type TableModel } from '../../src/model/index.js';

export const tableSql = (schema: string, name: string) => `${quoteIdent(schema)}.${quoteIdent(name)}`;

export function addColumn(schema: string, table: string, name: string, spec: ColumnSpec, dialect: Dialect): string[] {
  const out = [`ALTER TABLE ${tableSql(schema, table)} ADD COLUMN ${columnSql(name, spec, dialect)}`];
  if (spec.comment !== undefined) out.push(commentOnColumn(schema, table, name, spec.comment));
  return out;
}

export const dropColumn = (schema: string, table: string, name: string) => `ALTER TABLE ${tableSql(schema, table)} DROP COLUMN ${quoteIdent(name)}`;

export const alterVarchar = (schema: string, table: string, name: string, spec: ColumnSpec, dialect: Dialect) =>
  `ALTER TABLE ${tableSql(schema, table)} ALTER COLUMN ${quoteIdent(name)} TYPE ${sqlType(spec, dialect)}`;

export const alterEncode = (schema: string, table: string, name: string, encode: string) =>
  `ALTER TABLE ${tableSql(schema, table)} ALTER COLUMN ${quoteIdent(name)} ENCODE ${encode}`;

export const commentOnColumn = (schema: string, table: string, name: string, comment: string | undefined) =>
  `COMMENT ON COLUMN ${tableSql(schema, table)}.${quoteIdent(name)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`;

export const commentOnTable = (schema: string, table: string, comment: string | undefined) =>
  `COMMENT ON TABLE ${tableSql(schema, table)} IS ${comment === undefined ? 'NULL' : quoteLiteral(comment)}`;

const MAX_NAME_BYTES = { postgres: 63, redshift: 127 } as const;

function sideName(name: string, suffix: string, dialect: Dialect): string {
  const room = MAX_NAME_BYTES[dialect] - suffix.length;
  return `${Buffer.byteLength(name) > room ? Buffer.from(name).subarray(0, room).toString().replace(/\uFFFD+$/, '') : name}${suffix}`;
}

/**
 * Rebuilds `from` (the live table) as `to` (the model), keeping the rows of the columns both
 * have. Columns whose kind changes are CAST; same-kind changes (a narrower VARCHAR or DECIMAL)
 * go through the assignment cast, which fails on a value that doesn't fit instead of
 * truncating it.
 */
export function deepCopy(to: TableModel, from: { columns: ReadonlyMap<string, ColumnSpec> }, dialect: Dialect): string[] {
  const { schema, name } = to;
  const fresh = sideName(name, '__upshift_new', dialect);
  const old = sideName(name, '__upshift_old', dialect);
  const renamed: TableModel = { ...to, name: fresh, qualifiedName: `${schema}.${fresh}` };
  // Redshift refuses explicit values for IDENTITY(seed, step) columns: those are regenerated there.
  const copied = to.columnNames.filter((c) => from.columns.has(c) && !(dialect === 'redshift' && to.columns[c]!.spec.identity));
  const select = copied.map((c) => {
    const target = to.columns[c]!.spec;
    return from.columns.get(c)!.kind === target.kind ? quoteIdent(c) : `CAST(${quoteIdent(c)} AS ${sqlType(target, dialect)})`;
  });
  const out = [
    `LOCK TABLE ${tableSql(schema, name)}`,
    ...createTableStatements(renamed, dialect, { ifNotExists: false }),
    `INSERT INTO ${tableSql(schema, fresh)} (${copied.map(quoteIdent).join(', ')}) SELECT ${select.join(', ')} FROM ${tableSql(schema, name)}`,
  ];
  if (dialect === 'postgres') {
    for (const c of copied.filter((c) => to.columns[c]!.spec.identity)) {
      // the copy wrote explicit values: move the identity sequence past them
      out.push(`SELECT setval(pg_get_serial_sequence(${quoteLiteral(tableSql(schema, fresh))}, ${quoteLiteral(c)}), max(${quoteIdent(c)})) FROM ${tableSql(schema, fresh)} HAVING max(${quoteIdent(c)}) IS NOT NULL`);
    }
  }
  out.push(
    `ALTER TABLE ${tableSql(schema, name)} RENAME TO ${quoteIdent(old)}`,
    `ALTER TABLE ${tableSql(schema, fresh)} RENAME TO ${quoteIdent(name)}`,
    `DROP TABLE ${tableSql(schema, old)}`,
  );
  return out;
}
