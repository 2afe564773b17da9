// The Warehouse: everything that differs between Redshift, Postgres and PGlite lives behind
// this class (SQL fragments, how COPY reads staged files, how errors decode). The engine only
// builds plans from these fragments and hands them to runPlan.
import { UnsupportedError } from '../errors.js';
import type { Readable } from 'node:stream';
import type { SqlDialect, VacuumMode } from '../dialect/index.js';
import { quoteIdent, qualifiedName } from '../sql/identifiers.js';
import type { TableModel } from '../model/table.js';
import type { ChunkOrigin, Stage } from '../stage/types.js';
import {
  CommitUnconfirmedError,
  isSerializationConflict,
  namingTarget,
  SerializationConflictError,
  serverAnswered,
} from './errors.js';
import type { CommitMarker, LoadPlan, PlanResult, PlanStep } from './plan.js';
import { compileUnloadQuery, type UnloadQuery } from './unload/query.js';
import { resolveUnloadTarget } from './unload/output.js';
import { unloadViaExport, type UnloadOptions, type UnloadResult } from './unload/unload.js';
import type { ExportField } from './unload/parquet.js';

export interface QueryResult<R = Record<string, unknown>> {
  rows: R[];
  rowCount: number;
}

/** One connection-like session: statements run in order on it. */
export interface Session {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

export type CopyStep = Extract<PlanStep, { kind: 'copy' }> & {
  /** Reads a staged object; defaults to the warehouse's stage. Sources reading elsewhere pass their own. */
  read?: (uri: string) => Promise<Readable>;
};

export interface RetryOptions {
  /** Attempts in all, including the first. Default 5. */
  attempts?: number | undefined;
  /** First backoff; doubles each retry, with jitter. Default 200 ms. */
  baseDelayMs?: number | undefined;
}

export interface WarehouseOptions {
  stage: Stage;
  /** Schema of upshift's own tables (load_audit). Default 'upshift'. */
  auditSchema?: string | undefined;
  retry?: RetryOptions | undefined;
}

export const ORDINAL_COLUMN = '__upshift_ord';

/** A COPY fed chunk by chunk while the stage writes its parts (see LoadSession.copyWhileStaging). */
export interface LiveCopy {
  /**
   * Sends one chunk of whole CSV lines. Returns a promise when the server wants the writer to
   * wait. After a failure it drops chunks, so staging completes and the files stay to inspect;
   * finish() reports the failure.
   */
  write(chunk: Buffer, at: ChunkOrigin): Promise<void> | undefined;
  /** Ends the COPY and commits the stage table; returns the rows copied, or throws the decoded failure. */
  finish(): Promise<number>;
  /** Cancels the COPY (staging failed); the stage table goes with it. */
  abort(): Promise<void>;
}

/** What one load runs on: on Postgres, one connection held from staging to commit. */
export interface LoadSession {
  /**
   * Creates the stage table (`createSql`) and starts COPY into it, to be fed as the parts are
   * written: client encoding and server parsing then run at once. Only where COPY reads a
   * stream (Postgres); absent where it reads the staged files (Redshift, PGlite). Resolves to
   * undefined when it can't start now (no free connection): the load then COPYs the files.
   */
  copyWhileStaging?(
    createSql: string,
    step: Pick<CopyStep, 'table' | 'columns' | 'format'> & {
      /** The table the load is for, named in errors. */ target?: string;
    },
  ): Promise<LiveCopy | undefined>;
  /** Runs the merge plan as one transaction, retried on serialization conflicts. */
  runPlan(plan: LoadPlan): Promise<PlanResult>;
}

export type { VacuumMode } from '../dialect/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A warehouse runs plans on its sessions, `S` (a pooled pg connection, the PGlite instance, ...).
 * Nothing outside it sees a session: the engine builds plans from the dialect's fragments and
 * hands them to runPlan.
 */
export abstract class Warehouse<S extends Session = Session> {
  /** The SQL this warehouse speaks and what it can do (`dialect.name`, `dialect.capabilities`). */
  abstract readonly dialect: SqlDialect;
  readonly stage: Stage;
  readonly auditSchema: string;
  protected readonly retry: Required<RetryOptions>;

  constructor(options: WarehouseOptions) {
    this.stage = options.stage;
    this.auditSchema = options.auditSchema ?? 'upshift';
    this.retry = { attempts: options.retry?.attempts ?? 5, baseDelayMs: options.retry?.baseDelayMs ?? 200 };
  }

  /** Runs fn on one session (a pooled connection, the PGlite instance, ...). */
  protected abstract withSession<T>(fn: (session: S) => Promise<T>): Promise<T>;
  /** The COPY step: load the staged files into the table. Returns rows loaded. */
  protected abstract copy(session: S, step: CopyStep): Promise<number>;
  /** Raw SQL escape hatch: runs one statement, returns its rows. */
  abstract query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  abstract close(): Promise<void>;

  // ---- SQL fragments (overridable) ----------------------------------------------------------

  /** Statements that open the load transaction. */
  beginStatements(): string[] {
    return ['BEGIN'];
  }

  /** Serializes concurrent loads into one table (taken first in the transaction). */
  lockTableSql(table: TableModel): string {
    return this.dialect.lockTableSql(this.tableName(table));
  }

  /** The temp stage table, built from the model (not LIKE) so loads and migrations agree. */
  createTempTableSql(name: string, table: TableModel, columns: readonly string[], withOrdinal: boolean): string {
    const cols = columns.map((c) => `${quoteIdent(c)} ${this.dialect.sqlType(table.columns[c]!.spec)}`);
    if (withOrdinal) cols.push(`${quoteIdent(ORDINAL_COLUMN)} BIGINT`);
    const clauses = this.dialect.tempTableClauses(table, columns);
    return [`CREATE TEMP TABLE ${quoteIdent(name)} (${cols.join(', ')})`, ...clauses].join(' ');
  }

  /**
   * Statistics for the freshly loaded stage table, on the columns the merge joins and compares
   * (upsert key, orderBy), so the planner sizes its joins from the real row count.
   */
  analyzeTempSql(name: string, columns: readonly string[]): string[] {
    return this.dialect.analyzeTempSql(name, columns);
  }

  /** An index to speed up lookups by `columns` (`table` already qualified); null where there are none (Redshift). */
  createIndexSql(name: string, table: string, columns: readonly string[]): string | null {
    return this.dialect.createIndexSql(name, table, columns);
  }

  /** A string literal in this dialect. */
  literal(text: string): string {
    return this.dialect.literals.text(text);
  }

  tableName(table: Pick<TableModel, 'schema' | 'name'>): string {
    return qualifiedName(table.schema, table.name);
  }

  // ---- unload and maintenance (overridable) --------------------------------------------------

  /**
   * Writes a query's result to files under `target` (an s3:// prefix, or a path relative to the
   * stage's base path) plus a manifest in Redshift's format. Redshift runs UNLOAD; Postgres and
   * PGlite stream the result (describeQuery + exportCsv) into the same layout.
   */
  async unload(query: UnloadQuery, target: string, options: UnloadOptions = {}): Promise<UnloadResult> {
    const sql = compileUnloadQuery(query, options.params, { ...this.dialect.literals, text: (t) => this.literal(t) });
    return unloadViaExport(this, this.stage, sql, resolveUnloadTarget(this.stage, target), options);
  }

  /** The columns a query returns (names, Postgres type oids), for headers and Parquet schemas. */
  describeQuery(_sql: string): Promise<ExportField[]> {
    return Promise.reject(new UnsupportedError(`${this.constructor.name} cannot describe queries for unload`));
  }

  /** Streams a query's result as CSV (quote '"', NULL as unquoted \N, non-NULL values quoted, UTC). */
  exportCsv(_sql: string, _delimiter: string, _onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
    return Promise.reject(new UnsupportedError(`${this.constructor.name} cannot export query results for unload`));
  }

  /** ANALYZE after a load (outside its transaction); null skips it on this warehouse. */
  analyzeSql(table: Pick<TableModel, 'schema' | 'name'>): string | null {
    return `ANALYZE ${this.tableName(table)}`;
  }

  /** VACUUM after a load; null when the mode means nothing here (Postgres has no 'sort only'). */
  vacuumSql(table: Pick<TableModel, 'schema' | 'name'>, mode: VacuumMode): string | null {
    return this.dialect.vacuumSql(this.tableName(table), mode);
  }

  /** A query run right after COPY in the load transaction that lists per-file load commits (Redshift: stl_load_commits); null where there are none. */
  loadCommitsSql(): string | null {
    return null;
  }

  /**
   * Runs a plan as one transaction. Serialization conflicts (SQLSTATE 40001, Redshift 1023)
   * roll back and retry the whole transaction with backoff; any other error rolls back and is
   * decoded (e.g. COPY errors into a LoadError) and thrown. `on` runs every attempt on one
   * session (a load's, whose temp stage table lives there).
   */
  async runPlan(plan: LoadPlan, on?: S): Promise<PlanResult> {
    for (let attempt = 1; ; attempt++) {
      plan.onAttempt?.(attempt);
      try {
        const done = on
          ? await this.runOnce(on, plan)
          : await this.withSession((session) => this.runOnce(session, plan));
        return { counts: done.counts, attempts: attempt, ...(done.notes ? { notes: done.notes } : {}) };
      } catch (err) {
        if (!isSerializationConflict(err)) throw err;
        if (attempt >= this.retry.attempts) throw new SerializationConflictError(plan.target, attempt, err);
        const delay = this.retry.baseDelayMs * 2 ** (attempt - 1);
        await sleep(delay / 2 + Math.random() * delay);
      }
    }
  }

  /** One load's session. By default none is held: each runPlan attempt takes its own. */
  withLoadSession<T>(fn: (load: LoadSession) => Promise<T>): Promise<T> {
    return fn({ runPlan: (plan) => this.runPlan(plan) });
  }

  private async runOnce(session: S, plan: LoadPlan): Promise<{ counts: Record<string, number>; notes?: string[] }> {
    const counts: Record<string, number> = { ...plan.counts };
    for (const sql of this.beginStatements()) await session.query(sql);
    try {
      for (const step of plan.steps) {
        plan.signal?.throwIfAborted();
        await this.runStep(session, step, counts);
      }
    } catch (err) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw namingTarget(await this.decodeError(session, plan, err), plan.target);
    }
    try {
      await session.query('COMMIT');
    } catch (err) {
      // The server said no: the transaction is gone, as for any failed step.
      if (serverAnswered(err) || !plan.commitMarker) {
        await session.query('ROLLBACK').catch(() => undefined);
        throw namingTarget(await this.decodeError(session, plan, err), plan.target);
      }
      // No answer: the COMMIT may or may not have been applied. Ask the database, don't guess.
      let committed: boolean;
      try {
        committed = await this.commitOutcome(session, plan.commitMarker);
      } catch (lookupErr) {
        throw new CommitUnconfirmedError(plan.target, undefined, err, lookupErr);
      }
      if (!committed) throw new CommitUnconfirmedError(plan.target, false, err);
      return {
        counts,
        notes: [
          `the connection broke after COMMIT was sent (${err instanceof Error ? err.message : String(err)}); a new connection confirmed the load committed`,
        ],
      };
    }
    return { counts };
  }

  /**
   * After COMMIT got no answer on `lost`: whether the transaction committed, read from the
   * marker row on another session. Postgres overrides this to wait for the old transaction to
   * end first; here (PGlite: one in-process session) the answer is already final.
   */
  protected async commitOutcome(_lost: S, marker: CommitMarker): Promise<boolean> {
    return this.withSession(async (session) => marker.committed((await session.query(marker.sql, marker.params)).rows));
  }

  protected async runStep(session: S, step: PlanStep, counts: Record<string, number>): Promise<void> {
    if (step.kind === 'copy') {
      const n = await this.copy(session, step);
      if (step.label) counts[step.label] = n;
    } else if (step.kind === 'check') {
      const { rows } = await session.query(step.sql);
      if (rows.length > 0) throw step.fail(rows);
    } else {
      const params = typeof step.params === 'function' ? await step.params(counts) : step.params;
      const r = await session.query(step.sql, params);
      if (step.label) counts[step.label] = r.rowCount;
      step.onRows?.(r.rows);
    }
  }

  /** Turns a failure inside the load transaction into the error users see. Runs after ROLLBACK, on the same session. */
  protected decodeError(_session: S, _plan: LoadPlan, err: unknown): Promise<unknown> {
    return Promise.resolve(err);
  }
}
