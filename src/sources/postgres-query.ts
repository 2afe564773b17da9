// fromPostgresQuery: the result of a query on a source Postgres, streamed with
// COPY (query) TO STDOUT (pg-copy-streams) through the validator into the stage: the result
// is never held in memory. Columns are matched to the model by name.
//
// COPY takes no bind parameters, so `params` are inlined as string literals (pg's escaping:
// quotes doubled, backslashes in E'' form). An untyped literal is what a bind parameter is to
// the server (pg sends parameters as untyped text), so `$1` behaves the same: `id > $1`,
// `LIMIT $1`, `$1::date` all resolve their type from the context.
import type pg from 'pg';
import { copyTo, destroySocket, pgLib } from '../warehouse/pg-lib.js';
import { validatedCsvRows } from './records.js';
import { stageRows } from '../engine/stage-rows.js';
import type { PreparedSource, Source, SourceContext } from '../engine/source.js';

export type QueryParam =
  string | number | bigint | boolean | Date | Uint8Array | null | undefined | Record<string, unknown>;

/** Where the query runs: a connection string (upshift opens and closes one connection) or your pool. */
export type PostgresQueryOptions = (
  { connectionString: string; pool?: undefined } | { pool: pg.Pool; connectionString?: undefined }
) & {
  /** Values for $1, $2, ... in the query. */
  params?: readonly QueryParam[] | undefined;
};

/** One parameter as an SQL literal, in the text form pg would send it. */
export function paramLiteral(value: QueryParam, index: number): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return pgLib.escapeLiteral(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new Error(
        `query parameter $${index + 1} is ${value}: pass it as a string ('NaN', 'Infinity') if you mean it`,
      );
    return pgLib.escapeLiteral(String(value));
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') return pgLib.escapeLiteral(String(value));
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new Error(`query parameter $${index + 1} is an Invalid Date`);
    return pgLib.escapeLiteral(value.toISOString());
  }
  if (value instanceof Uint8Array)
    return pgLib.escapeLiteral(`\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`);
  if (Array.isArray(value))
    throw new Error(
      `query parameter $${index + 1} is an array: pass a JSON string and unnest it in SQL (e.g. json_array_elements_text($${index + 1}::json))`,
    );
  return pgLib.escapeLiteral(JSON.stringify(value));
}

/**
 * Replaces $1, $2, ... with literals, outside string constants, quoted identifiers, comments and
 * dollar-quoted bodies (where `$1` is text, not a parameter).
 */
export function inlineParams(sql: string, params: readonly QueryParam[]): string {
  let out = '';
  let i = 0;
  const used = new Set<number>();
  while (i < sql.length) {
    const c = sql[i]!;
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if (c === "'" || c === '"') {
      // '...' with '' escapes (E'...' also has backslash escapes); "..." with "" escapes.
      const escapes = c === "'" && /[eE]$/.test(out) && !/[A-Za-z0-9_$][eE]$/.test(out);
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (rest.startsWith('--')) {
      const end = sql.indexOf('\n', i);
      const j = end === -1 ? sql.length : end;
      out += sql.slice(i, j);
      i = j;
    } else if (rest.startsWith('/*')) {
      let depth = 0;
      let j = i;
      do {
        if (sql.startsWith('/*', j)) {
          depth++;
          j += 2;
        } else if (sql.startsWith('*/', j)) {
          depth--;
          j += 2;
        } else j++;
      } while (depth > 0 && j < sql.length);
      out += sql.slice(i, j);
      i = j;
    } else if (c === '$' && (m = /^\$(\d+)(?![\d$])/.exec(rest)) && !/[A-Za-z0-9_]$/.test(out)) {
      const n = Number(m[1]);
      if (n < 1 || n > params.length) throw new Error(`the query uses $${n}, but ${params.length} params were given`);
      used.add(n);
      out += paramLiteral(params[n - 1], n - 1);
      i += m[0].length;
    } else if (c === '$' && (m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(rest)) && !/[A-Za-z0-9_]$/.test(out)) {
      const tag = m[0];
      const end = sql.indexOf(tag, i + tag.length);
      const j = end === -1 ? sql.length : end + tag.length;
      out += sql.slice(i, j);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  if (used.size < params.length) {
    const unused = params.map((_, k) => k + 1).filter((k) => !used.has(k));
    throw new Error(`params ${unused.map((k) => `$${k}`).join(', ')} are not used by the query`);
  }
  return out;
}

/** Session settings that make COPY's text output exactly what the validator reads. */
const SESSION = [
  'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  "SET LOCAL TIME ZONE 'UTC'",
  // The COPY below spells NULL as '\\N': with standard_conforming_strings off that would read 'N'.
  'SET LOCAL standard_conforming_strings = on',
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 3',
  "SET LOCAL bytea_output = 'hex'",
];

export function fromPostgresQuery(sql: string, options: PostgresQueryOptions): Source {
  if (!options?.connectionString && !options?.pool)
    throw new Error('fromPostgresQuery needs { connectionString } or { pool } for the source database');
  const query = sql.trim().replace(/;\s*$/, '');
  return {
    describe: () => `postgres query: ${query}${options.params?.length ? ` (${options.params.length} params)` : ''}`,
    async prepare(ctx: SourceContext): Promise<PreparedSource> {
      const text = inlineParams(query, options.params ?? []);
      const own = options.pool ? undefined : new pgLib.Client({ connectionString: options.connectionString });
      const client = own ?? (await options.pool!.connect());
      let failed: Error | undefined;
      try {
        if (own) await own.connect();
        for (const s of SESSION) await client.query(s);
        const stream = client.query(copyTo(`COPY (${text}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
        const rows = validatedCsvRows(
          ctx.model,
          stream,
          { header: true },
          `query ${query.length > 200 ? `${query.slice(0, 200)}…` : query}`,
          ctx.columnWatch,
        );
        // The query's ORDER BY is the load order: a later row wins over an earlier one with the same key.
        const prepared = await stageRows(ctx, rows, true);
        await client.query('COMMIT');
        return prepared;
      } catch (err) {
        // Mid-COPY, a ROLLBACK would wait behind the rest of the result: drop the connection
        // instead (the server aborts the query and the transaction), and never reuse it.
        failed = err as Error;
        client.on('error', () => undefined);
        destroySocket(client);
        throw err;
      } finally {
        if (own) await own.end().catch(() => undefined);
        else (client as pg.PoolClient).release(failed ?? false);
      }
    },
  };
}
