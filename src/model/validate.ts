// Runtime validation of rows before anything is staged, built on zod: one schema per column,
// compiled once per model. A row that passes comes out normalized into exactly the form the
// stage encoder writes (see NormalizedValue); a row that fails throws a RowValidationError
// naming the row, the column, the value and the rule.
import { z } from 'zod';
import { REDSHIFT_LIMITS, byteLimit, type ColumnSpec } from './columns.js';
import { RowValidationError } from './errors.js';
import type { TableModel } from './table.js';
import { normalizeDate, normalizeTime, normalizeTimestamp, type Parsed } from './temporal.js';

/**
 * The normalized form of one value, per column kind:
 * smallint/integer/real/double: number; bigint: bigint; decimal: canonical decimal string;
 * boolean: boolean; char/varchar/geometry/geography/hllsketch/intervals: string;
 * date 'YYYY-MM-DD'; time 'HH:MM:SS.ffffff'; timetz 'HH:MM:SS.ffffff+HH:MM';
 * timestamp 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC wall time); timestamptz the same, in UTC;
 * super: JSON text; varbyte: Uint8Array; NULL: null.
 */
export type NormalizedValue = null | string | number | bigint | boolean | Uint8Array;

type Check = Parsed<NormalizedValue>;
const ok = (value: NormalizedValue): Check => ({ ok: true, value });
const fail = (rule: string, detail: string): Check => ({ ok: false, rule, detail });

const INT_RANGE = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
} as const;
const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;
const FLOAT4_MAX = 3.4028234663852886e38;
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
  return ok(n);
}

function checkBigint(v: unknown): Check {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return fail('safe integer', 'is a number beyond 2^53 or not whole: pass a bigint (123n) to keep it exact');
    b = BigInt(v);
  } else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) b = BigInt(v.trim());
  else return fail('type', 'is not a bigint or an integer');
  if (b < BIGINT_MIN || b > BIGINT_MAX) return fail('bigint range', 'is outside BIGINT (-2^63 to 2^63-1)');
  return ok(b);
}

/** Decimals stay strings end to end: exact, never through a float. Extra scale is refused, not rounded. */
function checkDecimal(spec: ColumnSpec, v: unknown): Check {
  const p = spec.precision ?? 18;
  const s = spec.scale ?? 0;
  let text: string;
  if (typeof v === 'string') text = v.trim();
  else if (typeof v === 'number') {
    if (!Number.isFinite(v)) return fail('finite', 'is not a finite number');
    text = String(v);
    if (/e/i.test(text)) return fail('plain decimal', 'needs exponent notation as a JS number: pass it as a decimal string');
  } else if (typeof v === 'bigint') text = v.toString();
  else return fail('type', 'is not a decimal string or a number');
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return fail('decimal format', 'is not a decimal number like 12.34');
  const sign = m[1] === '-' ? '-' : '';
  const intPart = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  let frac = m[3] ?? '';
  if (frac.length > s) {
    if (!/^0*$/.test(frac.slice(s))) {
      return fail(`decimal(${p},${s}) scale`, `has ${frac.length} decimal places; DECIMAL(${p},${s}) keeps ${s} (Redshift would round silently, upshift refuses)`);
    }
    frac = frac.slice(0, s);
  }
  const intDigits = intPart === '0' ? 0 : intPart.length;
  if (intDigits > p - s) return fail(`decimal(${p},${s}) precision`, `has ${intDigits} digits before the point; DECIMAL(${p},${s}) allows ${p - s}`);
  const isZero = /^0*$/.test(intPart + frac);
  return ok(`${isZero ? '' : sign}${intPart}${frac ? `.${frac}` : ''}`);
}

function checkFloat(kind: 'real' | 'double', v: unknown): Check {
  const n = toNumber(v);
  if (n === undefined) return fail('type', 'is not a number');
  if (!Number.isFinite(n)) return fail('finite', 'is NaN or infinite');
  if (kind === 'real' && Math.abs(n) > FLOAT4_MAX) return fail('real range', 'is beyond REAL (float4) range ±3.4e38');
  return ok(n);
}

const BOOL_TEXT: Record<string, boolean> = { true: true, t: true, yes: true, y: true, '1': true, false: false, f: false, no: false, n: false, '0': false };
function checkBoolean(v: unknown): Check {
  if (typeof v === 'boolean') return ok(v);
  if (v === 1 || v === 0) return ok(v === 1);
  if (typeof v === 'string' && v.trim().toLowerCase() in BOOL_TEXT) return ok(BOOL_TEXT[v.trim().toLowerCase()]!);
  return fail('type', 'is not a boolean');
}

function checkText(spec: ColumnSpec, v: unknown): Check {
  if (typeof v !== 'string') return fail('type', 'is not a string');
  if (v.includes('\u0000')) return fail('no NUL', 'contains a NUL (\\u0000) character, which Redshift and Postgres text cannot store');
  if (LONE_SURROGATE.test(v)) return fail('valid UTF-16', 'contains a lone surrogate, which has no UTF-8 encoding');
  const limit = byteLimit(spec);
  if (spec.kind === 'char' && /[^\x00-\x7f]/.test(v)) return fail('single-byte char', 'has multi-byte characters; CHAR holds single-byte characters only: use t.varchar(n)');
  const bytes = v.length <= limit / 3 ? v.length : Buffer.byteLength(v, 'utf8');
  if (bytes > limit) {
    const type = spec.kind === 'char' ? `CHAR(${limit})` : `VARCHAR(${spec.length === 'max' ? 'MAX' : limit})`;
    return fail(`${spec.kind} length`, `is ${bytes} UTF-8 bytes, longer than ${type} allows (${limit} bytes)`);
  }
  return ok(v);
}

function checkSuper(v: unknown): Check {
  let text: string | undefined;
  let problem: string | undefined;
  try {
    text = JSON.stringify(v, (_key, val: unknown) => {
      if (typeof val === 'number' && !Number.isFinite(val)) problem ??= 'contains NaN or Infinity, which JSON cannot hold';
      else if (typeof val === 'bigint') problem ??= 'contains a bigint: convert it to a string or number first';
      else if (typeof val === 'function' || typeof val === 'symbol') problem ??= `contains a ${typeof val}`;
      return typeof val === 'bigint' ? val.toString() : val;
    });
  } catch (e) {
    return fail('JSON-serializable', `cannot be serialized to JSON (${(e as Error).message})`);
  }
  if (problem) return fail('JSON-serializable', problem);
  if (text === undefined) return fail('JSON-serializable', 'is not a JSON value');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > REDSHIFT_LIMITS.superBytes) return fail('super size', `is ${bytes} bytes of JSON; SUPER holds at most 16 MB`);
  return ok(text);
}

function checkVarbyte(spec: ColumnSpec, v: unknown): Check {
  let bytes: Uint8Array;
  if (v instanceof Uint8Array) bytes = v;
  else if (typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v)) bytes = Buffer.from(v, 'hex');
  else return fail('type', 'is not a Uint8Array (or a hex string)');
  const limit = byteLimit(spec);
  if (bytes.length > limit) return fail('varbyte length', `is ${bytes.length} bytes, longer than VARBYTE(${limit}) allows`);
  return ok(bytes);
}

function checkHexGeo(v: unknown): Check {
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(v)) return fail('hex EWKB', 'is not hex-encoded (E)WKB text');
  return ok(v.toUpperCase());
}

function checkInterval(v: unknown): Check {
  if (typeof v !== 'string' || !/^[0-9A-Za-z :+\-.]+$/.test(v.trim())) return fail('interval', "is not an interval like '1 year 2 months' or '3 days 04:05:06'");
  return ok(v.trim());
}

const fromParsed = (r: Parsed<string>): Check => r;

/** The check for one column kind: unknown in, normalized out. */
function checker(spec: ColumnSpec): (v: unknown) => Check {
  switch (spec.kind) {
    case 'smallint':
    case 'integer':
      return (v) => checkInteger(spec.kind as 'smallint' | 'integer', v);
    case 'bigint':
      return checkBigint;
    case 'decimal':
      return (v) => checkDecimal(spec, v);
    case 'real':
    case 'double':
      return (v) => checkFloat(spec.kind as 'real' | 'double', v);
    case 'boolean':
      return checkBoolean;
    case 'char':
    case 'varchar':
      return (v) => checkText(spec, v);
    case 'date':
      return (v) => fromParsed(normalizeDate(v));
    case 'time':
      return (v) => fromParsed(normalizeTime(v, false));
    case 'timetz':
      return (v) => fromParsed(normalizeTime(v, true));
    case 'timestamp':
    case 'timestamptz':
      return (v) => fromParsed(normalizeTimestamp(v));
    case 'super':
      return checkSuper;
    case 'varbyte':
      return (v) => checkVarbyte(spec, v);
    case 'geometry':
    case 'geography':
      return checkHexGeo;
    case 'hllsketch':
      return (v) => (typeof v === 'string' && v.length > 0 ? ok(v) : fail('type', 'is not an HLLSKETCH string'));
    case 'interval_ym':
    case 'interval_ds':
      return checkInterval;
  }
}

/** A zod schema for one column's value: validates and normalizes; the rule travels in params. */
export function columnSchema(spec: ColumnSpec): z.ZodType<NormalizedValue, unknown> {
  const check = checker(spec);
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

export type RowValidator = (row: unknown, rowIndex: number) => NormalizedValue[];

/**
 * Compiles a validator for a model. Object rows are keyed by column; the result is the
 * normalized values in loadColumns order. A missing column takes its value DEFAULT, else
 * NULL (a SQL DEFAULT is applied by the merge).
 */
export function createRowValidator(table: TableModel): RowValidator {
  const names = loadColumns(table);
  const known = new Set(table.columnNames as readonly string[]);
  const keySet = new Set(table.options.upsertKey);
  const plan = names.map((name) => {
    const spec = table.columns[name]!.spec;
    const schema = columnSchema(spec);
    const check = checker(spec);
    const given = spec.default?.kind === 'value' ? spec.default.value : undefined;
    const defaultValue = given !== undefined ? check(given) : undefined;
    if (defaultValue && !defaultValue.ok) {
      throw new RowValidationError(-1, name, given, defaultValue.rule, `DEFAULT ${defaultValue.detail}`, table.qualifiedName);
    }
    return {
      name,
      schema,
      notNull: spec.notNull,
      sqlDefault: spec.default?.kind === 'sql',
      defaultValue: defaultValue?.ok ? defaultValue.value : undefined,
      nullKey: keySet.has(name) && !table.options.nullSafeUpsertKey,
    };
  });
  const identity = table.columnNames.filter((n) => table.columns[n]!.spec.identity);
  const bad = (i: number, col: string, v: unknown, rule: string, detail: string) =>
    new RowValidationError(i, col, v, rule, detail, table.qualifiedName);

  return (row, i) => {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw bad(i, '(row)', row, 'object row', 'is not an object keyed by column name');
    }
    const record = row as Record<string, unknown>;
    for (const key in record) {
      if (!known.has(key)) throw bad(i, key, record[key], 'unknown column', `is not a column of ${table.qualifiedName} (columns: ${table.columnNames.join(', ')})`);
    }
    for (const col of identity) {
      if (record[col] !== undefined) throw bad(i, col, record[col], 'identity', 'is an IDENTITY column: the warehouse generates its values, loads never write them');
    }
    const out: NormalizedValue[] = new Array(plan.length);
    for (let c = 0; c < plan.length; c++) {
      const col = plan[c]!;
      let v = record[col.name];
      if (v === undefined && col.defaultValue !== undefined) {
        out[c] = col.defaultValue;
        continue;
      }
      if (v === undefined) v = null;
      if (v === null) {
        if (col.nullKey) throw bad(i, col.name, v, 'upsert key not null', 'is NULL in an upsert-key column: NULL never matches, so the row would be duplicated (set nullSafeUpsertKey to match NULLs)');
        if (col.notNull && !col.sqlDefault) throw bad(i, col.name, v, 'NOT NULL', 'is missing or null, but the column is NOT NULL');
        out[c] = null;
        continue;
      }
      const r = col.schema.safeParse(v);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        const rule = (issue as { params?: { rule?: string } }).params?.rule ?? issue.code;
        throw bad(i, col.name, v, rule, issue.message);
      }
      out[c] = r.data;
    }
    return out;
  };
}

/** Validates and normalizes one row (compile a validator with createRowValidator for many). */
export function validateRow(table: TableModel, row: unknown, rowIndex = 0): NormalizedValue[] {
  return createRowValidator(table)(row, rowIndex);
}
