// The databases users construct. Each is its warehouse plus `table(model)`; subclass them to
// override warehouse steps (copySql, credentialsSql, decodeError, lockTableSql, ...). Options
// may carry load behaviour (hooks, analyze, vacuum) that every load through the database gets.
import type { TableModel } from '../model/table.js';
import { LocalStage } from '../stage/index.js';
import { PgliteWarehouse, type PgliteOptions } from '../warehouse/pglite.js';
import { PostgresWarehouse, type PostgresOptions } from '../warehouse/postgres.js';
import { RedshiftWarehouse, type RedshiftOptions } from '../warehouse/redshift.js';
import { RedshiftDataApiWarehouse, type RedshiftDataApiOptions } from '../warehouse/redshift-data-api.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeBehaviour, pickBehaviour, type LoadBehaviour } from './hooks.js';
import type { LoadResult } from './load.js';
import { replayLoad, type ReplayOptions } from './replay.js';
import { BoundTable, type TableOptions } from './table.js';

export type PostgresDatabaseOptions = PostgresOptions & LoadBehaviour;
export type RedshiftDatabaseOptions = RedshiftOptions & LoadBehaviour;

export class PostgresDatabase extends PostgresWarehouse {
  /** Hooks and maintenance applied to every load through this database. */
  readonly behaviour: LoadBehaviour;
  constructor(options: PostgresDatabaseOptions) {
    super(options);
    this.behaviour = pickBehaviour(options);
  }
  table<T extends TableModel>(model: T, options?: TableOptions): BoundTable<T> {
    return new BoundTable(this, model, this.behaviour, options);
  }
  /** Re-applies a past load from the files it staged (see ReplayOptions); refused when it already committed into the target, unless forced. */
  replay(loadId: string, options: ReplayOptions = {}): Promise<LoadResult> {
    return replayWith(this, this.behaviour, loadId, options);
  }
}

export class RedshiftDatabase extends RedshiftWarehouse {
  readonly behaviour: LoadBehaviour;
  constructor(options: RedshiftDatabaseOptions) {
    super(options);
    this.behaviour = pickBehaviour(options);
  }
  table<T extends TableModel>(model: T, options?: TableOptions): BoundTable<T> {
    return new BoundTable(this, model, this.behaviour, options);
  }
  /** Re-applies a past load from the files it staged (see ReplayOptions); refused when it already committed into the target, unless forced. */
  replay(loadId: string, options: ReplayOptions = {}): Promise<LoadResult> {
    return replayWith(this, this.behaviour, loadId, options);
  }
}

export type RedshiftDataApiDatabaseOptions = RedshiftDataApiOptions & LoadBehaviour;

/** Redshift through the Data API (HTTPS, no connection): the same loads, queries and UNLOAD as RedshiftDatabase. */
export class RedshiftDataApiDatabase extends RedshiftDataApiWarehouse {
  readonly behaviour: LoadBehaviour;
  constructor(options: RedshiftDataApiDatabaseOptions) {
    super(options);
    this.behaviour = pickBehaviour(options);
  }
  table<T extends TableModel>(model: T, options?: TableOptions): BoundTable<T> {
    return new BoundTable(this, model, this.behaviour, options);
  }
  /** Re-applies a past load from the files it staged (see ReplayOptions); refused when it already committed into the target, unless forced. */
  replay(loadId: string, options: ReplayOptions = {}): Promise<LoadResult> {
    return replayWith(this, this.behaviour, loadId, options);
  }
}

export type PgliteDatabaseOptions = Omit<PgliteOptions, 'stage'> & {
  stage?: PgliteOptions['stage'] | undefined;
} & LoadBehaviour;

export class PgliteDatabase extends PgliteWarehouse {
  readonly behaviour: LoadBehaviour;
  /**
   * Zero setup: without a stage, files are staged in a fresh temp folder, in 4 MB parts: PGlite
   * COPYs one whole part from memory, so small parts bound that (1M rows: 951 MB peak RSS
   * against 1049 MB with the 64 MB default; PGlite's own in-memory database is most of it).
   */
  constructor(options: PgliteDatabaseOptions = {}) {
    const stage =
      options.stage ??
      new LocalStage({ dir: mkdtempSync(join(tmpdir(), 'upshift-stage-')), partBytes: 4 * 1024 * 1024 });
    super({ ...options, stage });
    this.behaviour = pickBehaviour(options);
  }
  table<T extends TableModel>(model: T, options?: TableOptions): BoundTable<T> {
    return new BoundTable(this, model, this.behaviour, options);
  }
  /** Re-applies a past load from the files it staged (see ReplayOptions); refused when it already committed into the target, unless forced. */
  replay(loadId: string, options: ReplayOptions = {}): Promise<LoadResult> {
    return replayWith(this, this.behaviour, loadId, options);
  }
}

/** A database's replay: its behaviour (hooks, maintenance) first, then the call's. */
function replayWith(
  db: PostgresWarehouse | RedshiftWarehouse | RedshiftDataApiWarehouse | PgliteWarehouse,
  behaviour: LoadBehaviour,
  loadId: string,
  options: ReplayOptions,
): Promise<LoadResult> {
  const { hooks: _h, onHookError: _e, analyze: _a, vacuum: _v, log: _l, ...rest } = options;
  return replayLoad(db, loadId, { ...rest, ...mergeBehaviour(behaviour, options) });
}

export type { PostgresOptions, RedshiftOptions, RedshiftDataApiOptions, PgliteOptions, ReplayOptions };
