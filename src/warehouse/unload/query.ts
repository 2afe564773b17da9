// Queries for UNLOAD. Neither Redshift's UNLOAD ('...') nor Postgres's COPY (query) TO STDOUT
// takes bind parameters, so parameters are inlined as literals of the warehouse's dialect
// (src/sql/parameters.ts: the same untyped literals a bind parameter would be).
import { QueryParameterError, UsageError } from '../../errors.js';
import { inlineParameters } from '../../sql/parameters.js';
import type { SqlLiterals } from '../../sql/literals.js';

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

/** The query's SQL with its parameters inlined, and no trailing semicolon. */
export function compileUnloadQuery(
  query: UnloadQuery,
  params: readonly unknown[] | undefined,
  literals: SqlLiterals,
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
      throw new QueryParameterError(
        'unload: give parameters either with the query object or in options.params, not both',
      );
    sql = compiled.sql;
    parameters = compiled.parameters ?? [];
  }
  const text = inlineParameters(sql, parameters, literals).trim().replace(/;\s*$/, '');
  if (text === '') throw new UsageError('unload: the query is empty');
  return text;
}
