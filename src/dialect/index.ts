// The SQL dialects, one object each, and the DDL functions of the public API, which take a
// dialect's name (as the README shows: `createTableSql(model, 'redshift')`) or its object.
import { UsageError } from '../errors.js';
import type { ColumnSpec } from '../model/columns.js';
import type { TableModel } from '../model/table.js';
import { postgresDialect } from './postgres.js';
import { redshiftDialect } from './redshift.js';
import type { Dialect, SqlDialect } from './types.js';

export { postgresDialect, identitySequenceOptions } from './postgres.js';
export { redshiftDialect } from './redshift.js';
export { defineDialect } from './ddl.js';
export type {
  Dialect,
  SqlDialect,
  DialectSpelling,
  DialectCapabilities,
  TypeSpelling,
  DefaultSpelling,
  VacuumMode,
} from './types.js';

export const DIALECTS: Readonly<Record<Dialect, SqlDialect>> = { redshift: redshiftDialect, postgres: postgresDialect };

/** The dialect of a name; an object is its own dialect. */
export function sqlDialect(dialect: Dialect | SqlDialect): SqlDialect {
  if (typeof dialect !== 'string') return dialect;
  // Own keys only: 'toString' or 'constructor' from plain JavaScript is no dialect.
  if (!Object.hasOwn(DIALECTS, dialect))
    throw new UsageError(`unknown SQL dialect ${JSON.stringify(dialect)}: use 'redshift' or 'postgres'`);
  return DIALECTS[dialect];
}

// Postgres's recognises every server, so it is asked last.
const BY_RECOGNITION = [redshiftDialect, postgresDialect];

/** The dialect a server speaks, from what its `select version()` says. */
export const dialectOfServer = (serverVersion: string): SqlDialect =>
  BY_RECOGNITION.find((d) => d.introspection.recognises(serverVersion))!;

/** The SQL type of a column in a dialect. */
export function sqlType(spec: ColumnSpec, dialect: Dialect | SqlDialect): string {
  return sqlDialect(dialect).sqlType(spec);
}

/** A column's DEFAULT as SQL in a dialect, undefined without one. */
export function defaultSql(spec: ColumnSpec, dialect: Dialect | SqlDialect): string | undefined {
  return sqlDialect(dialect).defaultSql(spec);
}

/** One column's definition in CREATE TABLE or ALTER TABLE ADD COLUMN. */
export function columnSql(name: string, spec: ColumnSpec, dialect: Dialect | SqlDialect): string {
  return sqlDialect(dialect).columnSql(name, spec);
}

/** The statements that create the table (IF NOT EXISTS) and its comments. */
export function createTableStatements(
  table: TableModel,
  dialect: Dialect | SqlDialect,
  opts: { ifNotExists?: boolean | undefined } = {},
): string[] {
  return sqlDialect(dialect).createTableStatements(table, opts);
}

/** CREATE TABLE IF NOT EXISTS (+ comments) as one script. */
export function createTableSql(table: TableModel, dialect: Dialect | SqlDialect = 'redshift'): string {
  return createTableStatements(table, dialect)
    .map((s) => `${s};`)
    .join('\n');
}
