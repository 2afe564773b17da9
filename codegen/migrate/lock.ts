// A migration lock that works on Redshift, which has no advisory locks: a row in Kysely's lock
// table. Acquiring is one autocommit UPDATE ... WHERE is_locked = 0; the database serializes
// concurrent updates of the row, so exactly one run sees its update take effect and the others
// poll until it sets the row back. is_locked holds the epoch second it was taken, so a waiting
// run can say since when, and `upshift migrate unlock` can clear a lock a crashed run left.
import { UpshiftError } from '../../src/errors.js';
import {
  PostgresAdapter,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DialectAdapter,
  type Kysely,
  type MigrationLockOptions,
  type PostgresDialectConfig,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

export interface LockOptions {
  /** Give up after this long (default 10 minutes). */
  timeoutMs?: number | undefined;
  /** Poll interval while another run holds the lock (default 500 ms). */
  pollMs?: number | undefined;
  /** Called once when the lock is taken by another run. */
  onWait?: ((heldSince: Date | undefined) => void) | undefined;
}

export class MigrationLockTimeoutError extends UpshiftError {
  declare readonly code: 'MIGRATION_LOCK_TIMEOUT';
  override name = 'MigrationLockTimeoutError';
  constructor(message: string, options?: ErrorOptions) {
    super('MIGRATION_LOCK_TIMEOUT', message, options);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Redshift reports a serialization conflict as error 1023 (SQLSTATE XX000); Postgres as 40001.
const isConflict = (err: unknown) => {
  const e = err as { code?: string; message?: string; detail?: string };
  return e.code === '40001' || /\b1023\b/.test(`${e.message ?? ''} ${e.detail ?? ''}`);
};

export const lockTableRef = (opt: MigrationLockOptions) =>
  sql.table(opt.lockTableSchema ? `${opt.lockTableSchema}.${opt.lockTable}` : opt.lockTable);

export class LockRowAdapter extends PostgresAdapter {
  #held = false;
  constructor(private readonly lock: LockOptions = {}) {
    super();
  }

  override async acquireMigrationLock(db: Kysely<unknown>, opt: MigrationLockOptions): Promise<void> {
    const table = lockTableRef(opt);
    const started = Date.now();
    const timeout = this.lock.timeoutMs ?? 600_000;
    let told = false;
    for (;;) {
      try {
        const token = Math.max(1, Math.floor(Date.now() / 1000));
        const r =
          await sql`update ${table} set is_locked = ${token} where id = ${opt.lockRowId} and is_locked = 0`.execute(db);
        if (Number(r.numAffectedRows ?? 0n) === 1) {
          this.#held = true;
          return;
        }
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
      const { rows } = await sql<{
        is_locked: number;
      }>`select is_locked from ${table} where id = ${opt.lockRowId}`.execute(db);
      const since = rows[0]?.is_locked ? new Date(Number(rows[0].is_locked) * 1000) : undefined;
      if (!told) {
        told = true;
        this.lock.onWait?.(since);
      }
      if (Date.now() - started > timeout) {
        throw new MigrationLockTimeoutError(
          `another migration run holds the migration lock${since ? ` (since ${since.toISOString()})` : ''}; gave up after ${Math.round(timeout / 1000)} s. ` +
            'If no migration is running (a crashed run), clear it with `upshift migrate unlock`',
        );
      }
      await sleep(this.lock.pollMs ?? 500);
    }
  }

  override async releaseMigrationLock(db: Kysely<unknown>, opt: MigrationLockOptions): Promise<void> {
    if (!this.#held) return; // never release a lock another run holds (acquire may have timed out)
    this.#held = false;
    await sql`update ${lockTableRef(opt)} set is_locked = 0 where id = ${opt.lockRowId}`.execute(db);
  }
}

/** Kysely's Postgres dialect (node-postgres also speaks to Redshift) with the lock-row adapter. */
export class MigrationDialect extends PostgresDialect {
  constructor(
    config: PostgresDialectConfig,
    private readonly lock: LockOptions = {},
  ) {
    super(config);
  }
  override createAdapter(): DialectAdapter {
    return new LockRowAdapter(this.lock);
  }
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new MigrationIntrospector(db);
  }
}

/**
 * What the Migrator asks (does the migration schema / table exist?), answered from pg_namespace
 * and pg_class alone. Kysely's own Postgres introspector calls has_schema_privilege() on every
 * schema it lists, which fails ("schema ... does not exist") when another session drops a
 * schema meanwhile, so `migrate up` failed whenever anything else in the database dropped one.
 */
class MigrationIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}
  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(this.db);
    return rows;
  }
  async getTables(): Promise<TableMetadata[]> {
    const { rows } = await sql<{ schema: string; name: string; kind: string }>`
      select n.nspname as schema, c.relname as name, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'v')`.execute(this.db);
    return rows.map((r) => ({ schema: r.schema, name: r.name, isView: r.kind === 'v', columns: [] }));
  }
  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}
