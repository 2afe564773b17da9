// Postgres introspection: information_schema for columns and keys (portable, typed facts),
// pg_catalog for what information_schema lacks (comments).
import type { ColumnSpec } from '../../src/model/index.js';
import { mapCatalogType, parseDefault } from './map-type.js';
import {
  tableMatcher,
  type InfoSchemaColumnRow,
  type LiveColumn,
  type LiveTable,
  type Queryable,
  type TableSelection,
} from './types.js';

const COLUMNS_SQL = `
select c.table_schema, c.table_name, c.column_name, c.ordinal_position::int as ordinal_position,
       c.data_type, c.character_maximum_length::int as character_maximum_length,
       c.numeric_precision::int as numeric_precision, c.numeric_scale::int as numeric_scale,
       c.interval_type, c.is_nullable, c.column_default, c.is_identity,
       c.identity_start, c.identity_increment, a.attidentity,
       format_type(a.atttypid, a.atttypmod) as native_type,
       col_description(a.attrelid, a.attnum) as column_comment,
       obj_description(a.attrelid, 'pg_class') as table_comment
from information_schema.columns c
join information_schema.tables tb
  on tb.table_schema = c.table_schema and tb.table_name = c.table_name and tb.table_type = 'BASE TABLE'
join pg_catalog.pg_namespace n on n.nspname = c.table_schema
join pg_catalog.pg_class r on r.relnamespace = n.oid and r.relname = c.table_name
join pg_catalog.pg_attribute a on a.attrelid = r.oid and a.attname = c.column_name
where c.table_schema = any($1::text[])
order by c.table_schema, c.table_name, c.ordinal_position`;

const PRIMARY_KEYS_SQL = `
select k.table_schema, k.table_name, k.column_name, k.ordinal_position::int as ordinal_position, tc.constraint_name
from information_schema.table_constraints tc
join information_schema.key_column_usage k
  on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name
 and k.table_schema = tc.table_schema and k.table_name = tc.table_name
where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema = any($1::text[])
order by k.table_schema, k.table_name, k.ordinal_position`;

interface PgColumnRow extends InfoSchemaColumnRow {
  interval_type: string | null;
  is_identity: 'YES' | 'NO';
  identity_start: string | null;
  identity_increment: string | null;
  attidentity: string;
  native_type: string;
  column_comment: string | null;
  table_comment: string | null;
}

interface PgKeyRow {
  table_schema: string;
  table_name: string;
  column_name: string;
  constraint_name: string;
}

export async function introspectPostgres(
  db: Queryable,
  selection: TableSelection,
): Promise<{ tables: LiveTable[]; warnings: string[] }> {
  const schemas = [...selection.schemas];
  const [cols, keys] = await Promise.all([db.query(COLUMNS_SQL, [schemas]), db.query(PRIMARY_KEYS_SQL, [schemas])]);
  const byTable = rowsByTable(cols.rows as PgColumnRow[], tableMatcher(selection.tables));
  const pks = primaryKeys(keys.rows as PgKeyRow[]);
  const warnings: string[] = [];
  const tables = [...byTable].map(([key, rows]) => pgTable(key, rows, pks, warnings));
  tables.sort((a, b) => (a.schema === b.schema ? cmp(a.name, b.name) : cmp(a.schema, b.schema)));
  return { tables, warnings };
}

/** The selected tables' column rows, keyed by `schema.table`, in catalog order. */
function rowsByTable(rows: PgColumnRow[], matches: (table: string) => boolean): Map<string, PgColumnRow[]> {
  const byTable = new Map<string, PgColumnRow[]>();
  for (const row of rows) {
    if (!matches(row.table_name)) continue;
    const key = `${row.table_schema}.${row.table_name}`;
    let list = byTable.get(key);
    if (!list) byTable.set(key, (list = []));
    list.push(row);
  }
  return byTable;
}

interface PrimaryKeys {
  columns: Map<string, string[]>;
  names: Map<string, string>;
}

function primaryKeys(rows: PgKeyRow[]): PrimaryKeys {
  const pks: PrimaryKeys = { columns: new Map(), names: new Map() };
  for (const k of rows) {
    const key = `${k.table_schema}.${k.table_name}`;
    pks.columns.set(key, [...(pks.columns.get(key) ?? []), k.column_name]);
    pks.names.set(key, k.constraint_name);
  }
  return pks;
}

function pgTable(key: string, rows: PgColumnRow[], pks: PrimaryKeys, warnings: string[]): LiveTable {
  const first = rows[0]!;
  return {
    schema: first.table_schema,
    name: first.table_name,
    dialect: 'postgres',
    columns: rows.map((r) => pgColumn(r, `${key}.${r.column_name}`, warnings)),
    options: {
      primaryKey: pks.columns.get(key) ?? [],
      ...(pks.names.has(key) ? { primaryKeyName: pks.names.get(key)! } : {}),
      ...(first.table_comment != null ? { comment: first.table_comment } : {}),
    },
  };
}

/** One column; `where` (schema.table.column) names it in the warnings. */
function pgColumn(r: PgColumnRow, where: string, warnings: string[]): LiveColumn {
  const mapped = mapCatalogType({
    dataType: r.data_type === 'USER-DEFINED' || r.data_type === 'ARRAY' ? r.native_type : r.data_type,
    charLength: r.character_maximum_length,
    numericPrecision: r.numeric_precision,
    numericScale: r.numeric_scale,
    intervalType: r.interval_type,
    nativeType: r.native_type,
  });
  const spec = columnSpec(r, mapped.spec);
  if (mapped.fallback) warnings.push(`${where}: ${mapped.fallback}`);
  if (spec.default?.kind === 'sql' && /\bnextval\(/i.test(spec.default.sql)) {
    warnings.push(
      `${where}: default ${spec.default.sql} uses a sequence, which Redshift does not have; consider .identity()`,
    );
  }
  return {
    name: r.column_name,
    spec,
    nativeType: r.native_type,
    ...(mapped.fallback ? { fallback: mapped.fallback } : {}),
    ...(r.column_default != null && r.is_identity !== 'YES' ? { defaultSql: r.column_default } : {}),
    ...(r.attidentity === 'a'
      ? { identityKind: 'always' as const }
      : r.attidentity === 'd'
        ? { identityKind: 'by default' as const }
        : {}),
  };
}

/** The mapped type with the column's nullability, identity or default, and comment. */
function columnSpec(r: PgColumnRow, mapped: ReturnType<typeof mapCatalogType>['spec']): ColumnSpec {
  let spec: ColumnSpec = { ...mapped, notNull: r.is_nullable === 'NO' };
  if (r.is_identity === 'YES') {
    spec = { ...spec, identity: { seed: Number(r.identity_start ?? 1), step: Number(r.identity_increment ?? 1) } };
  } else {
    const parsed = parseDefault(r.column_default, spec.kind);
    if (parsed && 'identity' in parsed) spec = { ...spec, identity: parsed.identity };
    else if (parsed) spec = { ...spec, default: parsed.default };
  }
  if (r.column_comment != null) spec = { ...spec, comment: r.column_comment };
  return spec;
}

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
