// Validated rows into the stage as upshift's own CSV parts: the path every source takes whose
// data COPY can't read as it is (a user's CSV to validate, JSON lines or Parquet on Postgres,
// an Arrow table, a query's output).
import { loadColumns, type NormalizedValue } from '../model/validate.js';
import { upshiftCsvIn } from '../stage/codec.js';
import type { PreparedSource, RowFacts, SourceContext } from './source.js';

/**
 * Stages rows in load-column order. `ordered` rows carry their load order (last write wins);
 * rows from files without an order (S3 objects) don't, so they follow the same rule on every
 * warehouse as Redshift reading those files in place: orderBy decides, or duplicates fail.
 */
export async function stageRows(
  ctx: SourceContext,
  rows: AsyncIterable<NormalizedValue[]> | Iterable<NormalizedValue[]>,
  ordered: boolean,
  facts: () => RowFacts = () => ({}),
): Promise<PreparedSource> {
  const columns = loadColumns(ctx.model);
  const live = ctx.copyWhileStaging?.(columns, ordered);
  const staged = await ctx.stage.writeRows(rows, {
    target: ctx.model,
    columns: columns.map((c) => ctx.model.columns[c]!.spec),
    columnNames: columns,
    ordinal: ordered,
    binary: ctx.binary,
    loadId: ctx.loadId,
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
    ...(ctx.intent ? { intent: ctx.intent } : {}),
    ...(live ? { onChunk: live.write, onRowsWritten: () => live.end(facts()) } : {}),
  });
  return { staged, format: upshiftCsvIn(staged.compression), ordered, columns, ...facts() };
}
