// Postgres: the same plan as Redshift; COPY FROM STDIN streams the staged parts (pg-copy-streams),
// so Postgres runs exactly the files Redshift would read from S3.
import { UpshiftConfigError } from '../config.js';
import { UpshiftError } from '../errors.js';
import type pg from 'pg';
import type { Kysely } from 'kysely';
import { requireOptional } from '../optional.js';
import { pipeline } from 'node:stream/promises';
import { backendPid, copyFrom, copyTo, destroySocket, pgLib } from './pg-lib.js';
import { quoteIdent } from '../sql/identifiers.js';
import { postgresLiteral } from '../sql/literals.js';
import { postgresDialect, type SqlDialect } from '../dialect/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStage } from '../stage/local.js';
import type { Stage } from '../stage/types.js';
import {
  copyEachFile,
  copyTarget,
  POSTGRES_EXPORT_SETTINGS,
  POSTGRES_LOAD_SETTINGS,
  postgresCopyOptions,
} from './copy-input.js';
import { upshiftPgTypes } from './pg-types.js';
import { PgLiveCopy } from './pg-live-copy.js';
import type { ExportField } from './unload/parquet.js';
import type { CommitMarker } from './plan.js';
import {
  Warehouse,
  type CopyStep,
  type LoadSession,
  type QueryResult,
  type Session,
  type WarehouseOptions,
} from './warehouse.js';

export interface PostgresOptions extends Omit<WarehouseOptions, 'stage'> {
  /**
   * Where loads stage their files. Default: a LocalStage in a new temp folder, made when a load
   * (or replay, unload, stage gc) first needs it; queries need none.
   */
  stage?: Stage | undefined;
  /** A connection string; or pass your own `pool`. */
  connectionString?: string | undefined;
  pool?: pg.Pool | undefined;
  /** Pool size when upshift creates the pool. Default 4. */
  maxConnections?: number | undefined;
  /**
   * COPY rows into the stage table while they are staged (default true). false stages first and
   * COPYs the staged files inside the merge transaction, as Redshift does.
   */
  copyWhileStaging?: boolean | undefined;
}

// Stands in for the stage until stageOnFirstUse replaces it (never used: the getter is defined right after).
const NO_STAGE_YET = {} as Stage;

/** Gives the warehouse its default stage, a LocalStage in a fresh temp folder, when `stage` is first read. */
function stageOnFirstUse(warehouse: { readonly stage: Stage }): void {
  Object.defineProperty(warehouse, 'stage', {
    configurable: true,
    enumerable: true,
    get() {
      const stage = new LocalStage({ dir: mkdtempSync(join(tmpdir(), 'upshift-stage-')) });
      Object.defineProperty(warehouse, 'stage', { value: stage, enumerable: true });
      return stage;
    },
  });
}

/** A pg.PoolClient as a Session. */
export class PgSession implements Session {
  constructor(readonly client: pg.PoolClient) {}
  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    const r = await this.client.query(sql, params as unknown[]);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  }
}

export class PostgresWarehouse extends Warehouse<PgSession> {
  readonly dialect: SqlDialect = postgresDialect;
  readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly streamsWhileStaging: boolean;

  constructor(options: PostgresOptions) {
    super({ ...options, stage: options.stage ?? NO_STAGE_YET });
    if (!options.stage) stageOnFirstUse(this);
    this.streamsWhileStaging = options.copyWhileStaging ?? true;
    if (options.pool) {
      this.pool = options.pool;
      this.ownsPool = false;
    } else {
      const connectionString = options.connectionString ?? process.env.UPSHIFT_DATABASE_URL ?? process.env.DATABASE_URL;
      if (!connectionString)
        throw new UpshiftConfigError(
          'PostgresDatabase needs { connectionString } or { pool } (or UPSHIFT_DATABASE_URL / DATABASE_URL in the environment)',
        );
      this.pool = new pgLib.Pool({ connectionString, max: options.maxConnections ?? 4, types: upshiftPgTypes });
      this.ownsPool = true;
    }
    // An idle client that dies (server restart, killed backend) must not crash the process.
    this.pool.on('error', () => undefined);
  }

  override beginStatements(): string[] {
    return ['BEGIN', ...POSTGRES_LOAD_SETTINGS];
  }

  /** A pooled connection and how to give it back: dropped, not reused, once it broke. */
  private async acquire(): Promise<{ session: PgSession; release: (err?: unknown) => void }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const onError = (e: Error) => {
      broken = e;
    };
    client.on('error', onError);
    return {
      session: new PgSession(client),
      release: (err) => {
        broken ??= isConnectionError(err) ? (err as Error) : undefined;
        client.off('error', onError);
        client.release(broken);
      },
    };
  }

  protected async withSession<T>(fn: (session: PgSession) => Promise<T>): Promise<T> {
    const { session, release } = await this.acquire();
    let failure: unknown;
    try {
      return await fn(session);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      release(failure);
    }
  }

  /**
   * A load that COPYs while staging holds one connection from its first chunk to its commit:
   * the stage table lives in that session, and the merge runs there. The connection is taken
   * only if the pool has one free: a source reading this same pool (fromPostgresQuery with
   * `pool: db.pool`) already holds one, and waiting for another could wait forever. The load
   * then stages files and COPYs them in the merge, as before.
   */
  override async withLoadSession<T>(fn: (load: LoadSession) => Promise<T>): Promise<T> {
    // Redshift (a subclass) COPYs the staged files from S3 itself: nothing to stream.
    if (this.dialect.capabilities.copiesFromS3 || !this.streamsWhileStaging) return super.withLoadSession(fn);
    let held: Awaited<ReturnType<PostgresWarehouse['acquire']>> | undefined;
    const created: string[] = [];
    let failure: unknown;
    try {
      return await fn({
        copyWhileStaging: async (createSql, step) => {
          if (!this.poolHasRoom()) return undefined;
          held = await this.acquire();
          const { session } = held;
          try {
            for (const sql of this.beginStatements()) await session.query(sql);
            await session.query(createSql);
          } catch (err) {
            await session.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
          created.push(step.table.name);
          return new PgLiveCopy(
            session.client,
            `COPY ${copyTarget(step)} FROM STDIN WITH (${postgresCopyOptions(step.format)})`,
            step.target ?? step.table.name,
          );
        },
        runPlan: (plan) => this.runPlan(plan, held?.session),
      });
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      if (held) {
        // The merge drops the stage table; after a failed merge it is still there (it outlives rollbacks).
        for (const name of created)
          await held.session.query(`DROP TABLE IF EXISTS ${quoteIdent(name)}`).catch(() => undefined);
        held.release(failure);
      }
    }
  }

  private poolHasRoom(): boolean {
    const { pool } = this;
    return pool.waitingCount === 0 && (pool.idleCount > 0 || pool.totalCount < (pool.options.max ?? 10));
  }

  /**
   * After COMMIT got no answer: wait until the old backend's transaction has ended (it may still
   * be committing; one left idle in its transaction is ended, which rolls it back), then read the
   * load's audit row on a fresh connection (not the pool, which the load may have used up).
   */
  protected override async commitOutcome(lost: PgSession, marker: CommitMarker): Promise<boolean> {
    const pid = backendPid(lost.client);
    const client = new pgLib.Client(this.pool.options);
    client.on('error', () => undefined);
    await client.connect();
    try {
      if (pid) await waitForTransactionEnd(client, pid, 60_000);
      return marker.committed((await client.query<Record<string, unknown>>(marker.sql, marker.params)).rows);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  protected async copy(session: PgSession, step: CopyStep): Promise<number> {
    const { client } = session;
    const sql = `COPY ${copyTarget(step)} FROM STDIN WITH (${postgresCopyOptions(step.format)})`;
    return copyEachFile(this.stage, step, async (input) => {
      const sink = client.query(copyFrom(sql));
      await pipeline(input, sink);
      return sink.rowCount;
    });
  }

  override describeQuery(sql: string): Promise<ExportField[]> {
    return this.withSession(async ({ client }) => {
      const r = await client.query(`SELECT * FROM (${sql}) AS upshift_unload LIMIT 0`);
      return r.fields.map((f) => ({ name: f.name, typeId: f.dataTypeID, typeModifier: f.dataTypeModifier }));
    });
  }

  /** COPY (query) TO STDOUT, read as it streams: the reader's pace (storage uploads) sets the server's. */
  override exportCsv(sql: string, delimiter: string, onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
    return this.withSession(async ({ client }) => {
      await client.query('BEGIN READ ONLY');
      for (const setting of POSTGRES_EXPORT_SETTINGS) await client.query(setting);
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const copy = client.query(
        copyTo(
          `COPY (${sql}) TO STDOUT WITH (FORMAT csv, DELIMITER ${postgresLiteral(delimiter)}, QUOTE '"', NULL '\\N', FORCE_QUOTE *)`,
        ),
      );
      try {
        for await (const chunk of copy) await onChunk(chunk as Buffer);
        await client.query('COMMIT');
      } catch (err) {
        // Mid-COPY the connection takes no other statement until the server has sent everything:
        // cancel the COPY on the server and drop this connection (the pool opens a fresh one).
        await this.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
        copy.destroy();
        destroySocket(client);
        throw err;
      }
    });
  }

  /**
   * A typed Kysely handle over the same pool (pair it with codegen's `DB` interface).
   * Close the database with db.close(), not kysely.destroy(). Kysely is an optional peer
   * dependency, loaded here (its CommonJS build: this method is synchronous).
   */
  kysely<DB>(): Kysely<DB> {
    const { Kysely, PostgresDialect } = requireOptional<typeof import('kysely')>('kysely', 'db.kysely()');
    return new Kysely<DB>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    const r = await this.pool.query(sql, params as unknown[]);
    return r.rows as R[];
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

function isConnectionError(err: unknown): boolean {
  // A decoded LoadError keeps the driver's error as its cause.
  if (err instanceof Error && err.cause && isConnectionError(err.cause)) return true;
  const code = (err as { code?: string })?.code ?? '';
  return (
    /^(57P0[1-3]|08\d\d\d)$/.test(code) ||
    /ECONNRESET|EPIPE|Connection terminated/i.test(String((err as Error)?.message))
  );
}

/**
 * Waits until backend `pid` is in no transaction: gone, or idle. One idle in its transaction
 * (the COMMIT never arrived) is terminated, which rolls it back; one still active (committing) is
 * waited for. Its transaction's outcome is final once this returns.
 */
async function waitForTransactionEnd(client: pg.Client, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ state: string | null }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [
      pid,
    ]);
    const state = rows[0]?.state;
    if (state === undefined || state === 'idle') return;
    if (state?.startsWith('idle in transaction')) await client.query('SELECT pg_terminate_backend($1)', [pid]);
    if (Date.now() > deadline)
      throw new UpshiftError(
        'COMMIT_UNCONFIRMED',
        `backend ${pid} was still ${state ?? 'busy'} after ${timeoutMs / 1000} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
