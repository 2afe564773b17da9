// Writing table properties into the emulator's catalog.
import type { Backend } from './backend.js';
import { CATALOG_ATTS, CATALOG_PARENT, CATALOG_REL, CATALOG_TYPES } from './catalog.js';
import type { EmulatorContext } from './context.js';
import { BackendError } from './errors.js';
import { quoteLiteral } from './sql.js';

/**
 * Records table properties in the catalog. The table's oid and columns are read in the client's
 * session (the DDL may be uncommitted); the catalog is written on an autocommit connection, so
 * catalog rows never make unrelated sessions' serializable transactions conflict. A rolled-back
 * CREATE leaves rows keyed by an oid no table has: the views join on pg_class and never show them.
 */
export async function writeCatalog(
  backend: Backend,
  ctx: EmulatorContext,
  statements: string[],
  table: string,
  parent?: string,
): Promise<void> {
  if (!statements.length) return;
  const t = quoteLiteral(table);
  const r = await backend.query(`select ${t}::regclass::oid,
    (select coalesce(string_agg(quote_literal(a.attname), ',' order by a.attnum), '') from pg_attribute a
      where a.attrelid = ${t}::regclass and a.attnum > 0 and not a.attisdropped),
    (select coalesce(string_agg(quote_literal(y.typname), ',' order by a.attnum), '') from pg_attribute a join pg_type y on y.oid = a.atttypid
      where a.attrelid = ${t}::regclass and a.attnum > 0 and not a.attisdropped)
    ${parent ? `, ${quoteLiteral(parent)}::regclass::oid` : ''}`);
  if (r.error) throw new BackendError(r.error);
  const [oid, atts, types, parentOid] = r.rows[0]!;
  const sql = statements.map((s) =>
    s
      .split(CATALOG_REL)
      .join(`${oid}::oid`)
      .split(CATALOG_ATTS)
      .join(`array[${atts}]::name[]`)
      .split(CATALOG_TYPES)
      .join(`array[${types}]::text[]`)
      .split(CATALOG_PARENT)
      .join(`${parentOid ?? 0}::oid`),
  );
  const client = await ctx.admin.connect();
  try {
    await client.query('begin');
    for (const s of sql) await client.query(s);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
