// Maps a catalog column (information_schema shape, which Postgres and Redshift share) to the
// model's ColumnSpec. Types without an exact model type get a safe fallback and a warning,
// never a silent loss: VARCHAR(MAX) holds the text form of any value.
import { REDSHIFT_LIMITS, type ColumnDefault, type ColumnSpec, type Encoding } from '../../src/model/index.js';

export interface CatalogType {
  /** information_schema.columns.data_type, e.g. 'character varying'. */
  dataType: string;
  charLength?: number | null | undefined;
  numericPrecision?: number | null | undefined;
  numericScale?: number | null | undefined;
  /** information_schema.columns.interval_type (Postgres), e.g. 'YEAR TO MONTH'. */
  intervalType?: string | null | undefined;
  /** The full native type text, for messages and drift reports. */
  nativeType: string;
}

export interface MappedType {
  spec: Pick<ColumnSpec, 'kind' | 'length' | 'precision' | 'scale'>;
  fallback?: string;
}

const FALLBACK: MappedType['spec'] = { kind: 'varchar', length: 'max' };

function fallback(native: string, why: string): MappedType {
  return { spec: FALLBACK, fallback: `${native} ${why}; generated t.varchar('max') (its text form) instead` };
}

const SIMPLE: Record<string, ColumnSpec['kind']> = {
  smallint: 'smallint',
  integer: 'integer',
  bigint: 'bigint',
  real: 'real',
  'double precision': 'double',
  boolean: 'boolean',
  date: 'date',
  'time without time zone': 'time',
  'time with time zone': 'timetz',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  super: 'super',
  jsonb: 'super',
  geometry: 'geometry',
  geography: 'geography',
  hllsketch: 'hllsketch',
  'interval year to month': 'interval_ym',
  'interval day to second': 'interval_ds',
};

export function mapCatalogType(c: CatalogType): MappedType {
  const type = c.dataType.toLowerCase();
  const simple = SIMPLE[type];
  if (simple) return { spec: { kind: simple } };
  switch (type) {
    case 'numeric':
    case 'decimal': {
      const p = c.numericPrecision;
      if (p == null) return fallback(c.nativeType, 'has no precision (unbounded NUMERIC)');
      if (p > REDSHIFT_LIMITS.decimalPrecision)
        return fallback(c.nativeType, `has precision ${p}, beyond DECIMAL's ${REDSHIFT_LIMITS.decimalPrecision}`);
      return { spec: { kind: 'decimal', precision: p, scale: c.numericScale ?? 0 } };
    }
    case 'character':
    case 'char':
    case 'bpchar': {
      const n = c.charLength ?? 1;
      if (n > REDSHIFT_LIMITS.charBytes)
        return fallback(c.nativeType, `is longer than CHAR's ${REDSHIFT_LIMITS.charBytes} bytes`);
      return { spec: { kind: 'char', length: n } };
    }
    case 'character varying':
    case 'varchar': {
      const n = c.charLength;
      if (n == null) return fallback(c.nativeType, 'has no length limit');
      if (n >= REDSHIFT_LIMITS.varcharBytes) {
        if (n === REDSHIFT_LIMITS.varcharBytes) return { spec: { kind: 'varchar', length: 'max' } };
        return fallback(c.nativeType, `is longer than VARCHAR's ${REDSHIFT_LIMITS.varcharBytes} bytes`);
      }
      return { spec: { kind: 'varchar', length: n } };
    }
    case 'binary varying':
    case 'varbyte':
    case 'varbinary': {
      const n = c.charLength ?? REDSHIFT_LIMITS.varbyteDefault;
      return { spec: { kind: 'varbyte', length: n } };
    }
    // Postgres bytea has no length: the model's default VARBYTE size is what it creates on Redshift.
    case 'bytea':
      return { spec: { kind: 'varbyte', length: REDSHIFT_LIMITS.varbyteDefault } };
    case 'json':
      return {
        spec: { kind: 'super' },
        fallback: `${c.nativeType} is read as SUPER (JSONB on Postgres): key order and duplicate keys are not kept`,
      };
    case 'interval': {
      const it = (c.intervalType ?? '').toUpperCase();
      if (it === 'YEAR TO MONTH') return { spec: { kind: 'interval_ym' } };
      if (it.startsWith('DAY TO SECOND')) return { spec: { kind: 'interval_ds' } };
      return fallback(c.nativeType, 'mixes months and seconds (Redshift intervals are YEAR TO MONTH or DAY TO SECOND)');
    }
    case 'text':
      return fallback(c.nativeType, "has no length limit (Redshift's TEXT is VARCHAR(256))");
    default:
      return fallback(c.nativeType, 'has no Redshift equivalent');
  }
}

export type ParsedDefault = { default: ColumnDefault } | { identity: { seed: number; step: number } } | undefined;

// Redshift keeps IDENTITY(seed, step) as a default: "identity"(<oid>, <column index>, '1,1'::text),
// which some versions print as "identity"(<oid>, <column index>, ('1,1'::character varying)::text)
const REDSHIFT_IDENTITY =
  /^"identity"\(\s*\d+\s*,\s*\d+\s*,\s*(?:'(-?\d+)\s*,\s*(-?\d+)'(?:::text)?|\('(-?\d+)\s*,\s*(-?\d+)'::character varying\)::text)\s*\)$/i;
const CAST_LITERAL = /^'((?:[^']|'')*)'::([\w\s]+(?:\(\d+(?:,\d+)?\))?)$/;
const NUMBER = /^\(?(-?\d+(?:\.\d+)?)\)?$/;

function numberValue(text: string, kind: ColumnSpec['kind']): unknown {
  if (!/^-?\d+(\.\d+)?$/.test(text.trim())) return undefined;
  const t = text.trim();
  if (kind === 'decimal') return t;
  if (kind === 'bigint') {
    const b = BigInt(t);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  }
  if (kind === 'smallint' || kind === 'integer' || kind === 'real' || kind === 'double') return Number(t);
  return undefined;
}

/**
 * Reads a catalog default expression back into the model's terms: a plain literal becomes a
 * value (so the model stays portable), anything else stays raw SQL.
 */
export function parseDefault(expr: string | null | undefined, kind: ColumnSpec['kind']): ParsedDefault {
  if (expr == null) return undefined;
  const text = expr.trim();
  const id = REDSHIFT_IDENTITY.exec(text);
  if (id) return { identity: { seed: Number(id[1] ?? id[3]), step: Number(id[2] ?? id[4]) } };
  const numeric = ['smallint', 'integer', 'bigint', 'decimal', 'real', 'double'].includes(kind);
  const num = NUMBER.exec(text);
  if (num && numeric) return { default: { kind: 'value', value: numberValue(num[1]!, kind) } };
  if (kind === 'boolean' && /^(true|false)$/i.test(text))
    return { default: { kind: 'value', value: text.toLowerCase() === 'true' } };
  const lit = CAST_LITERAL.exec(text);
  if (lit) {
    const value = lit[1]!.replace(/''/g, "'");
    if (numeric) {
      const v = numberValue(value, kind);
      if (v !== undefined) return { default: { kind: 'value', value: v } };
    } else if (kind === 'boolean') {
      if (/^(true|false|t|f)$/i.test(value)) return { default: { kind: 'value', value: /^t/i.test(value) } };
    } else if (kind === 'super') {
      try {
        return { default: { kind: 'value', value: JSON.parse(value) } };
      } catch {
        /* not JSON: keep as SQL */
      }
    } else if (kind !== 'varbyte') {
      return { default: { kind: 'value', value } };
    }
  }
  return { default: { kind: 'sql', sql: text } };
}

const ENCODINGS = new Set<Encoding>([
  'auto',
  'raw',
  'az64',
  'bytedict',
  'delta',
  'delta32k',
  'lzo',
  'mostly8',
  'mostly16',
  'mostly32',
  'runlength',
  'text255',
  'text32k',
  'zstd',
]);

/** format_encoding() output -> the model's Encoding ('none' is Redshift's name for RAW). */
export function mapEncoding(text: string | null | undefined): Encoding | undefined {
  if (!text) return undefined;
  const e = text.trim().toLowerCase();
  if (e === 'none') return 'raw';
  return ENCODINGS.has(e as Encoding) ? (e as Encoding) : undefined;
}
