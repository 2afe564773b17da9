// Reads live tables, picking the dialect from the server: Redshift's version() says "Redshift".
import { dialectOfServer, type Dialect } from '../../src/dialect/index.js';
import { introspectPostgres } from './postgres.js';
import { introspectRedshift } from './redshift.js';
import type { Introspection, LiveTable, Queryable, TableSelection } from './types.js';

type Introspector = (db: Queryable, selection: TableSelection) => Promise<{ tables: LiveTable[]; warnings: string[] }>;

/** Each dialect's catalog reader: Redshift's system tables, or Postgres's information_schema. */
const INTROSPECTORS: Record<Dialect, Introspector> = { redshift: introspectRedshift, postgres: introspectPostgres };

export async function detectDialect(db: Queryable): Promise<Dialect> {
  const { rows } = await db.query('select version() as version');
  const version = (rows[0] as { version?: unknown } | undefined)?.version;
  return dialectOfServer(typeof version === 'string' ? version : '').name;
}

export async function introspect(db: Queryable, selection: TableSelection, dialect?: Dialect): Promise<Introspection> {
  const d = dialect ?? (await detectDialect(db));
  const { tables, warnings } = await INTROSPECTORS[d](db, selection);
  return { dialect: d, tables, warnings };
}

export * from './types.js';
export { mapCatalogType, parseDefault, mapEncoding } from './map-type.js';
export { buildRedshiftTables, redshiftCatalogQueries, readRedshiftCatalog } from './redshift.js';
export type { RedshiftCatalog, RsColumnRow, RsTableInfoRow, RsClassRow, RsAttributeRow, RsKeyRow } from './redshift.js';
export { introspectPostgres } from './postgres.js';
