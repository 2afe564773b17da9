// Redshift column types mapped onto Postgres types, with what Postgres cannot check by itself
// (VARCHAR lengths in UTF-8 bytes, single-byte CHAR) turned into check constraints.
import { RedshiftError } from './errors.js';

export interface MappedType {
  /** The Postgres type to create. */
  pg: string;
  /** How Redshift displays the type, when Postgres would display it differently. */
  display?: string;
  /** A column check constraint expression template ($col stands for the quoted column). */
  check?: { name: string; expr: string };
  /** Redshift's default (ENCODE AUTO) encoding for the type. */
  defaultEncoding: string;
}

const ALLOWED_SIMPLE: Record<string, [string, string]> = {
  smallint: ['smallint', 'az64'],
  int2: ['smallint', 'az64'],
  integer: ['integer', 'az64'],
  int: ['integer', 'az64'],
  int4: ['integer', 'az64'],
  bigint: ['bigint', 'az64'],
  int8: ['bigint', 'az64'],
  real: ['real', 'none'],
  float4: ['real', 'none'],
  'double precision': ['double precision', 'none'],
  float8: ['double precision', 'none'],
  float: ['double precision', 'none'],
  boolean: ['boolean', 'none'],
  bool: ['boolean', 'none'],
  date: ['date', 'az64'],
  timestamp: ['timestamp', 'az64'],
  'timestamp without time zone': ['timestamp', 'az64'],
  timestamptz: ['timestamptz', 'az64'],
  'timestamp with time zone': ['timestamptz', 'az64'],
  time: ['time', 'az64'],
  'time without time zone': ['time', 'az64'],
  timetz: ['timetz', 'az64'],
  'time with time zone': ['timetz', 'az64'],
  'interval year to month': ['interval year to month', 'az64'],
  'interval day to second': ['interval day to second', 'az64'],
  'interval year': ['interval year', 'az64'],
  'interval month': ['interval month', 'az64'],
  'interval day': ['interval day', 'az64'],
  'interval hour': ['interval hour', 'az64'],
  'interval minute': ['interval minute', 'az64'],
  'interval second': ['interval second', 'az64'],
  'interval day to hour': ['interval day to hour', 'az64'],
  'interval day to minute': ['interval day to minute', 'az64'],
  'interval hour to minute': ['interval hour to minute', 'az64'],
  'interval hour to second': ['interval hour to second', 'az64'],
  'interval minute to second': ['interval minute to second', 'az64'],
};

/**
 * Maps a Redshift type, written as normalized text ("varchar(max)", "numeric(10,2)"), for column
 * `col` of `table`. Throws Redshift's error for types Redshift does not have.
 */
export function mapType(typeText: string, table: string, col: string): MappedType {
  const t = typeText
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim();
  const simple = ALLOWED_SIMPLE[t];
  if (simple) return { pg: simple[0], defaultEncoding: simple[1] };
  let m = /^(varchar|character varying|nvarchar|text)(?:\((\d+|max)\))?$/.exec(t);
  if (m) {
    const n = m[2] === 'max' ? 65535 : m[2] ? Number(m[2]) : 256;
    if (n > 65535 || n < 1) throw new RedshiftError(`length for type varchar cannot exceed 65535`, '42601');
    return {
      pg: `varchar(${n})`,
      defaultEncoding: 'lzo',
      check: { name: `rs_bytes_${n}`, expr: `octet_length($col) <= ${n}` },
    };
  }
  m = /^(char|character|nchar|bpchar)(?:\((\d+)\))?$/.exec(t);
  if (m) {
    const n = m[2] ? Number(m[2]) : m[1] === 'bpchar' ? 256 : 1;
    if (n > 4096 || n < 1) throw new RedshiftError(`length for type bpchar cannot exceed 4096`, '42601');
    return {
      pg: `char(${n})`,
      defaultEncoding: 'lzo',
      check: { name: `rs_char_${n}`, expr: `octet_length($col::text) = length($col::text)` },
    };
  }
  m = /^(numeric|decimal)(?:\((\d+)(?:,(\d+))?\))?$/.exec(t);
  if (m) {
    const p = m[2] ? Number(m[2]) : 18;
    const s = m[3] ? Number(m[3]) : 0;
    if (p > 38) throw new RedshiftError(`NUMERIC precision ${p} must be between 1 and 38`, '22023');
    return { pg: `numeric(${p},${s})`, defaultEncoding: 'az64' };
  }
  m = /^(varbyte|varbinary|binary varying)(?:\((\d+)\))?$/.exec(t);
  if (m) {
    const n = m[2] ? Number(m[2]) : 64000;
    return {
      pg: 'bytea',
      display: `varbyte(${n})`,
      defaultEncoding: 'zstd',
      check: { name: `rs_varbyte_${n}`, expr: `octet_length($col) <= ${n}` },
    };
  }
  if (t === 'super') return { pg: 'text', display: 'super', defaultEncoding: 'zstd' };
  if (t === 'geometry' || t === 'geography' || t === 'hllsketch')
    return { pg: 'text', display: t, defaultEncoding: 'none' };
  throw new RedshiftError(`Column "${table}.${col}" has unsupported type "${t}".`, '0A000');
}

/** The Redshift error for a value that breaks one of the checks above, from the constraint name. */
export function checkViolation(constraint: string): { code: string; message: string } | undefined {
  let m = /^rs_bytes_(\d+)_/.exec(constraint);
  if (m) return { code: '22001', message: `value too long for type character varying(${m[1]})` };
  m = /^rs_char_(\d+)_/.exec(constraint);
  if (m) return { code: 'XX000', message: 'Multibyte character not supported for CHAR (Hint: try using VARCHAR).' };
  m = /^rs_varbyte_(\d+)_/.exec(constraint);
  if (m) return { code: '22001', message: `value too long for type varbyte(${m[1]})` };
  return undefined;
}
