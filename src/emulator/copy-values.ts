// One field of a COPY record checked and converted as Redshift loads it into a column type,
// with Redshift's load error codes (stl_load_errors.err_code) when it cannot be loaded.
import type { CopyStatement } from './copy-options.js';
import type { Field } from './copy-read.js';
import { truncateUtf8 } from '../sql/utf8.js';

export interface TargetColumn {
  name: string;
  /** Postgres type name (pg_type.typname). */
  typname: string;
  /** Display type, as format_type() writes it. */
  type: string;
  /** VARCHAR/CHAR length in bytes, NUMERIC precision. */
  length: number;
  scale: number;
  notNull: boolean;
}

export interface LoadProblem {
  code: number;
  reason: string;
  value: string;
}

export type Converted = { value: string | null } | { problem: LoadProblem };

// No 'text': the emulator stores only SUPER / GEOMETRY as text (Redshift's TEXT is VARCHAR(256)).
const CHAR_TYPES = new Set(['varchar', 'bpchar']);
const INT_RANGE: Record<string, [bigint, bigint, string]> = {
  int2: [-32768n, 32767n, 'Short'],
  int4: [-2147483648n, 2147483647n, 'Integer'],
  int8: [-9223372036854775808n, 9223372036854775807n, 'Long'],
};
const TRUE = new Set(['t', 'true', '1', 'y', 'yes']);
const FALSE = new Set(['f', 'false', '0', 'n', 'no']);

/** Redshift's display name of a column type for stl_load_errors.type. */
export function loadErrorType(c: TargetColumn): string {
  if (c.typname === 'bytea') return 'varbyte';
  if (c.typname === 'text') return 'super';
  return c.typname;
}

function formatToRegex(fmt: string): { re: RegExp; keys: string[] } {
  const keys: string[] = [];
  const tokens = /YYYY|YY|MM|MON|DD|HH24|HH12|HH|MI|SS|FF\d?|AM|PM|./g;
  let src = '';
  for (const m of fmt.toUpperCase().matchAll(tokens)) {
    const t = m[0];
    const map: Record<string, string> = {
      YYYY: '(\\d{4})',
      YY: '(\\d{2})',
      MM: '(\\d{1,2})',
      DD: '(\\d{1,2})',
      HH24: '(\\d{1,2})',
      HH12: '(\\d{1,2})',
      HH: '(\\d{1,2})',
      MI: '(\\d{1,2})',
      SS: '(\\d{1,2}(?:\\.\\d+)?)',
      MON: '([A-Za-z]{3})',
      AM: '([AaPp][Mm])',
      PM: '([AaPp][Mm])',
    };
    if (/^FF/.test(t)) {
      keys.push('FF');
      src += '(\\d+)';
      continue;
    }
    if (map[t]) {
      keys.push(t);
      src += map[t];
    } else src += t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return { re: new RegExp(`^${src}$`, 'i'), keys };
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Parses a date/time by an explicit Redshift DATEFORMAT/TIMEFORMAT; ISO text, or undefined. */
function byFormat(v: string, fmt: string, withTime: boolean): string | undefined {
  const { re, keys } = formatToRegex(fmt);
  const m = re.exec(v.trim());
  if (!m) return undefined;
  const p: Record<string, string> = {};
  keys.forEach((k, i) => {
    p[k] = m[i + 1]!;
  });
  const year = p.YYYY ?? (p.YY ? `20${p.YY}` : '1970');
  const month = p.MON ? String(MONTHS.indexOf(p.MON.toUpperCase()) + 1) : (p.MM ?? '1');
  let hour = Number(p.HH24 ?? p.HH12 ?? p.HH ?? 0);
  const ampm = (p.AM ?? p.PM)?.toUpperCase();
  if (ampm === 'PM' && hour < 12) hour += 12;
  if (ampm === 'AM' && hour === 12) hour = 0;
  const date = `${year}-${month.padStart(2, '0')}-${(p.DD ?? '1').padStart(2, '0')}`;
  if (!withTime) return date;
  const sec = p.SS ?? '0';
  const frac = p.FF ? `.${p.FF}` : '';
  return `${date} ${String(hour).padStart(2, '0')}:${(p.MI ?? '0').padStart(2, '0')}:${sec.padStart(2, '0')}${frac}`;
}

function epoch(v: string, unit: number): string | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(v.trim())) return undefined;
  const d = new Date(Number(v) * unit);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('T', ' ').replace('Z', '+00');
}

const ISO_DATE = /^\d{4}-\d{1,2}-\d{1,2}$/;
const DEFAULT_TS = /^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?\s*(Z|[+-]\d{1,2}(:?\d{2})?)?$/i;

function problem(value: string, code: number, reason: string): Converted {
  return { problem: { code, reason, value } };
}

export function convert(field: Field | undefined, col: TargetColumn, st: CopyStatement): Converted {
  const isChar = CHAR_TYPES.has(col.typname);
  let v = field?.v ?? null;
  const quoted = field?.q ?? false;
  if (v !== null && !quoted && st.nullAs !== undefined && v === st.nullAs) v = null;
  else if (v !== null && !quoted && st.nullAs === undefined && st.format === 'text' && v === '\\N') v = null;
  if (v !== null && st.trimBlanks && isChar) v = v.replace(/ +$/, '');
  if (v === '') {
    // A quoted empty field is an empty value for VARBYTE and SUPER / GEOMETRY (stored as text) too.
    const keepsEmpty = isChar || (quoted && (col.typname === 'bytea' || col.typname === 'text'));
    v = keepsEmpty && !st.emptyAsNull ? '' : null;
  }
  if (v !== null && st.blanksAsNull && isChar && v.trim() === '') v = null;
  if (v === null) {
    if (col.notNull) return { problem: { code: 1213, reason: 'Missing data for not-null field', value: '' } };
    return { value: null };
  }
  if (v.includes('\uFFFD')) {
    if (st.acceptInvChars === undefined) {
      return { problem: { code: 1220, reason: 'String contains invalid or unsupported UTF8 codepoints.', value: v } };
    }
    v = v.replace(/\uFFFD/g, st.acceptInvChars);
  }
  switch (col.typname) {
    case 'int2':
    case 'int4':
    case 'int8': {
      const t = v.trim();
      const [lo, hi, name] = INT_RANGE[col.typname]!;
      if (t.length > 0 && t.length < 5 && /^[+-]?\d+$/.test(t)) return { value: t };
      const m = /^[+-]?\d+$/.exec(t);
      if (!m) {
        const pos = [...t].findIndex((ch, i) => !/\d/.test(ch) && !(i === 0 && /[+-]/.test(ch)));
        return problem(v, 1207, `Invalid digit, Value '${t[pos] ?? t}', Pos ${pos}, Type: ${name}`);
      }
      const digits = t.replace(/^[+-]?0*/, '').length;
      const n = digits < String(hi).length ? 0n : BigInt(t);
      if (n < lo || n > hi) return problem(v, 1216, `Overflow, Value '${t}', Type: ${name}`);
      return { value: t };
    }
    case 'numeric': {
      const t = v.trim();
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) {
        const pos = [...t].findIndex((ch) => !/[\d.+-]/.test(ch));
        return problem(v, 1207, `Invalid digit, Value '${t[pos] ?? t}', Pos ${pos}, Type: Decimal`);
      }
      const intDigits = t.replace(/^[+-]/, '').split(/[.eE]/)[0]!.replace(/^0+/, '').length;
      if (!/[eE]/.test(t) && intDigits > col.length - col.scale) {
        return problem(v, 1216, `Numeric data overflow (result precision)`);
      }
      return { value: t };
    }
    case 'float4':
    case 'float8': {
      const t = v.trim();
      if (!/^(nan|[+-]?inf(inity)?|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/i.test(t)) {
        return problem(
          v,
          1207,
          `Invalid digit, Value '${t}', Pos 0, Type: ${col.typname === 'float4' ? 'Float' : 'Double'}`,
        );
      }
      return { value: t };
    }
    case 'bool': {
      const t = v.trim().toLowerCase();
      if (TRUE.has(t)) return { value: 't' };
      if (FALSE.has(t)) return { value: 'f' };
      return problem(v, 1210, `Unknown boolean format`);
    }
    case 'date': {
      // Parquet DATE values arrive as instants at UTC midnight.
      if (st.format === 'parquet' && /^\d{4}-\d{2}-\d{2}T00:00:00(\.0+)?Z$/.test(v)) return { value: v.slice(0, 10) };
      const fmt = st.dateFormat;
      if (fmt === undefined || fmt.toUpperCase() === 'YYYY-MM-DD') {
        if (!ISO_DATE.test(v.trim()))
          return problem(
            v,
            1205,
            v.trim().length < 10
              ? 'Invalid Date Format - length must be 10 or more'
              : 'Invalid date format - Invalid digit encountered',
          );
        return { value: v.trim() };
      }
      if (fmt.toLowerCase() === 'auto') return { value: v.trim() };
      const d = byFormat(v, fmt, false);
      return d ? { value: d } : problem(v, 1205, `Invalid date format - Invalid digit encountered`);
    }
    case 'timestamp':
    case 'timestamptz': {
      const fmt = st.timeFormat;
      const low = fmt?.toLowerCase();
      if (low === 'epochsecs' || low === 'epochmillisecs') {
        const d = epoch(v, low === 'epochsecs' ? 1000 : 1);
        return d
          ? { value: col.typname === 'timestamp' ? d.replace('+00', '') : d }
          : problem(v, 1206, `Invalid timestamp format or value [${fmt}]`);
      }
      if (fmt === undefined || fmt.toUpperCase() === 'YYYY-MM-DD HH:MI:SS') {
        if (!DEFAULT_TS.test(v.trim()) && !ISO_DATE.test(v.trim()))
          return problem(v, 1206, 'Invalid timestamp format or value [YYYY-MM-DD HH24:MI:SS]');
        return { value: stripOffset(v.trim(), col) };
      }
      if (low === 'auto') return { value: stripOffset(v.trim(), col) };
      const d = byFormat(v, fmt, true);
      return d ? { value: d } : problem(v, 1206, `Invalid timestamp format or value [${fmt}]`);
    }
    case 'varchar':
    case 'bpchar': {
      if (col.typname === 'bpchar' && Buffer.byteLength(v, 'utf8') !== v.length) {
        const ch = [...v].find((c) => Buffer.byteLength(c, 'utf8') > 1)!;
        return problem(
          v,
          1220,
          `Multibyte character not supported for CHAR (Hint: try using VARCHAR). Invalid char: ${Buffer.from(ch, 'utf8')
            .toString('hex')
            .replace(/(..)(?!$)/g, '$1 ')}`,
        );
      }
      if (col.length > 0 && Buffer.byteLength(v, 'utf8') > col.length) {
        if (st.truncateColumns) return { value: truncateUtf8(v, col.length) };
        return problem(v, 1204, 'String length exceeds DDL length');
      }
      return { value: v };
    }
    case 'bytea': {
      const t = v.trim();
      if (t === '') return { value: '\\x' };
      if (!/^([0-9a-fA-F]{2})*$/.test(t))
        return problem(v, 1207, `Invalid hexadecimal digit, Value '${t}', Type: VARBYTE`);
      return { value: `\\x${t}` };
    }
    default:
      return { value: v };
  }
}

/** TIMESTAMP (without zone) ignores any offset in the input, as Redshift does. */
function stripOffset(v: string, col: TargetColumn): string {
  if (col.typname !== 'timestamp') return v;
  return v.replace(/\s*(Z|[+-]\d{1,2}(:?\d{2})?)$/i, '');
}
