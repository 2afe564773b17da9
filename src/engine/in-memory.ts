// fromInMemory: rows from an array or any (async) iterable, validated one at a time and
// streamed into the stage, so memory stays flat whatever the row count.
import { createRowValidator } from '../model/row-validator.js';
import { keyCanonical, type KeyCanonical } from '../model/key-order.js';
import { loadColumns } from '../model/validate.js';
import type { NormalizedValue } from '../model/validate.js';
import type { InsertRow, TableModel } from '../model/table.js';
import { RowValidationError } from '../model/errors.js';
import { stageRows } from './stage-rows.js';
import type { ColumnWatch, PreparedSource, Source, SourceContext } from './source.js';

export type RowInput<T extends TableModel> = Iterable<InsertRow<T>> | AsyncIterable<InsertRow<T>>;
/** A row as a tuple in the model's column order (identity columns excluded), as the Python loader took. */
export type TupleRow = readonly unknown[];

/**
 * Validates one row, object or tuple, into normalized values in load-column order. In a
 * partial upsert the watch sees each row first (every row must give the first row's columns);
 * otherwise an omitted optional key means NULL, as the row type says, and nothing is reported.
 */
function rowNormalizer(model: TableModel, watch?: ColumnWatch): (row: unknown, index: number) => NormalizedValue[] {
  const validate = createRowValidator(model);
  const columns = loadColumns(model);
  const report = watch?.partial ? watch : undefined;
  return (row, i) => {
    if (!Array.isArray(row)) {
      if (report && typeof row === 'object' && row !== null) report.record(row as Record<string, unknown>, i);
      return validate(row, i);
    }
    if (row.length !== columns.length) {
      throw new RowValidationError(
        i,
        '(row)',
        row,
        'tuple length',
        `has ${row.length} values; ${model.qualifiedName} takes ${columns.length} (${columns.join(', ')})`,
        model.qualifiedName,
      );
    }
    const obj: Record<string, unknown> = {};
    for (let c = 0; c < columns.length; c++) obj[columns[c]!] = row[c];
    report?.record(obj, i);
    return validate(obj, i);
  };
}

/**
 * Watches a single-column upsert key for strictly increasing values (input sorted by key, as
 * exports often are). Strictly increasing keys can't repeat, so the merge may skip its dedupe
 * pass; it costs O(1) memory. Values are compared in the key type's canonical form (see
 * keyCanonical), so keys the database calls equal never pass for increasing. Any other input,
 * or a key kind without a canonical form, just leaves `increasing` false.
 */
class KeyOrderWatch {
  increasing: boolean;
  private last: number | bigint | string | undefined;
  private readonly index: number;
  private readonly canonical: KeyCanonical | undefined;
  constructor(model: TableModel) {
    const key = model.options.upsertKey;
    this.canonical = key.length === 1 ? keyCanonical(model.columns[key[0]!]!.spec) : undefined;
    this.index = this.canonical ? loadColumns(model).indexOf(key[0]!) : -1;
    this.increasing = this.index >= 0;
  }
  see(values: NormalizedValue[]): NormalizedValue[] {
    if (this.increasing) {
      const v = this.canonical!(values[this.index]!);
      if (v === undefined || (this.last !== undefined && !(this.last < v))) this.increasing = false;
      this.last = v;
    }
    return values;
  }
}

async function* validatedAsync(
  rows: AsyncIterable<unknown>,
  model: TableModel,
  watch: KeyOrderWatch,
  columnWatch?: ColumnWatch,
): AsyncGenerator<NormalizedValue[]> {
  const normalize = rowNormalizer(model, columnWatch);
  let i = 0;
  for await (const row of rows) yield watch.see(normalize(row, i++));
}

/** Iterates synchronously when it can: `for await` over a large array costs a microtask per row. */
function* validatedSync(
  rows: Iterable<unknown>,
  model: TableModel,
  watch: KeyOrderWatch,
  columnWatch?: ColumnWatch,
): Generator<NormalizedValue[]> {
  const normalize = rowNormalizer(model, columnWatch);
  let i = 0;
  for (const row of rows) yield watch.see(normalize(row, i++));
}

/**
 * A source of model T's rows. `db.table(model).loadFrom(fromInMemory(rows))` infers T from the
 * table, so the rows are type-checked against the model as `upsert(rows)` checks them.
 */
export interface InMemorySource<T extends TableModel> extends Source {
  /**
   * Type-level only, never set: which model's rows the source holds. A function type, so a
   * source of no particular model (InMemorySource<TableModel>, every file source) fits any table.
   */
  readonly rowsFor?: (model: T) => void;
}

export function fromInMemory<T extends TableModel = TableModel>(
  rows: RowInput<T> | Iterable<TupleRow> | AsyncIterable<TupleRow>,
): InMemorySource<T> {
  return {
    describe: () => (Array.isArray(rows) ? `in-memory: ${rows.length} rows` : 'in-memory: iterable'),
    async prepare(ctx: SourceContext): Promise<PreparedSource> {
      const model = ctx.model;
      const watch = new KeyOrderWatch(model);
      const normalized =
        Symbol.iterator in (rows as object)
          ? validatedSync(rows as Iterable<unknown>, model, watch, ctx.columnWatch)
          : validatedAsync(rows as AsyncIterable<unknown>, model, watch, ctx.columnWatch);
      return stageRows(ctx, normalized, true, () => ({ distinctKeys: watch.increasing }));
    },
  };
}
