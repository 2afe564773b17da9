// Runtime validation of values before anything is staged, built on zod: one check per column
// kind, with the zod schema of record beside it. A value that passes comes out normalized into
// exactly the form the stage encoder writes (see NormalizedValue); one that fails names the rule
// it broke. row-validator.ts puts the columns of a model together into a row validator.
import type { z } from 'zod';
import { requireHere } from '../lazy.js';
import { REDSHIFT_LIMITS, byteLimit, type ColumnSpec } from './columns.js';
import type { TableModel } from './table.js';
import { superJson } from './super-json.js';
import { normalizeDate, normalizeTime, normalizeTimestamp, timestampText, type Parsed } from './temporal.js';

/**
 * The normalized form of one value, per column kind:
 * smallint/integer/double: number; real: number, rounded to the nearest float4; bigint: bigint; decimal: canonical decimal string;
 * boolean: boolean; char/varchar/geometry/geography/hllsketch/intervals: string;
 * date 'YYYY-MM-DD'; time 'HH:MM:SS.ffffff'; timetz 'HH:MM:SS.ffffff+HH:MM';
 * timestamp 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC wall time); timestamptz the same, in UTC;
 * super: JSON text; varbyte: Uint8Array; NULL: null.
 */
export type NormalizedValue = null | string | number | bigint | boolean | Uint8Array;

/** The outcome of checking one value: its normalized form, or the rule it broke and why. */
export type ValueCheck = Parsed<NormalizedValue>;
type Check = ValueCheck;
const ok = (value: NormalizedValue): Check => ({ ok: true, value });
const fail = (rule: string, detail: string): Check => ({ ok: false, rule, detail });

const INT_RANGE = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
} as const;
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NUMERIC_TEXT = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMERIC_TEXT.test(v)) return Number(v);
  return undefined;
}

function checkInteger(kind: 'smallint' | 'integer', v: unknown): Check {
  const n = toNumber(v);
  if (n === undefined) return fail('type', `is not a number`);
  if (!Number.isInteger(n)) return fail('integer', 'is not a whole number');
  const [min, max] = INT_RANGE[kind];
  if (n < min || n > max) return fail(`${kind} range`, `is outside ${kind.toUpperCase()}'s range ${min} to ${max}`);
  return ok(n === 0 ? 0 : n); // -0 would print as "0" anyway; keep the value plain
}

function checkBigint(v: unknown): Check {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v))
      return fail('safe integer', 'is a number beyond 2^53 or not whole: pass a bigint (123n) to keep it exact');
    b = BigInt(v);
  } else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) b = BigInt(v.trim());
  else return fail('type', 'is not a bigint or an integer');
  if (b < BIGINT_MIN || b > BIGINT_MAX) return fail('bigint range', 'is outside BIGINT (-2^63 to 2^63-1)');
  return ok(b);
}

/**
 * Decimals stay strings end to end: exact, never through a float. Extra scale is refused, not
 * rounded. A JS number is taken only when its shortest text is exactly the number the caller
 * wrote: a safe integer, or at most 15 significant digits (every such decimal survives a double).
 */
/** Decimal text already canonical: no leading zeros, at most `scale` decimals, within precision. */
function canonicalDecimal(spec: ColumnSpec): RegExp {
  const s = spec.scale ?? 0;
  const whole = (spec.precision ?? 18) - s;
  const intPart = whole === 0 ? '0' : `(?:0|[1-9]\\d{0,${whole - 1}})`;
  return new RegExp(`^-?${intPart}${s > 0 ? `(?:\\.\\d{1,${s}})?` : ''}$`);
}

function decimalChecker(spec: ColumnSpec): (v: unknown) => Check {
  const p = spec.precision ?? 18;
  const s = spec.scale ?? 0;
  // Text already canonical (no leading zeros, at most s decimals, within precision) passes as
  // it is: the common case costs one regex test.
  const canonical = canonicalDecimal(spec);
  return (v) => {
    let text: string;
    if (typeof v === 'string') text = v;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return fail('finite', 'is not a finite number');
      text = String(v);
      if (text.includes('e'))
        return fail('plain decimal', 'needs exponent notation as a JS number: pass it as a decimal string');
      if (text.length > 15 && !Number.isSafeInteger(v) && significantDigits(text) > 15) {
        return fail(
          'exact number',
          'has more significant digits than a JS number holds exactly: pass it as a decimal string',
        );
      }
    } else if (typeof v === 'bigint') text = v.toString();
    else return fail('type', 'is not a decimal string or a number');
    if (canonical.test(text) && !NEGATIVE_ZERO.test(text)) return ok(text);
    return parseDecimal(text.trim(), p, s);
  };
}

const NEGATIVE_ZERO = /^-0(?:\.0*)?$/;
const significantDigits = (text: string): number => text.replace(/[-.]/g, '').replace(/^0+/, '').length;

function parseDecimal(text: string, p: number, s: number): Check {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return fail('decimal format', 'is not a decimal number like 12.34');
  const sign = m[1] === '-' ? '-' : '';
  const intPart = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  let frac = m[3] ?? '';
  if (frac.length > s) {
    if (!/^0*$/.test(frac.slice(s))) {
      return fail(
        `decimal(${p},${s}) scale`,
        `has ${frac.length} decimal places; DECIMAL(${p},${s}) keeps ${s} (Redshift would round silently, upshift refuses)`,
      );
    }
    frac = frac.slice(0, s);
  }
  const intDigits = intPart === '0' ? 0 : intPart.length;
  if (intDigits > p - s)
    return fail(
      `decimal(${p},${s}) precision`,
      `has ${intDigits} digits before the point; DECIMAL(${p},${s}) allows ${p - s}`,
    );
  const isZero = /^0*$/.test(intPart + frac);
  return ok(`${isZero ? '' : sign}${intPart}${frac ? `.${frac}` : ''}`);
}

// Floats. Postgres reads float text with strtod / strtof: rounded to nearest (ties to even) once,
// subnormals kept, and "out of range" when a nonzero text rounds to 0 or to infinity. Redshift
// refuses the same. Number() rounds text to a double exactly as strtod does, so DOUBLE needs only
// the two refusals. REAL rounds to float4 here, in validation, so the value staged is the value
// stored: 16777217 becomes 16777216, 0.1 becomes 0.100000001490116... (the float4 nearest).
// A JS number rounds from its exact binary value, as Postgres's float8-to-real cast does; text
// rounds from its exact decimal value, as Postgres's float4in does (see float4FromText).

/** The mantissa of numeric text (before any exponent) has a nonzero digit: the value is not 0. */
const NONZERO_MANTISSA = /^[^eE]*[1-9]/;

function checkFloat(kind: 'real' | 'double', v: unknown): Check {
  const n = toNumber(v);
  if (n === undefined) return fail('type', 'is not a number');
  const text = typeof v === 'string' ? v : undefined;
  if (text === undefined && !Number.isFinite(n)) return fail('finite', 'is NaN or infinite');
  const nonzero = text === undefined ? n !== 0 : NONZERO_MANTISSA.test(text);
  if (kind === 'double') {
    if (!Number.isFinite(n)) return fail('double range', 'is beyond DOUBLE PRECISION range ±1.7976931348623157e308');
    if (n === 0 && nonzero)
      return fail('double range', 'is too small for DOUBLE PRECISION and would become 0 (the smallest is ±5e-324)');
    return ok(n);
  }
  const f = text === undefined ? Math.fround(n) : float4FromText(text, n);
  if (!Number.isFinite(f)) return fail('real range', 'is beyond REAL (float4) range ±3.4028235e38: use t.double()');
  if (f === 0 && nonzero)
    return fail(
      'real range',
      'is too small for REAL (float4) and would become 0 (the smallest is ±1e-45): use t.double()',
    );
  return ok(f);
}

const FLOAT4_MIN_NORMAL = 2 ** -126;

/**
 * The float4 that numeric text rounds to, as strtof rounds it: once, from the exact decimal.
 * `n` is the text as a double (Number rounds exactly as strtod does). Math.fround(n) rounds a
 * second time, which differs from rounding once only when n lies exactly halfway between two
 * float4s (a midpoint is itself a double, so the text rounded onto it): then the text's side of
 * n decides, compared exactly. '3.4028235677973366e38' is just below the midpoint over the
 * largest float4, so it is the largest float4, not infinity.
 */
function float4FromText(text: string, n: number): number {
  const rounded = Math.fround(n);
  const a = Math.abs(n);
  if (rounded === n || !Number.isFinite(a) || a >= 2 ** 128) return rounded;
  // Half the float4 spacing at a: 2^-150 among subnormals, else 2^(exponent - 24).
  let exponent = -126;
  if (a >= FLOAT4_MIN_NORMAL) {
    exponent = Math.floor(Math.log2(a));
    if (2 ** exponent > a)
      exponent--; // log2 can be off by one next to a power of two
    else if (2 ** (exponent + 1) <= a) exponent++;
  }
  const halfStep = exponent - 24;
  const halves = a / 2 ** halfStep; // exact: a power-of-two scale
  if (!Number.isInteger(halves) || halves % 2 !== 1) return rounded; // not a midpoint
  const side = compareDecimalToBinary(text, BigInt(halves), halfStep);
  if (side === 0) return rounded; // exactly halfway: ties to even, as fround did
  const magnitude = Math.fround(side > 0 ? a + 2 ** halfStep : a - 2 ** halfStep);
  return n < 0 ? -magnitude : magnitude;
}

const DECIMAL_PARTS = /^\s*[+-]?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/** Compares |text| (numeric text) with odd * 2^power, exactly: -1, 0 or 1. */
function compareDecimalToBinary(text: string, odd: bigint, power: number): number {
  const m = DECIMAL_PARTS.exec(text)!;
  const frac = m[2] ?? '';
  const digits = BigInt(`${m[1] ?? ''}${frac}` || '0');
  const tens = Number(m[3] ?? 0) - frac.length;
  // digits * 10^tens against odd * 2^power, both sides brought to integers.
  const left = digits * 10n ** BigInt(Math.max(tens, 0)) * 2n ** BigInt(Math.max(-power, 0));
  const right = odd * 10n ** BigInt(Math.max(-tens, 0)) * 2n ** BigInt(Math.max(power, 0));
  return left > right ? 1 : left < right ? -1 : 0;
}

const BOOL_TEXT: Record<string, boolean> = {
  true: true,
  t: true,
  yes: true,
  y: true,
  '1': true,
  false: false,
  f: false,
  no: false,
  n: false,
  '0': false,
};
function checkBoolean(v: unknown): Check {
  if (typeof v === 'boolean') return ok(v);
  if (v === 1 || v === 0) return ok(v === 1);
  if (typeof v === 'string') {
    const b = BOOL_TEXT[v.trim().toLowerCase()];
    if (b !== undefined) return ok(b);
  }
  return fail('type', 'is not a boolean');
}

// NUL or any surrogate: rare, so one test guards the slower exact checks.
const TEXT_SUSPECT = /[\u0000\uD800-\uDFFF]/;
const NOT_SINGLE_BYTE = /[^\x00-\x7f]/;

function textChecker(spec: ColumnSpec): (v: unknown) => Check {
  const limit = byteLimit(spec);
  const isChar = spec.kind === 'char';
  const type = isChar ? `CHAR(${limit})` : `VARCHAR(${spec.length === 'max' ? 'MAX' : limit})`;
  // A UTF-16 code unit is at most 3 UTF-8 bytes: a string this short can't be too long.
  const surelyFits = Math.floor(limit / 3);
  return (v) => {
    if (typeof v !== 'string') return fail('type', 'is not a string');
    if (TEXT_SUSPECT.test(v)) {
      if (v.includes('\u0000'))
        return fail('no NUL', 'contains a NUL (\\u0000) character, which Redshift and Postgres text cannot store');
      if (LONE_SURROGATE.test(v)) return fail('valid UTF-16', 'contains a lone surrogate, which has no UTF-8 encoding');
    }
    if (isChar && NOT_SINGLE_BYTE.test(v))
      return fail(
        'single-byte char',
        'has multi-byte characters; CHAR holds single-byte characters only: use t.varchar(n)',
      );
    if (v.length > surelyFits) {
      const bytes = Buffer.byteLength(v, 'utf8');
      if (bytes > limit)
        return fail(`${spec.kind} length`, `is ${bytes} UTF-8 bytes, longer than ${type} allows (${limit} bytes)`);
    }
    return ok(v);
  };
}

function checkSuper(v: unknown): Check {
  const r = superJson(v, REDSHIFT_LIMITS.superBytes);
  if (!r.ok) return r;
  const text = r.value;
  if (text.length > REDSHIFT_LIMITS.superBytes / 3) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > REDSHIFT_LIMITS.superBytes)
      return fail('super size', `is ${bytes} bytes of JSON; SUPER holds at most 16 MB (16777216 bytes)`);
  }
  return ok(text);
}

function checkVarbyte(spec: ColumnSpec, v: unknown): Check {
  let bytes: Uint8Array;
  if (v instanceof Uint8Array) bytes = v;
  else if (typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v)) bytes = Buffer.from(v, 'hex');
  else return fail('type', 'is not a Uint8Array (or a hex string)');
  const limit = byteLimit(spec);
  if (bytes.length > limit)
    return fail('varbyte length', `is ${bytes.length} bytes, longer than VARBYTE(${limit}) allows`);
  return ok(bytes);
}

/** HLLSKETCH text: non-empty, and text the server can store (the fuzz test found NUL and lone surrogates failing late in COPY). */
function checkHllsketch(v: unknown): Check {
  if (typeof v !== 'string' || v.length === 0) return fail('type', 'is not an HLLSKETCH string');
  if (v.includes('\u0000'))
    return fail('no NUL', 'contains a NUL (\\u0000) character, which Redshift and Postgres text cannot store');
  if (LONE_SURROGATE.test(v)) return fail('valid UTF-16', 'contains a lone surrogate, which has no UTF-8 encoding');
  return ok(v);
}

function checkHexGeo(v: unknown): Check {
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(v))
    return fail('hex EWKB', 'is not hex-encoded (E)WKB text');
  return ok(v.toUpperCase());
}

// Interval text both warehouses read: quantity-unit pairs ('1 year 2 months', '90 mins'), each
// unit at most once, optionally with one clock time ('3 days 04:05:06.5') or a SQL year-month
// ('1-2 3 days'); a bare number of seconds alone; or ISO 8601 ('P1Y2M3DT4H'). A conservative
// subset of Postgres's grammar, which refuses e.g. a unit given twice.
// A sign needs a digit after it: Postgres refuses '-.5'.
// Where Postgres's interval reader is stricter than it looks (each found by the property test
// against a real server): a trailing '.' only before a space or the end ('5.h' is refused), no
// '.', '+' or '-' straight after a unit ('0M.0h', '0d-11s', '4W+38h'), minutes and seconds 0-59
// in a clock ('7:87'), months 0-11 in year-month ('17-37'), neither running on into more digits
// ('1-63d', '5-6-9W'), and a bare number (days before a clock) ends at a space ('41-54:3').
const INTERVAL_NUM = String.raw`(?:[+-]?\d+(?:\.\d+|\.(?=\s|$))?|\.\d+)`;
const UNIT_FIELD: Record<string, string> = {};
for (const [field, spellings] of Object.entries({
  year: 'years year yrs yr y',
  month: 'months month mons mon',
  week: 'weeks week w',
  day: 'days day d',
  hour: 'hours hour hrs hr h',
  minute: 'minutes minute mins min m',
  second: 'seconds second secs sec s',
  millisecond: 'milliseconds millisecond msecs msec ms',
  microsecond: 'microseconds microsecond usecs usec us',
})) {
  for (const spelling of spellings.split(' ')) UNIT_FIELD[spelling] = field;
}
const INTERVAL_TOKEN = new RegExp(
  String.raw`\s*(?:(${INTERVAL_NUM})\s*(${Object.keys(UNIT_FIELD).join('|')})\b(?![.+-])|([+-]?\d+:[0-5]?\d(?::[0-5]?\d(?:\.\d{1,6})?)?(?![\d.]))|([+-]?\d+-0*(?:1[01]|\d)(?![\d:-]))|(${INTERVAL_NUM})(?=\s|$))\s*`,
  'iy',
);
const ISO_N = String.raw`\d+(?:\.\d+)?`;
const INTERVAL_ISO = new RegExp(
  String.raw`^P(?=\d|T\d)(?:${ISO_N}Y)?(?:${ISO_N}M)?(?:${ISO_N}W)?(?:${ISO_N}D)?(?:T(?=\d)(?:${ISO_N}H)?(?:${ISO_N}M)?(?:${ISO_N}S)?)?$`,
);

/**
 * The fields a quantity-unit pair claims. Postgres's interval reader counts seconds with a nonzero
 * fraction as milliseconds and microseconds too, so '0.01secs 0us' is refused ('0.00secs 0us' is
 * not): the property test found it.
 */
function unitFields(field: string, quantity: string): string[] {
  return field === 'second' && /\.\d*[1-9]/.test(quantity) ? ['second', 'millisecond', 'microsecond'] : [field];
}

function isIntervalText(input: string): boolean {
  const text = input.replace(/^@\s*/, '').replace(/\s+ago$/i, '');
  const seen = new Set<string>();
  const claim = (...fields: string[]): boolean => {
    if (fields.some((f) => seen.has(f))) return false;
    for (const f of fields) seen.add(f);
    return true;
  };
  // A bare number is seconds when alone, days when it leads a clock time ('3 04:05:06').
  let parts = 0;
  let bare = false;
  for (let pos = 0; pos < text.length; parts++) {
    INTERVAL_TOKEN.lastIndex = pos;
    const m = INTERVAL_TOKEN.exec(text);
    if (!m) return false;
    pos = INTERVAL_TOKEN.lastIndex;
    if (bare) {
      if (parts !== 1 || m[3] === undefined || !claim('day')) return false;
      bare = false;
    }
    if (m[2] !== undefined && !claim(...unitFields(UNIT_FIELD[m[2].toLowerCase()]!, m[1]!))) return false;
    if (m[3] !== undefined && !claim('hour', 'minute', 'second', 'millisecond', 'microsecond')) return false;
    if (m[4] !== undefined && !claim('year', 'month')) return false;
    if (m[5] !== undefined) {
      if (parts !== 0) return false;
      bare = true;
    }
  }
  return parts > 0;
}

const INT32_MAX = 2147483647;
const ISO_PART = /(\d+(?:\.\d+)?)([YMWDHS])/gi;

/**
 * Whether the interval's fields fit the integers the server keeps them in: every quantity's
 * whole part is read as a 32-bit integer ('2147483648 months' is "interval field value out of
 * range"), and months (years * 12 + months) and days (weeks * 7 + days) are 32-bit totals. The
 * fuzz test found '2147483648 months' passing validation and failing late in COPY.
 */
function intervalInRange(text: string): boolean {
  for (const m of text.matchAll(/(?<![.\d])\d+/g)) if (Number(m[0]) > INT32_MAX) return false;
  let months = 0;
  let days = 0;
  const add = (field: string | undefined, q: number) => {
    if (field === 'year') months += q * 12;
    else if (field === 'month') months += q;
    else if (field === 'week') days += q * 7;
    else if (field === 'day') days += q;
  };
  if (INTERVAL_ISO.test(text)) {
    let inTime = false;
    for (const part of text.split(/(?=T)/i)) {
      for (const m of part.matchAll(ISO_PART)) {
        const unit = m[2]!.toUpperCase();
        if (!inTime) add({ Y: 'year', M: 'month', W: 'week', D: 'day' }[unit], Number(m[1]));
      }
      inTime = true;
    }
  } else {
    const unit = new RegExp(String.raw`(${INTERVAL_NUM})\s*(${Object.keys(UNIT_FIELD).join('|')})\b`, 'gi');
    for (const m of text.matchAll(unit)) add(UNIT_FIELD[m[2]!.toLowerCase()], Number(m[1]));
  }
  return Math.abs(months) <= INT32_MAX && Math.abs(days) <= INT32_MAX;
}

function checkInterval(v: unknown): Check {
  const text = typeof v === 'string' ? v.trim() : undefined;
  if (text === undefined || !(INTERVAL_ISO.test(text) || isIntervalText(text))) {
    return fail('interval', "is not an interval like '1 year 2 months', '3 days 04:05:06' or 'P1Y2M'");
  }
  if (!intervalInRange(text))
    return fail(
      'interval range',
      'has a field beyond what an interval holds (each quantity, and the months and days totals, up to 2147483647)',
    );
  return ok(text);
}

/** The check for one column, compiled once: unknown in, normalized value (or the broken rule) out. */
export function columnChecker(spec: ColumnSpec): (v: unknown) => ValueCheck {
  switch (spec.kind) {
    case 'smallint':
    case 'integer': {
      const kind = spec.kind;
      return (v) => checkInteger(kind, v);
    }
    case 'bigint':
      return checkBigint;
    case 'decimal':
      return decimalChecker(spec);
    case 'real':
    case 'double': {
      const kind = spec.kind;
      return (v) => checkFloat(kind, v);
    }
    case 'boolean':
      return checkBoolean;
    case 'char':
    case 'varchar':
      return textChecker(spec);
    case 'date':
      return normalizeDate;
    case 'time':
      return (v) => normalizeTime(v, false);
    case 'timetz':
      return (v) => normalizeTime(v, true);
    case 'timestamp':
    case 'timestamptz':
      return normalizeTimestamp;
    case 'super':
      return checkSuper;
    case 'varbyte':
      return (v) => checkVarbyte(spec, v);
    case 'geometry':
    case 'geography':
      return checkHexGeo;
    case 'hllsketch':
      return checkHllsketch;
    case 'interval_ym':
    case 'interval_ds':
      return checkInterval;
  }
}

/**
 * The common, already-valid shapes of a column's values, normalized without allocating a check
 * result: returns the normalized value, or undefined to send the value through the full check
 * (which also names what is wrong). It must agree with columnChecker wherever it answers; the
 * property tests hold it to that. Measured by bench/validate.bench.ts: 2.5M rows/s without it, 2.9M with.
 */
export function columnFastPath(spec: ColumnSpec): ((v: unknown) => NormalizedValue | undefined) | undefined {
  switch (spec.kind) {
    case 'smallint':
    case 'integer': {
      const [min, max] = INT_RANGE[spec.kind];
      return (v) =>
        typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max && !Object.is(v, -0) ? v : undefined;
    }
    case 'bigint':
      return (v) => (typeof v === 'bigint' && v >= BIGINT_MIN && v <= BIGINT_MAX ? v : undefined);
    case 'double':
      return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    case 'real':
      // A number that is already a float4 (the common case for REAL data) is its own rounding.
      return (v) => (typeof v === 'number' && Math.fround(v) === v && Number.isFinite(v) ? v : undefined);
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? v : undefined);
    case 'decimal': {
      const canonical = canonicalDecimal(spec);
      return (v) => (typeof v === 'string' && canonical.test(v) && !NEGATIVE_ZERO.test(v) ? v : undefined);
    }
    case 'varchar': {
      const surelyFits = Math.floor(byteLimit(spec) / 3);
      return (v) => (typeof v === 'string' && v.length <= surelyFits && !TEXT_SUSPECT.test(v) ? v : undefined);
    }
    case 'timestamp':
    case 'timestamptz':
      return (v) => (v instanceof Date ? timestampText(v) : undefined);
    default:
      return undefined;
  }
}

/**
 * zod loads with the first columnSchema() call, not with 'upshift' (its ~200 modules were a third
 * of the import time, bench/startup.bench.ts); validating rows never needs it. Its CommonJS build,
 * as this function is synchronous: zod tells its schemas apart by their traits, not by identity,
 * so they compose with a caller's own `z.object(...)`.
 */
const zod = (): typeof import('zod') => requireHere('zod') as typeof import('zod');

/**
 * The zod schema of record for one column's value: validates and normalizes; the rule travels
 * in the issue's params. createRowValidator calls the same compiled check directly (zod's
 * per-call overhead cost about half the throughput; see bench/validate.bench.ts), so the two
 * cannot disagree.
 */
export function columnSchema(spec: ColumnSpec): z.ZodType<NormalizedValue, unknown> {
  const check = columnChecker(spec);
  const { z } = zod();
  return z.unknown().transform((v, ctx) => {
    const r = check(v);
    if (r.ok) return r.value;
    ctx.issues.push({ code: 'custom', message: r.detail, params: { rule: r.rule }, input: v });
    return z.NEVER;
  });
}

/** The columns a load writes, in order: every column but IDENTITY ones (the warehouse fills those). */
export function loadColumns(table: TableModel): string[] {
  return table.columnNames.filter((name) => !table.columns[name]!.spec.identity);
}
