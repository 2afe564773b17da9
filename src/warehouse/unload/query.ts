// Queries for UNLOAD. Neither Redshift's UNLOAD ('...') nor Postgres's COPY (query) TO STDOUT
// takes bind parameters, so parameters are inlined as literals of the warehouse's dialect
// (Redshift doubles backslashes too). Placeholders ($1, $2, ...) are found with a small lexer
// that skips string literals, quoted identifiers, dollar quotes and comments, so a '$1' inside
// a string stays text.

/** A Kysely query (anything with compile()), or its compiled form. */
export interface CompilableQuery {
  compile(): { sql: string; parameters: readonly unknown[] };
}
export interface SqlWithParams {
  sql: string;
  parameters?: readonly unknown[] | undefined;
}
/** What unload() takes: SQL text (with `params` in the options), `{ sql, parameters }`, or a Kysely query. */
export type UnloadQuery = string | SqlWithParams | CompilableQuery;

/** One parameter as a SQL literal; `literal` quotes text in the warehouse's dialect. */
export function sqlValue(value: unknown, index: number, literal: (text: string) => string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new Error(
        `parameter $${index} is ${value}: only finite numbers can be inlined (pass the text 'NaN' / 'Infinity' with a cast if you mean it)`,
      );
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`parameter $${index} is an invalid Date`);
    return literal(value.toISOString());
  }
  if (typeof value === 'string') return literal(value);
  throw new Error(
    `parameter $${index} is ${Array.isArray(value) ? 'an array' : `a ${typeof value}`}: unload inlines only strings, numbers, bigints, booleans, Dates and null`,
  );
}

/** Replaces $n placeholders outside literals, identifiers and comments with inlined values. */
export function inlineParameters(sql: string, params: readonly unknown[], literal: (text: string) => string): string {
  let out = '';
  let i = 0;
  const used = new Set<number>();
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    let end = i + 1;
    if (c === "'" || c === '"') {
      // '...' or "..." with doubled quotes; E'...' strings also allow backslash escapes.
      const escapes = c === "'" && i > 0 && /[eE]/.test(sql[i - 1]!) && !/[\w$]/.test(sql[i - 2] ?? '');
      end = i + 1;
      while (end < n) {
        if (escapes && sql[end] === '\\') end += 2;
        else if (sql[end] === c) {
          if (sql[end + 1] === c) end += 2;
          else {
            end++;
            break;
          }
        } else end++;
      }
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      end = nl < 0 ? n : nl;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      end = close < 0 ? n : close + 2;
    } else if (c === '$') {
      const num = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 80));
      if (num && !/[\w$]/.test(sql[i - 1] ?? '')) {
        const k = Number(num[1]);
        if (k < 1 || k > params.length)
          throw new Error(`the query uses $${k} but ${params.length} parameter(s) were given`);
        used.add(k);
        out += sqlValue(params[k - 1], k, literal);
        i += num[0].length;
        continue;
      }
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        end = close < 0 ? n : close + tag[0].length;
      }
    }
    out += sql.slice(i, end);
    i = end;
  }
  if (used.size !== params.length) {
    const unused = params.map((_, k) => k + 1).filter((k) => !used.has(k));
    throw new Error(`parameter(s) ${unused.map((k) => `$${k}`).join(', ')} given but not used in the query`);
  }
  return out;
}

/** The query's SQL with its parameters inlined, and no trailing semicolon. */
export function compileUnloadQuery(
  query: UnloadQuery,
  params: readonly unknown[] | undefined,
  literal: (text: string) => string,
): string {
  let sql: string;
  let parameters: readonly unknown[];
  if (typeof query === 'string') {
    sql = query;
    parameters = params ?? [];
  } else {
    const compiled =
      'compile' in query && typeof query.compile === 'function' ? query.compile() : (query as SqlWithParams);
    if (params?.length)
      throw new Error('unload: give parameters either with the query object or in options.params, not both');
    sql = compiled.sql;
    parameters = compiled.parameters ?? [];
  }
  const text = inlineParameters(sql, parameters, literal).trim().replace(/;\s*$/, '');
  if (text === '') throw new Error('unload: the query is empty');
  return text;
}
