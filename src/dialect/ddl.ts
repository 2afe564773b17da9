// The DDL every dialect shares, written once: a dialect supplies only what it spells differently
// (see types.ts), so one model creates its table on Redshift, Postgres and PGlite.
import { byteLimit, type ColumnSpec } from '../model/columns.js';
import { ModelDefinitionError, showValue } from '../model/errors.js';
import type { TableModel } from '../model/table.js';
import { columnChecker } from '../model/validate.js';
import { qualifiedName, quoteIdent } from '../sql/identifiers.js';
import type { DialectSpelling, SqlDialect } from './types.js';

function sqlType(spec: ColumnSpec, d: DialectSpelling): string {
  const types = d.types;
  switch (spec.kind) {
    case 'smallint':
      return 'SMALLINT';
    case 'integer':
      return 'INTEGER';
    case 'bigint':
      return 'BIGINT';
    case 'decimal':
      return `DECIMAL(${spec.precision ?? 18},${spec.scale ?? 0})`;
    case 'real':
      return 'REAL';
    case 'double':
      return 'DOUBLE PRECISION';
    case 'boolean':
      return 'BOOLEAN';
    case 'char':
      return `CHAR(${byteLimit(spec)})`;
    case 'varchar':
      return spec.length === 'max' ? types.varcharMax : `VARCHAR(${byteLimit(spec)})`;
    case 'date':
      return 'DATE';
    case 'varbyte':
      return types.varbyte(byteLimit(spec));
    case 'time':
    case 'timetz':
    case 'timestamp':
    case 'timestamptz':
    case 'super':
    case 'geometry':
    case 'geography':
    case 'hllsketch':
      return types[spec.kind];
    case 'interval_ym':
      return 'INTERVAL YEAR TO MONTH';
    case 'interval_ds':
      return 'INTERVAL DAY TO SECOND';
  }
}

/**
 * A DEFAULT as SQL. A value default is rendered from its normalized form, the same text a load
 * writes, so DEFAULT and loaded values agree (a timestamptz gets an explicit +00: it is UTC).
 */
function defaultSql(spec: ColumnSpec, d: DialectSpelling): string | undefined {
  const def = spec.default;
  if (!def) return undefined;
  if (def.kind === 'sql') return d.defaults.expression(def);
  const r = columnChecker(spec)(def.value);
  if (!r.ok) throw new ModelDefinitionError(`DEFAULT ${showValue(def.value)} ${r.detail} (rule: ${r.rule})`);
  const v = r.value;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Uint8Array) return d.defaults.bytes(Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex'));
  if (v === null) return 'NULL';
  if (spec.kind === 'decimal') return v; // canonical digits: a plain numeric literal
  if (spec.kind === 'super') return d.defaults.json(v);
  if (spec.kind === 'timestamptz') return d.literals.text(`${v}+00`);
  return d.literals.text(v);
}

function columnSql(name: string, spec: ColumnSpec, d: DialectSpelling): string {
  const parts = [quoteIdent(name), sqlType(spec, d)];
  const def = defaultSql(spec, d);
  if (def !== undefined) parts.push(`DEFAULT ${def}`);
  if (spec.identity) parts.push(d.identitySql(spec.identity.seed, spec.identity.step));
  if (d.capabilities.encodings && spec.encode && spec.encode !== 'auto') parts.push(`ENCODE ${spec.encode}`);
  if (spec.notNull) parts.push('NOT NULL');
  return parts.join(' ');
}

function createTableStatements(
  table: TableModel,
  d: DialectSpelling,
  opts: { ifNotExists?: boolean | undefined } = {},
): string[] {
  d.checkTable(table);
  const o = table.options;
  const lines = table.columnNames.map((name) => `  ${columnSql(name, table.columns[name]!.spec, d)}`);
  if (o.primaryKey.length) lines.push(`  PRIMARY KEY (${o.primaryKey.map(quoteIdent).join(', ')})`);
  const create = [
    `CREATE TABLE ${opts.ifNotExists === false ? '' : 'IF NOT EXISTS '}${qualifiedName(table.schema, table.name)} (\n${lines.join(',\n')}\n)`,
    ...d.tableClauses(table),
  ].join('\n');
  const statements = [create];
  if (o.comment !== undefined)
    statements.push(`COMMENT ON TABLE ${qualifiedName(table.schema, table.name)} IS ${d.literals.text(o.comment)}`);
  for (const name of table.columnNames) {
    const c = table.columns[name]!.spec.comment;
    if (c !== undefined)
      statements.push(
        `COMMENT ON COLUMN ${qualifiedName(table.schema, table.name)}.${quoteIdent(name)} IS ${d.literals.text(c)}`,
      );
  }
  return statements;
}

/** A dialect from what it spells differently: the shared DDL is built on those parts. */
export function defineDialect(spelling: DialectSpelling): SqlDialect {
  return Object.freeze({
    ...spelling,
    sqlType: (spec: ColumnSpec) => sqlType(spec, spelling),
    defaultSql: (spec: ColumnSpec) => defaultSql(spec, spelling),
    columnSql: (name: string, spec: ColumnSpec) => columnSql(name, spec, spelling),
    createTableStatements: (table: TableModel, opts?: { ifNotExists?: boolean | undefined }) =>
      createTableStatements(table, spelling, opts),
  });
}
