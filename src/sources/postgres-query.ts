// fromPostgresQuery: the result of a query on a source Postgres, streamed with
// COPY (query) TO STDOUT (pg-copy-streams) through the validator into the stage: the result
// is never held in memory. Columns are matched to the model by name.
//
// COPY takes no bind parameters, so `params` are inlined as untyped Postgres literals
// (src/sql/parameters.ts): what a bind parameter is to the server (pg sends parameters as
// untyped text), so `$1` behaves the same: `id > $1`, `LIMIT $1`, `$1::date` all resolve their
// type from the context. The literals keep backslashes as they are: the session below sets
// standard_conforming_strings on before the query runs.
import { UpshiftConfigError } from '../config.js';
import type pg from 'pg';
import { inlineParameters, type QueryParam } from '../sql/parameters.js';
import { postgresLiterals } from '../sql/literals.js';
import { copyTo, destroySocket, pgLib } from '../warehouse/pg-lib.js';
import { validatedCsvRows } from './records.js';
import { stageRows } from '../engine/stage-rows.js';
import type { PreparedSource, Source, SourceContext } from '../engine/source.js';

/** Where the query runs: a connection string (upshift opens and closes one connection) or your pool. */
export type PostgresQueryOptions = (
  { connectionString: string; pool?: undefined } | { pool: pg.Pool; connectionString?: undefined }
) & {
  /** Values for $1, $2, ... in the query. */
  params?: readonly QueryParam[] | undefined;
};

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
    throw new UpshiftConfigError('fromPostgresQuery needs { connectionString } or { pool } for the source database');
  const query = sql.trim().replace(/;\s*$/, '');
  return {
    describe: () => `postgres query: ${query}${options.params?.length ? ` (${options.params.length} params)` : ''}`,
    async prepare(ctx: SourceContext): Promise<PreparedSource> {
      const text = inlineParameters(query, options.params ?? [], postgresLiterals);
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
