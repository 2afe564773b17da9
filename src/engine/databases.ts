// The databases users construct. Each is its warehouse plus `table(model)`; subclass them to
// override warehouse steps (copySql, credentialsSql, decodeError, lockTableSql, ...).
import type { TableModel } from '../model/table.js';
import { LocalStage } from '../stage/index.js';
import { PgliteWarehouse, type PgliteOptions } from '../warehouse/pglite.js';
import { PostgresWarehouse, type PostgresOptions } from '../warehouse/postgres.js';
import { RedshiftWarehouse, type RedshiftOptions } from '../warehouse/redshift.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoundTable } from './table.js';

export class PostgresDatabase extends PostgresWarehouse {
  table<T extends TableModel>(model: T): BoundTable<T> {
    return new BoundTable(this, model);
  }
}

export class RedshiftDatabase extends RedshiftWarehouse {
  table<T extends TableModel>(model: T): BoundTable<T> {
    return new BoundTable(this, model);
  }
}

export type PgliteDatabaseOptions = Omit<PgliteOptions, 'stage'> & { stage?: PgliteOptions['stage'] };

export class PgliteDatabase extends PgliteWarehouse {
  /** Zero setup: without a stage, files are staged in a fresh temp folder. */
  constructor(options: PgliteDatabaseOptions = {}) {
    super({ ...options, stage: options.stage ?? new LocalStage({ dir: mkdtempSync(join(tmpdir(), 'upshift-stage-')) }) });
  }
  table<T extends TableModel>(model: T): BoundTable<T> {
    return new BoundTable(this, model);
  }
}

export type { PostgresOptions, RedshiftOptions, PgliteOptions };
