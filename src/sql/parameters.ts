// `$n` parameters inlined as literals, for statements that take no bind parameters: Redshift's
// UNLOAD ('...') and Postgres's COPY (query) TO STDOUT.
//
// A value becomes what the server makes of a bind parameter: node-postgres sends every
// parameter as untyped text, so each value here is an untyped quoted literal ('42', 'true',
// '2026-11-24T10:00:00.000Z') whose type comes from its context, exactly as with
// `db.query(sql, params)`: `id > $1`, `LIMIT $1`, `$1::date` and `$1 + 1` mean the same inlined
// or bound. Placeholders are found by a lexer that skips string constants, quoted identifiers,
// dollar-quoted bodies and comments (nested, as Postgres and Redshift nest them), where `$1` is text.
import { QueryParameterError } from '../errors.js';
import type { SqlLiterals } from './literals.js';

/** What a `$n` parameter can be: the kinds node-postgres sends, which inline to the same meaning. */
export type QueryParam =
  string | number | bigint | boolean | Date | Uint8Array | null | undefined | Record<string, unknown>;

/** One parameter as an untyped SQL literal of the dialect (`n` is its 1-based number). */
export function parameterLiteral(value: unknown, n: number, literals: SqlLiterals): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return literals.text(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new QueryParameterError(
        `parameter $${n} is ${value}: only finite numbers can be inlined (pass the text 'NaN' / 'Infinity' with a cast if you mean it)`,
      );
    return literals.text(String(value));
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') return literals.text(String(value));
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new QueryParameterError(`parameter $${n} is an invalid Date`);
    return literals.text(value.toISOString());
  }
  if (value instanceof Uint8Array) return literals.bytes(value);
  if (Array.isArray(value))
    throw new QueryParameterError(
      `parameter $${n} is an array: pass a JSON string and unnest it in SQL (e.g. json_array_elements_text($${n}::json) on Postgres)`,
    );
  if (typeof value === 'object') return literals.text(json(value, n));
  throw new QueryParameterError(
    `parameter $${n} is a ${typeof value}: only strings, numbers, bigints, booleans, Dates, bytes, JSON objects and null can be inlined`,
  );
}

function json(value: object, n: number): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    throw new QueryParameterError(`parameter $${n} has no JSON form: ${(err as Error).message}`, { cause: err });
  }
}

const PARAM = /\$(\d+)/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y;
const WORD = /[\p{L}\p{N}_$]/u;
const isWordChar = (c: string | undefined): boolean => c !== undefined && WORD.test(c);

/** Where the inert text starting at `i` ends (a literal, quoted identifier, comment, dollar quote); undefined if none starts there. */
function inertEnd(sql: string, i: number): number | undefined {
  const c = sql[i];
  if (c === "'" || c === '"') {
    // E'...' also takes backslash escapes; a letter e ending a longer word is not that prefix.
    const escapes = c === "'" && /[eE]/.test(sql[i - 1] ?? '') && !isWordChar(sql[i - 2]);
    return quotedEnd(sql, i, c, escapes);
  }
  if (sql.startsWith('--', i)) {
    const nl = sql.indexOf('\n', i);
    return nl < 0 ? sql.length : nl;
  }
  if (sql.startsWith('/*', i)) return blockCommentEnd(sql, i);
  if (c === '$' && !isWordChar(sql[i - 1])) {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(sql)?.[0];
    if (tag === undefined) return undefined;
    const close = sql.indexOf(tag, i + tag.length);
    return close < 0 ? sql.length : close + tag.length;
  }
  return undefined;
}

function quotedEnd(sql: string, start: number, quote: string, escapes: boolean): number {
  let j = start + 1;
  while (j < sql.length) {
    if (escapes && sql[j] === '\\') j += 2;
    else if (sql[j] !== quote) j++;
    else if (sql[j + 1] === quote) j += 2;
    else return j + 1;
  }
  return sql.length;
}

function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let j = start;
  while (j < sql.length) {
    if (sql.startsWith('/*', j)) {
      depth++;
      j += 2;
    } else if (sql.startsWith('*/', j)) {
      j += 2;
      if (--depth === 0) return j;
    } else j++;
  }
  return sql.length;
}

/**
 * Replaces `$1, $2, ...` outside literals, quoted identifiers, comments and dollar quotes with
 * the parameters as literals of the dialect. Every parameter must be used, and no `$n` may go
 * beyond them.
 */
export function inlineParameters(sql: string, params: readonly unknown[], literals: SqlLiterals): string {
  let out = '';
  let copied = 0;
  let i = 0;
  const used = new Set<number>();
  while (i < sql.length) {
    const inert = inertEnd(sql, i);
    if (inert !== undefined) {
      i = inert;
      continue;
    }
    PARAM.lastIndex = i;
    const param = sql[i] === '$' && !isWordChar(sql[i - 1]) ? PARAM.exec(sql) : null;
    if (!param) {
      i++;
      continue;
    }
    const n = Number(param[1]);
    if (n < 1 || n > params.length)
      throw new QueryParameterError(`the query uses $${n} but ${params.length} parameter(s) were given`);
    used.add(n);
    out += sql.slice(copied, i) + parameterLiteral(params[n - 1], n, literals);
    i += param[0].length;
    copied = i;
  }
  if (used.size < params.length) {
    const unused = params.map((_, k) => k + 1).filter((k) => !used.has(k));
    throw new QueryParameterError(
      `parameter(s) ${unused.map((k) => `$${k}`).join(', ')} given but not used in the query`,
    );
  }
  return out + sql.slice(copied);
}
