// Redshift introspection. Redshift's catalog is split: svv_columns / svv_table_info run on the
// compute nodes, pg_class / pg_attribute on the leader, and a query that mixes the two can fail
// ("... is only supported on the leader node"). So each source is its own query and the rows
// are joined here, in buildRedshiftTables, which tests feed with recorded catalog rows.
import type { ColumnSpec } from '../../src/model/index.js';
import { redshiftLiteral } from '../../src/sql/literals.js';
import { mapCatalogType, mapEncoding, parseDefault } from './map-type.js';
import { cmp } from './postgres.js';
import {
  tableMatcher,
  type InfoSchemaColumnRow,
  type LiveColumn,
  type LiveForeignKey,
  type LiveKey,
  type LiveReference,
  type LiveTable,
  type LiveTableOptions,
  type Queryable,
  type TableSelection,
} from './types.js';

/** A row of svv_columns (the columns upshift reads). */
export interface RsColumnRow extends InfoSchemaColumnRow {
  remarks: string | null;
}
/** A row of svv_table_info. It has no rows for empty tables, hence pg_class below. */
export interface RsTableInfoRow {
  schema: string;
  table: string;
  /** 'EVEN' | 'ALL' | 'KEY(col)' | 'AUTO(ALL)' | 'AUTO(EVEN)' | 'AUTO(KEY(col))' */
  diststyle: string | null;
  /** First sort key column, 'INTERLEAVED', or 'AUTO(SORTKEY)' / 'AUTO(SORTKEY(col))'. */
  sortkey1: string | null;
  /** 'Y' | 'N' | 'Y, AUTO(ENCODE)' | 'N, AUTO(ENCODE)' */
  encoded: string | null;
}
/** pg_class (leader): reldiststyle 0 EVEN, 1 KEY, 8 ALL, 10 AUTO(ALL), 11 AUTO(EVEN), 12 AUTO(KEY). */
export interface RsClassRow {
  schema: string;
  table: string;
  reldiststyle: number;
  table_comment: string | null;
}
/** pg_attribute (leader) with format_encoding(attencodingtype). */
export interface RsAttributeRow {
  schema: string;
  table: string;
  attname: string;
  attisdistkey: boolean;
  /** 0: not in the sort key; n: position n; negative values: interleaved. */
  attsortkeyord: number;
  encoding: string | null;
}
export interface RsKeyRow {
  table_schema: string;
  table_name: string;
  column_name: string;
  ordinal_position: number;
}
/** pg_constraint (leader): a PRIMARY KEY ('p'), UNIQUE ('u') or FOREIGN KEY ('f') with its table and, for a key, the referenced one. */
export interface RsConstraintRow {
  conname: string;
  contype: 'p' | 'u' | 'f';
  table_schema: string;
  table_name: string;
  conrelid: number | string;
  /** Column numbers: an int2 array ('{1,2}' as text, or already parsed). */
  conkey: unknown;
  ref_schema: string | null;
  ref_table: string | null;
  confrelid: number | string | null;
  confkey: unknown;
}
/** pg_attribute numbers of the tables those constraints name, to turn conkey / confkey into column names. */
export interface RsConstraintColumnRow {
  attrelid: number | string;
  attnum: number;
  attname: string;
}
export interface RedshiftCatalog {
  columns: RsColumnRow[];
  tableInfo: RsTableInfoRow[];
  classes: RsClassRow[];
  attributes: RsAttributeRow[];
  primaryKeys: RsKeyRow[];
  /** Optional, so catalogs recorded before constraints were read still build. */
  constraints?: RsConstraintRow[];
  constraintColumns?: RsConstraintColumnRow[];
}

const inList = (schemas: readonly string[]) => schemas.map(redshiftLiteral).join(', ');

/** The catalog queries (Redshift has no array parameters, so schemas are inlined as literals). */
export function redshiftCatalogQueries(schemas: readonly string[]): Record<keyof RedshiftCatalog, string> {
  const list = inList(schemas);
  // The keys of the selected schemas' tables and the keys that reference them from anywhere.
  const constraintsFrom = `pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
      left join pg_class fc on fc.oid = con.confrelid left join pg_namespace fn on fn.oid = fc.relnamespace
      where con.contype in ('p', 'u', 'f') and (n.nspname in (${list}) or fn.nspname in (${list}))`;
  return {
    columns: `select c.table_schema, c.table_name, c.column_name, c.ordinal_position, c.data_type,
        c.character_maximum_length, c.numeric_precision, c.numeric_scale, c.is_nullable, c.column_default, c.remarks
      from svv_columns c join svv_tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where t.table_type = 'BASE TABLE' and c.table_schema in (${list})
      order by c.table_schema, c.table_name, c.ordinal_position`,
    tableInfo: `select "schema", "table", diststyle, sortkey1, encoded from svv_table_info where "schema" in (${list})`,
    classes: `select n.nspname as schema, c.relname as "table", c.reldiststyle, obj_description(c.oid, 'pg_class') as table_comment
      from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and n.nspname in (${list})`,
    attributes: `select n.nspname as schema, c.relname as "table", a.attname, a.attisdistkey, a.attsortkeyord,
        format_encoding(a.attencodingtype::integer) as encoding
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and a.attnum > 0 and not a.attisdropped and n.nspname in (${list})`,
    primaryKeys: `select k.table_schema, k.table_name, k.column_name, k.ordinal_position
      from information_schema.table_constraints tc
      join information_schema.key_column_usage k on k.constraint_schema = tc.constraint_schema
       and k.constraint_name = tc.constraint_name and k.table_name = tc.table_name
      where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema in (${list})
      order by k.table_schema, k.table_name, k.ordinal_position`,
    constraints: `select con.conname, con.contype, n.nspname as table_schema, c.relname as table_name, con.conrelid, con.conkey,
        fn.nspname as ref_schema, fc.relname as ref_table, con.confrelid, con.confkey
      from ${constraintsFrom}`,
    constraintColumns: `select a.attrelid, a.attnum, a.attname from pg_attribute a
      where a.attnum > 0 and (a.attrelid in (select con.conrelid from ${constraintsFrom})
        or a.attrelid in (select con.confrelid from ${constraintsFrom}))`,
  };
}

export async function readRedshiftCatalog(db: Queryable, schemas: readonly string[]): Promise<RedshiftCatalog> {
  const q = redshiftCatalogQueries(schemas);
  // One at a time: Redshift queues concurrent queries of one session anyway.
  const out = {} as RedshiftCatalog;
  for (const key of Object.keys(q) as (keyof RedshiftCatalog)[]) {
    out[key] = (await db.query(q[key])).rows as never;
  }
  return out;
}

function nativeType(r: RsColumnRow): string {
  if (r.data_type === 'numeric' && r.numeric_precision != null)
    return `numeric(${r.numeric_precision},${r.numeric_scale ?? 0})`;
  if (r.character_maximum_length != null && /char|varying|varbyte/.test(r.data_type))
    return `${r.data_type}(${r.character_maximum_length})`;
  return r.data_type;
}

const RELDISTSTYLE: Record<number, string> = {
  0: 'EVEN',
  1: 'KEY',
  8: 'ALL',
  10: 'AUTO(ALL)',
  11: 'AUTO(EVEN)',
  12: 'AUTO(KEY)',
};

function distribution(
  info: RsTableInfoRow | undefined,
  cls: RsClassRow | undefined,
  attrs: RsAttributeRow[],
): Pick<LiveTableOptions, 'distStyle' | 'distKey'> {
  const style = (info?.diststyle ?? (cls ? RELDISTSTYLE[Number(cls.reldiststyle)] : undefined) ?? '').toUpperCase();
  if (!style) return {};
  if (style.startsWith('AUTO')) return { distStyle: 'auto' };
  if (style.startsWith('KEY')) {
    const key = attrs.find((a) => a.attisdistkey)?.attname;
    return key ? { distStyle: 'key', distKey: key } : {};
  }
  if (style === 'ALL') return { distStyle: 'all' };
  if (style === 'EVEN') return { distStyle: 'even' };
  return {};
}

function sortKey(info: RsTableInfoRow | undefined, attrs: RsAttributeRow[]): LiveTableOptions['sortKey'] {
  if (info?.sortkey1 && /^AUTO\(SORTKEY/i.test(info.sortkey1.trim())) return 'auto';
  const keyed = attrs.filter((a) => Number(a.attsortkeyord) !== 0);
  if (keyed.length === 0) return undefined;
  const interleaved =
    keyed.some((a) => Number(a.attsortkeyord) < 0) || info?.sortkey1?.trim().toUpperCase() === 'INTERLEAVED';
  const columns = keyed
    .sort((a, b) => Math.abs(Number(a.attsortkeyord)) - Math.abs(Number(b.attsortkeyord)))
    .map((a) => a.attname);
  return { style: interleaved ? 'interleaved' : 'compound', columns };
}

/** An int2 array as a driver returns it: parsed, '{1,2}' (int2[] as text) or '1 2' (int2vector). */
export function attnums(v: unknown): number[] {
  if (Array.isArray(v)) return v.map(Number);
  if (typeof v !== 'string') return [];
  return v
    .replace(/[{}]/g, '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
}

type TableKeys = Pick<LiveTableOptions, 'primaryKeyName' | 'uniques' | 'foreignKeys' | 'referencedBy'>;

/** Each table's named keys: its primary key's name, UNIQUE constraints, FOREIGN KEYs and those referencing it. */
function constraintsByTable(cat: RedshiftCatalog): Map<string, TableKeys> {
  const names = new Map((cat.constraintColumns ?? []).map((a) => [`${a.attrelid}:${a.attnum}`, a.attname]));
  const columns = (rel: RsConstraintRow['conrelid' | 'confrelid'], key: unknown) =>
    attnums(key).map((n) => names.get(`${rel}:${n}`) ?? `#${n}`);
  const out = new Map<
    string,
    { primaryKeyName?: string; uniques: LiveKey[]; foreignKeys: LiveForeignKey[]; referencedBy: LiveReference[] }
  >();
  const of = (k: string) => out.get(k) ?? out.set(k, { uniques: [], foreignKeys: [], referencedBy: [] }).get(k)!;
  const byName = (a: LiveKey, b: LiveKey) => cmp(a.name, b.name);
  for (const r of cat.constraints ?? []) {
    const own = of(`${r.table_schema}.${r.table_name}`);
    const cols = columns(r.conrelid, r.conkey);
    if (r.contype === 'p') own.primaryKeyName = r.conname;
    else if (r.contype === 'u') own.uniques.push({ name: r.conname, columns: cols });
    else if (r.ref_schema != null && r.ref_table != null) {
      const fk: LiveForeignKey = {
        name: r.conname,
        columns: cols,
        references: { schema: r.ref_schema, table: r.ref_table, columns: columns(r.confrelid, r.confkey) },
      };
      own.foreignKeys.push(fk);
      // a self-reference is the table's own key: a copy re-creates it with the others
      if (`${r.ref_schema}.${r.ref_table}` !== `${r.table_schema}.${r.table_name}`) {
        of(`${r.ref_schema}.${r.ref_table}`).referencedBy.push({ ...fk, schema: r.table_schema, table: r.table_name });
      }
    }
  }
  for (const k of out.values()) [k.uniques, k.foreignKeys, k.referencedBy].forEach((l) => l.sort(byName));
  return out;
}

/** The catalog rows of each table, keyed by `schema.table`. */
interface CatalogIndex {
  infos: Map<string, RsTableInfoRow>;
  classes: Map<string, RsClassRow>;
  attrs: Map<string, RsAttributeRow[]>;
  keys: Map<string, TableKeys>;
  pks: Map<string, RsKeyRow[]>;
}

const tableKey = (schema: string, table: string) => `${schema}.${table}`;

function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
  return m;
}

/** Joins the catalog rows into LiveTables. Pure, so recorded catalog rows test it. */
export function buildRedshiftTables(
  cat: RedshiftCatalog,
  selection: TableSelection,
): { tables: LiveTable[]; warnings: string[] } {
  const matches = tableMatcher(selection.tables);
  const schemas = new Set(selection.schemas);
  const cols = groupBy(
    cat.columns.filter((c) => schemas.has(c.table_schema) && matches(c.table_name)),
    (c) => tableKey(c.table_schema, c.table_name),
  );
  const index = indexCatalog(cat);
  const warnings: string[] = [];
  const tables = [...cols].map(([k, rows]) => redshiftTable(k, rows, index, warnings));
  tables.sort((a, b) => (a.schema === b.schema ? cmp(a.name, b.name) : cmp(a.schema, b.schema)));
  return { tables, warnings };
}

function indexCatalog(cat: RedshiftCatalog): CatalogIndex {
  return {
    infos: new Map(cat.tableInfo.map((i) => [tableKey(i.schema, i.table), i])),
    classes: new Map(cat.classes.map((c) => [tableKey(c.schema, c.table), c])),
    attrs: groupBy(cat.attributes, (a) => tableKey(a.schema, a.table)),
    keys: constraintsByTable(cat),
    pks: groupBy(
      [...cat.primaryKeys].sort((a, b) => a.ordinal_position - b.ordinal_position),
      (k) => tableKey(k.table_schema, k.table_name),
    ),
  };
}

function redshiftTable(k: string, rows: RsColumnRow[], index: CatalogIndex, warnings: string[]): LiveTable {
  rows.sort((a, b) => a.ordinal_position - b.ordinal_position);
  const info = index.infos.get(k);
  const tableAttrs = index.attrs.get(k) ?? [];
  const autoEncoding = /AUTO\(ENCODE\)/i.test(info?.encoded ?? '');
  const encodings = autoEncoding ? undefined : tableAttrs;
  const columns = rows.map((r) => redshiftColumn(r, encodings, `${k}.${r.column_name}`, warnings));
  const cls = index.classes.get(k);
  const sk = sortKey(info, tableAttrs);
  const named = index.keys.get(k);
  return {
    schema: rows[0]!.table_schema,
    name: rows[0]!.table_name,
    dialect: 'redshift',
    columns,
    options: {
      primaryKey: (index.pks.get(k) ?? []).map((p) => p.column_name),
      ...(named?.primaryKeyName !== undefined ? { primaryKeyName: named.primaryKeyName } : {}),
      ...(named?.uniques?.length ? { uniques: named.uniques } : {}),
      ...(named?.foreignKeys?.length ? { foreignKeys: named.foreignKeys } : {}),
      ...(named?.referencedBy?.length ? { referencedBy: named.referencedBy } : {}),
      ...distribution(info, cls, tableAttrs),
      ...(sk ? { sortKey: sk } : {}),
      ...(cls?.table_comment != null ? { comment: cls.table_comment } : {}),
      ...(autoEncoding ? { autoEncoding } : {}),
    },
  };
}

/**
 * One column; `where` (schema.table.column) names it in the warnings. `encodings` is the table's
 * attribute rows, or undefined when Redshift chooses the encodings (AUTO): then none is pinned.
 */
function redshiftColumn(
  r: RsColumnRow,
  encodings: RsAttributeRow[] | undefined,
  where: string,
  warnings: string[],
): LiveColumn {
  const native = nativeType(r);
  const mapped = mapCatalogType({
    dataType: r.data_type,
    charLength: r.character_maximum_length,
    numericPrecision: r.numeric_precision,
    numericScale: r.numeric_scale,
    nativeType: native,
  });
  let spec: ColumnSpec = { ...mapped.spec, notNull: r.is_nullable === 'NO' };
  const parsed = parseDefault(r.column_default, spec.kind);
  if (parsed && 'identity' in parsed) spec = { ...spec, identity: parsed.identity };
  else if (parsed) spec = { ...spec, default: parsed.default };
  const encode = encodings && mapEncoding(encodings.find((a) => a.attname === r.column_name)?.encoding);
  if (encode) spec = { ...spec, encode };
  if (r.remarks != null && r.remarks !== '') spec = { ...spec, comment: r.remarks };
  if (mapped.fallback) warnings.push(`${where}: ${mapped.fallback}`);
  return { name: r.column_name, spec, nativeType: native, ...(mapped.fallback ? { fallback: mapped.fallback } : {}) };
}

export async function introspectRedshift(db: Queryable, selection: TableSelection) {
  return buildRedshiftTables(await readRedshiftCatalog(db, selection.schemas), selection);
}
