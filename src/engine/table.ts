// The bound model: `db.table(candyNames)` gives typed upsert / append / replace / loadFrom.
import { quoteIdent } from '../sql/identifiers.js';
import type { TableModel } from '../model/table.js';
import { fromInMemory, type RowInput, type InMemorySource } from './in-memory.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { mergeBehaviour, type LoadBehaviour } from './hooks.js';
import { runLoad, type LoadOptions, type LoadResult } from './load.js';
import { replayLoad, type ReplayOptions } from './replay.js';

/** What `db.table(model, options)` takes: hooks and maintenance for every load through this binding. */
export type TableOptions = LoadBehaviour;

export class BoundTable<T extends TableModel> {
  /** The database's and this binding's behaviour, merged (hooks: the database's first). */
  readonly behaviour: LoadBehaviour;

  constructor(
    readonly warehouse: Warehouse,
    readonly model: T,
    ...behaviours: Array<LoadBehaviour | undefined>
  ) {
    this.behaviour = mergeBehaviour(...behaviours);
  }

  /**
   * Last write wins on the model's upsertKey; duplicates in the batch keep the last row. A row
   * replaces the stored row whole: an omitted optional column is NULL (or its DEFAULT), as the
   * row type says. `{ partial: true }` updates only the columns the first row gives (every row
   * must give the same ones) and keeps the others of matched keys.
   */
  upsert(rows: RowInput<T>, options: Omit<LoadOptions, 'mode'> = {}): Promise<LoadResult> {
    return this.loadFrom(fromInMemory(rows), { ...options, mode: 'upsert' });
  }

  /** INSERT only: no dedupe, no matching. */
  append(rows: RowInput<T>, options: Omit<LoadOptions, 'mode'> = {}): Promise<LoadResult> {
    return this.loadFrom(fromInMemory(rows), { ...options, mode: 'append' });
  }

  /** Replaces the whole table's contents in one transaction (DELETE + INSERT, never TRUNCATE). */
  replace(rows: RowInput<T>, options: Omit<LoadOptions, 'mode'> = {}): Promise<LoadResult> {
    return this.loadFrom(fromInMemory(rows), { ...options, mode: 'replace' });
  }

  /** Loads any source (mode defaults to upsert); rows from fromInMemory are type-checked against the model. */
  loadFrom(source: InMemorySource<T>, options: LoadOptions = {}): Promise<LoadResult> {
    const { hooks: _h, onHookError: _e, analyze: _a, vacuum: _v, log: _l, ...rest } = options;
    return runLoad(this.warehouse, this.model, source, { ...rest, ...mergeBehaviour(this.behaviour, options) });
  }

  /** Re-applies a past load into this table from the files it staged (the load may have been into another table). */
  replay(loadId: string, options: Omit<ReplayOptions, 'into' | 'models'> = {}): Promise<LoadResult> {
    const { hooks: _h, onHookError: _e, analyze: _a, vacuum: _v, log: _l, ...rest } = options;
    return replayLoad(this.warehouse, loadId, {
      ...rest,
      ...mergeBehaviour(this.behaviour, options),
      into: this.model,
    });
  }

  /** CREATE SCHEMA / TABLE IF NOT EXISTS from the model (with comments). */
  async create(): Promise<void> {
    await this.warehouse.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.model.schema)}`);
    for (const sql of this.warehouse.dialect.createTableStatements(this.model)) await this.warehouse.query(sql);
  }
}
