// Subclassing for deeper changes: a database that refuses to wait for a busy table. The lock
// step (lockTableSql) takes the lock with NOWAIT, and decodeError turns Postgres's "lock not
// available" into an error that says what to do. Every overridable step is listed in the README (the toolbox section).
import { PostgresDatabase } from '../src/index.js';
import { type LoadPlan, type PgSession } from '../src/warehouse/index.js';
import type { TableModel } from '../src/index.js';

export class TableBusyError extends Error {
  override name = 'TableBusyError';
  constructor(
    readonly table: string,
    cause: unknown,
  ) {
    super(`${table} is locked by another session; the load did not wait (retry later)`, { cause });
  }
}

export class NoWaitPostgresDatabase extends PostgresDatabase {
  override lockTableSql(table: TableModel): string {
    return `${super.lockTableSql(table)} NOWAIT`;
  }

  protected override async decodeError(session: PgSession, plan: LoadPlan, err: unknown): Promise<unknown> {
    if ((err as { code?: string }).code === '55P03') return new TableBusyError(plan.target, err);
    return super.decodeError(session, plan, err);
  }
}
