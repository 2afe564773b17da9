// Reads live tables, picking the dialect from the server: Redshift's version() says "Redshift".
import type { Dialect } from '../../src/model/index.js';
import { introspectPostgres } from './postgres.js';
import { introspectRedshift } from './redshift.js';
import type { Introspection, Queryable, TableSelection } from './types.js';

export async function detectDialect(db: Queryable): Promise<Dialect> {
  const { rows } = await db.query('select version() as version');
  return /redshift/i.test(String(rows[0]?.version ?? '')) ? 'redshift' : 'postgres';
}

export async function introspect(db: Queryable, selection: TableSelection, dialect?: Dialect): Promise<Introspection> {
  const d = dialect ?? (await detectDialect(db));
  const { tables, warnings } =
    d === 'redshift' ? await introspectRedshift(db, selection) : await introspectPostgres(db, selection);
  return { dialect: d, tables, warnings };
}

export * from './types.js';
export { mapCatalogType, parseDefault, mapEncoding } from './map-type.js';
export { buildRedshiftTables, redshiftCatalogQueries, readRedshiftCatalog } from './redshift.js';
export type { RedshiftCatalog, RsColumnRow, RsTableInfoRow, RsClassRow, RsAttributeRow, RsKeyRow } from './redshift.js';
export { introspectPostgres } from './postgres.js';
