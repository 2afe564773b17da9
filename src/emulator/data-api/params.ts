// The Data API's named parameters: `:name` in the SQL, values given as strings that Redshift casts
// to what the context needs. Each becomes a string literal of unknown type, which the backend
// resolves from its context as it would a bound parameter.
import { tokenize, type Token } from '../sql.js';
import { validation } from '../aws/protocol.js';

export interface SqlParameter {
  name: string;
  value: string;
}

/** Reads `Parameters` from a request: a list of { name, value } with distinct, well-formed names. */
export function readParameters(raw: unknown): SqlParameter[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) throw validation('Parameters must be a non-empty list.');
  const seen = new Set<string>();
  return raw.map((p: unknown) => {
    const { name, value } = (p ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !/^[0-9a-zA-Z_]+$/.test(name))
      throw validation(`Invalid parameter name: ${String(name)}. It must match [0-9a-zA-Z_]+.`);
    if (typeof value !== 'string') throw validation(`The value of parameter ${name} must be a string.`);
    if (seen.has(name)) throw validation(`Parameter ${name} is given more than once.`);
    seen.add(name);
    return { name, value };
  });
}

/** The SQL with each `:name` replaced by its value; a `:name` without a value is refused. */
export function bindParameters(sql: string, params: SqlParameter[] | undefined): string {
  if (!params) return sql;
  const values = new Map(params.map((p) => [p.name, p.value]));
  const tokens = tokenize(sql);
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (isMarker(t, next)) {
      const value = values.get(next.text);
      if (value === undefined) throw validation(`No value given for parameter ${next.text} in the SQL.`);
      out += t.text.slice(0, -1) + literal(value);
      i++;
      continue;
    }
    out += t.text;
  }
  return out;
}

/** `:` (alone, or ending an operator run such as `=:`) right before a name, but not `::`. */
function isMarker(t: Token, next: Token | undefined): next is Token {
  return (
    t.type === 'op' &&
    t.text.endsWith(':') &&
    !t.text.endsWith('::') &&
    next !== undefined &&
    (next.type === 'ident' || next.type === 'number') &&
    /^[0-9a-zA-Z_]+$/.test(next.text)
  );
}

/** A string literal that means `value` exactly, whatever it holds: dollar-quoted, with a tag not in it. */
function literal(value: string): string {
  let tag = '$p$';
  for (let n = 0; value.includes(tag); n++) tag = `$p${n}$`;
  return `${tag}${value}${tag}`;
}
