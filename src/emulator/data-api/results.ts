// Result sets as the Data API returns them: ColumnMetadata with Redshift's type names, and each
// value a typed Field (int2/int4/int8 longValue, float4/float8 doubleValue, bool booleanValue,
// varbyte blobValue, the rest stringValue; NULL isNull).
import type pg from 'pg';
import { quoteIdent } from '../sql.js';
import type { FieldDesc } from '../wire.js';

export interface ColumnMetadata {
  name: string;
  label: string;
  typeName: string;
  length: number;
  precision: number;
  scale: number;
  nullable: number;
  isSigned: boolean;
  isCaseSensitive: boolean;
  isCurrency: boolean;
  schemaName: string;
  tableName: string;
  columnDefault?: string;
}

export type Field =
  | { isNull: true }
  | { longValue: bigint }
  | { doubleValue: number }
  | { booleanValue: boolean }
  | { blobValue: string }
  | { stringValue: string };

type Kind = 'long' | 'double' | 'bool' | 'blob' | 'string';

interface TypeInfo {
  name: string;
  kind: Kind;
  precision?: number;
  scale?: number;
  signed?: boolean;
}

/** Backend type oids -> how Redshift names and returns them. */
const TYPES: Record<number, TypeInfo> = {
  16: { name: 'bool', kind: 'bool', precision: 1 },
  17: { name: 'varbyte', kind: 'blob' },
  18: { name: 'char', kind: 'string', precision: 1 },
  19: { name: 'name', kind: 'string', precision: 64 },
  20: { name: 'int8', kind: 'long', precision: 19, signed: true },
  21: { name: 'int2', kind: 'long', precision: 5, signed: true },
  23: { name: 'int4', kind: 'long', precision: 10, signed: true },
  25: { name: 'varchar', kind: 'string', precision: 65535 },
  26: { name: 'oid', kind: 'long', precision: 10 },
  700: { name: 'float4', kind: 'double', precision: 8, scale: 8, signed: true },
  701: { name: 'float8', kind: 'double', precision: 17, scale: 17, signed: true },
  1042: { name: 'bpchar', kind: 'string' },
  1043: { name: 'varchar', kind: 'string' },
  1082: { name: 'date', kind: 'string', precision: 13 },
  1083: { name: 'time', kind: 'string', precision: 15, scale: 6 },
  1114: { name: 'timestamp', kind: 'string', precision: 29, scale: 6 },
  1184: { name: 'timestamptz', kind: 'string', precision: 35, scale: 6 },
  1186: { name: 'interval', kind: 'string', precision: 49, scale: 6 },
  1266: { name: 'timetz', kind: 'string', precision: 21, scale: 6 },
  1700: { name: 'numeric', kind: 'string', signed: true },
};

/** Types the emulator stores as another backend type, by the Redshift type its catalog records. */
const STORED_AS: Record<string, TypeInfo> = {
  super: { name: 'super', kind: 'string', precision: 16000000 },
  geometry: { name: 'geometry', kind: 'string' },
  geography: { name: 'geography', kind: 'string' },
  hllsketch: { name: 'hllsketch', kind: 'string' },
};

/** One result set: its columns' metadata, and how to turn each of its rows into Fields. */
export interface ResultShape {
  columns: ColumnMetadata[];
  kinds: Kind[];
}

interface Origin {
  oid: number;
  attnum: number;
  schema: string;
  table: string;
  notnull: boolean;
  rs_type: string | null;
}

/** Column metadata of a result set, with table, nullability and Redshift type of table columns. */
export async function describeResult(admin: pg.Pool, catalog: string, fields: FieldDesc[]): Promise<ResultShape> {
  const origins = await columnOrigins(admin, catalog, fields);
  const names = await typeNames(admin, fields);
  const infos = fields.map((f) => infoFor(f, origins.get(`${f.tableOid}:${f.column}`), names));
  const columns = fields.map((f, i): ColumnMetadata => {
    const o = origins.get(`${f.tableOid}:${f.column}`);
    const t = infos[i]!;
    const [precision, scale] = precisionOf(f, t);
    return {
      name: f.name,
      label: f.name,
      typeName: t.name,
      length: 0,
      precision,
      scale,
      nullable: o ? (o.notnull ? 0 : 1) : 1,
      isSigned: t.signed ?? false,
      isCaseSensitive: t.kind === 'string' && t.name !== 'date' && !t.name.startsWith('time'),
      isCurrency: false,
      schemaName: o?.schema ?? '',
      tableName: o?.table ?? '',
    };
  });
  return { columns, kinds: infos.map((t) => t.kind) };
}

function infoFor(f: FieldDesc, o: Origin | undefined, names: Map<number, string>): TypeInfo {
  const stored = o?.rs_type ? STORED_AS[o.rs_type.replace(/\(.*$/, '')] : undefined;
  return stored ?? TYPES[f.typeOid] ?? { name: names.get(f.typeOid) ?? 'varchar', kind: 'string' };
}

function precisionOf(f: FieldDesc, t: TypeInfo): [number, number] {
  if (f.typeOid === 1700 && f.typeMod >= 4) return [(f.typeMod - 4) >> 16, (f.typeMod - 4) & 0xffff];
  if ((f.typeOid === 1043 || f.typeOid === 1042) && f.typeMod >= 4) return [f.typeMod - 4, 0];
  if (f.typeOid === 1043 || f.typeOid === 1042) return [65535, 0];
  return [t.precision ?? 0, t.scale ?? 0];
}

async function columnOrigins(admin: pg.Pool, catalog: string, fields: FieldDesc[]): Promise<Map<string, Origin>> {
  const wanted = fields.filter((f) => (f.tableOid ?? 0) > 0);
  const out = new Map<string, Origin>();
  if (wanted.length === 0) return out;
  const r = await admin.query<Origin>(
    `select c.oid::int as oid, a.attnum::int as attnum, n.nspname as schema, c.relname as table, a.attnotnull as notnull,
       col.rs_type
     from unnest($1::oid[], $2::int[]) w(oid, attnum)
     join pg_catalog.pg_class c on c.oid = w.oid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum = w.attnum
     left join ${quoteIdent(catalog)}.columns col on col.relid = c.oid and col.attname = a.attname`,
    [wanted.map((f) => f.tableOid), wanted.map((f) => f.column)],
  );
  for (const o of r.rows) out.set(`${o.oid}:${o.attnum}`, o);
  return out;
}

async function typeNames(admin: pg.Pool, fields: FieldDesc[]): Promise<Map<number, string>> {
  const unknown = [...new Set(fields.map((f) => f.typeOid).filter((oid) => !(oid in TYPES)))];
  if (unknown.length === 0) return new Map();
  const r = await admin.query<{ oid: number; typname: string }>(
    'select oid::int as oid, typname from pg_catalog.pg_type where oid = any($1::oid[])',
    [unknown],
  );
  return new Map(r.rows.map((t) => [t.oid, t.typname]));
}

export function toField(kind: Kind, v: string | null): Field {
  if (v === null) return { isNull: true };
  switch (kind) {
    case 'long':
      return { longValue: BigInt(v) };
    case 'double': {
      const n = Number(v);
      return Number.isFinite(n) ? { doubleValue: n } : { stringValue: v };
    }
    case 'bool':
      return { booleanValue: v === 't' };
    case 'blob':
      return { blobValue: Buffer.from(v.replace(/^\\x/, ''), 'hex').toString('base64') };
    default:
      return { stringValue: v };
  }
}

/** The approximate size in bytes of a row as the Data API returns it (for result paging). */
export const rowBytes = (row: Array<string | null>): number =>
  row.reduce((n, v) => n + 24 + (v === null ? 0 : Buffer.byteLength(v)), 2);

/** A row as CSV (GetStatementResultV2): quoted where needed, NULL as an empty field. */
export function csvRow(row: Array<string | null>): string {
  return row.map((v) => (v === null ? '' : /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}
