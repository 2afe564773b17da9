// One load, end to end: beforeLoad hooks (may veto), a `running` audit row (committed at once,
// so a killed load leaves a trace), prepare the source (validate + stage; on Postgres the COPY
// into the stage table runs meanwhile, on the load's own connection), run the plan as one
// transaction that also INSERTs the load's `succeeded` row, then drop the running row; after a
// failure the running row becomes `failed`. Then, outside the transaction: maintenance (VACUUM /
// ANALYZE) after a success, and afterLoad hooks either way.
//
// Why a second row and not an UPDATE inside the load: an UPDATE reads the shared audit table,
// and on Redshift two concurrent loads that each read and write it form a serialization cycle
// (1023), so every concurrent load into any table would be retried. INSERTs don't read.
import { newLoadId } from '../stage/index.js';
import type { LoadIntent, Progress } from '../stage/types.js';
import type { TableModel } from '../model/table.js';
import type { PreparedSource, Source } from './source.js';
import type { LoadPlan, PlanResult } from '../warehouse/plan.js';
import type { LoadSession, Warehouse } from '../warehouse/warehouse.js';
import {
  auditDropRunningSql,
  auditFailRunningSql,
  auditInsertSql,
  auditParams,
  auditStatusSql,
  auditTableName,
  decodeLoadCommits,
  ensureAuditTable,
  type AuditRecord,
  type LoadCommit,
} from './audit.js';
import { CommitUnconfirmedError, isSerializationConflict } from '../warehouse/errors.js';
import {
  hookList,
  runAfterLoad,
  runBeforeLoad,
  runMaintenance,
  type HookFailure,
  type LoadBehaviour,
  type MaintenanceOutcome,
} from './hooks.js';
import { LiveStage, type LoadedStage } from './live-stage.js';
import { buildLoadPlan, checkLoadOptions, stageTableName, type LoadMode, type PlanInput } from './plan.js';
import { GivenColumns } from './given-columns.js';
import { announceMerge, LoadProgress } from './load-progress.js';

export interface LoadOptions extends LoadBehaviour {
  mode?: LoadMode | undefined;
  /** Files without load order: duplicates on the upsert key keep the row with the greatest value here. */
  orderBy?: string | undefined;
  /** Upsert only the columns the source gives (see GivenColumns); without it, an upsert from a source lacking columns is refused. */
  partial?: boolean | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
  /** Cancels the load: its transaction stops before its next statement (the Data API cancels the running one) and rolls back. */
  signal?: AbortSignal | undefined;
}

export interface LoadResult {
  loadId: string;
  table: string;
  mode: LoadMode;
  /** Rows staged and copied into the stage table. */
  staged: number;
  /** New rows (for upsert: rows whose key was not in the table). */
  inserted: number;
  /** Existing rows replaced (upsert). */
  updated: number;
  /** Rows removed: replace, every row; upsert, a target's duplicate-key rows beyond one per key (see loadCounts). */
  deleted: number;
  /** Duplicate rows dropped from the batch (last write wins). */
  duplicates: number;
  stageUris: string[];
  manifestUri: string;
  attempts: number;
  durationMs: number;
  /** Redshift: per file, what stl_load_commits recorded. */
  loadCommits: LoadCommit[] | null;
  /** VACUUM / ANALYZE after the load, when asked for. */
  maintenance: MaintenanceOutcome[];
  /** afterLoad hooks that threw (the load stands; each was also reported to onHookError or console.warn). */
  hookErrors: HookFailure[];
  /** Things worth knowing about a load that stands (e.g. COMMIT's answer was lost and the commit was confirmed). */
  notes?: string[];
}

/** The error a failed load throws carries the afterLoad hooks' failures too. */
export type FailedLoadError = Error & { auditError?: unknown; hookErrors?: HookFailure[] };

export async function runLoad(
  warehouse: Warehouse,
  model: TableModel,
  source: Source,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const load = new LoadRun(warehouse, model, source, options);
  let result: LoadResult;
  try {
    result = await load.run();
  } catch (err) {
    throw await load.failed(err);
  }
  // Committed: nothing from here on fails the load.
  result.maintenance = await runMaintenance(warehouse, model, options);
  result.hookErrors = await runAfterLoad(options, load.record);
  return result;
}

/** One load's state: the audit record it fills in as it goes, from `running` to `succeeded` or `failed`. */
class LoadRun {
  readonly mode: LoadMode;
  readonly loadId = newLoadId();
  readonly startedAt = new Date();
  readonly record: AuditRecord;
  /** When the load transaction's plan was built (0: not reached). */
  private loadStarted = 0;
  private progress: LoadProgress | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly model: TableModel,
    private readonly source: Source,
    private readonly options: LoadOptions,
  ) {
    this.mode = options.mode ?? 'upsert';
    this.record = runningRecord(this.loadId, model.qualifiedName, this.mode, safeDescribe(source), this.startedAt);
  }

  /** Up to COMMIT and the running row's removal. */
  async run(): Promise<LoadResult> {
    const { warehouse, model, mode, options, record } = this;
    checkLoadOptions(model, mode, options.orderBy);
    const columnWatch = new GivenColumns(model, mode, options.partial ?? false, record.source, options.orderBy);
    await runBeforeLoad(hookList(options.hooks), {
      loadId: this.loadId,
      table: model.qualifiedName,
      model,
      mode,
      source: record.source,
    });
    await ensureAuditTable(warehouse);
    await warehouse.query(auditInsertSql(warehouse), auditParams(record));
    this.progress = options.onProgress ? new LoadProgress(options.onProgress) : undefined;
    this.progress?.begin();
    const planResult = await warehouse.withLoadSession((session) => this.inSession(session, columnWatch));
    record.attempts = planResult.attempts;
    record.status = 'succeeded';
    // Readers ignore a stale running row.
    await auditWrite(warehouse, auditDropRunningSql(warehouse), [this.loadId]).catch(() => undefined);
    record.timings.loadMs = Date.now() - this.loadStarted;
    return this.result(planResult);
  }

  /** Stages the source (into the stage table at once, with a live COPY) and runs the plan, on the load's session. */
  private async inSession(session: LoadSession, columnWatch: GivenColumns): Promise<PlanResult> {
    const copyWhileStaging = session.copyWhileStaging?.bind(session);
    const live = copyWhileStaging
      ? new LiveStage({ copyWhileStaging }, this.warehouse, this.model, stageTableName(this.loadId))
      : undefined;
    const preparing = this.prepare(columnWatch, live);
    preparing.catch(() => undefined); // awaited below on every path
    const stageLoaded = live ? await this.liveCopied(live, preparing) : undefined;
    const prepared = stageLoaded ? undefined : await preparing;
    if (prepared) this.progress?.enter('copying');
    this.loadStarted = Date.now();
    this.record.timings.stageMs = this.loadStarted - this.startedAt.getTime();
    const plan = this.plan(columnWatch, preparing, prepared, stageLoaded);
    try {
      return await session.runPlan(plan);
    } finally {
      await preparing.catch(() => undefined);
    }
  }

  /** The source validated and staged; the record learns the staged files. */
  private async prepare(columnWatch: GivenColumns, live: LiveStage | undefined): Promise<PreparedSource> {
    const { warehouse, model, mode, options, progress } = this;
    const prepared = await this.source.prepare({
      model,
      stage: warehouse.stage,
      binary: warehouse.dialect.capabilities.binaryFormat,
      copiesFromS3: warehouse.dialect.capabilities.copiesFromS3,
      loadId: this.loadId,
      columnWatch,
      intent: () => loadIntent(mode, options, columnWatch),
      ...(progress ? { onProgress: progress.report } : {}),
      ...(live ? { copyWhileStaging: live.open } : {}),
    });
    this.record.stageUris = prepared.staged.files.map((f) => f.uri);
    this.record.manifestUri = prepared.staged.manifestUri;
    return prepared;
  }

  /**
   * With a live COPY the merge starts once every row is written, while the stage is still
   * compressing and storing the parts; the audit row (before COMMIT) waits for their URIs.
   */
  private async liveCopied(live: LiveStage, preparing: Promise<PreparedSource>): Promise<LoadedStage | undefined> {
    try {
      await Promise.race([live.ended, preparing]);
    } catch (err) {
      await live.abort();
      throw err;
    }
    this.progress?.enter('copying');
    try {
      const stageLoaded = await live.finish();
      this.progress?.enter('merging');
      return stageLoaded;
    } catch (err) {
      await preparing.catch(() => undefined); // report it with the staged files complete, to inspect
      throw err;
    }
  }

  private plan(
    columnWatch: GivenColumns,
    preparing: Promise<PreparedSource>,
    prepared: PreparedSource | undefined,
    stageLoaded: LoadedStage | undefined,
  ): LoadPlan {
    const { warehouse, mode, options, record, progress } = this;
    const built = buildLoadPlan({
      warehouse,
      model: this.model,
      mode,
      loadId: this.loadId,
      ...(prepared ? { prepared } : {}),
      ...(stageLoaded ? { stageLoaded } : {}),
      ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
      ...partialInput(options.partial, columnWatch),
      // The succeeded row, in the load's transaction: commit and audit stay one.
      auditRow: {
        sql: auditInsertSql(warehouse),
        params: async (counts) => {
          await preparing;
          this.recordCounts(counts);
          record.status = 'succeeded';
          record.timings.loadMs = Date.now() - this.loadStarted;
          return auditParams(record);
        },
      },
      onLoadCommits: (rows) => {
        record.loadCommits = decodeLoadCommits(rows);
      },
    });
    return {
      ...built,
      ...(progress ? { steps: announceMerge(built.steps, () => progress.enter('merging')) } : {}),
      onAttempt: (attempt: number) => {
        record.attempts = attempt;
      },
      ...(options.signal ? { signal: options.signal } : {}),
      commitMarker: {
        table: auditTableName(warehouse),
        sql: auditStatusSql(warehouse),
        params: [this.loadId],
        committed: (rows: Record<string, unknown>[]) =>
          rows.some((r) => typeof r.status === 'string' && r.status.trim() === 'succeeded'),
      },
    };
  }

  /** The plan's step counts, as the audit row and the result report them. */
  private recordCounts(counts: Record<string, number>): void {
    const { record } = this;
    record.finishedAt = new Date();
    record.durationMs = record.finishedAt.getTime() - this.startedAt.getTime();
    record.rowsStaged = counts.staged ?? null;
    Object.assign(record, loadCounts(this.mode, this.options.partial ?? false, counts));
  }

  private result(planResult: PlanResult): LoadResult {
    const { record } = this;
    return {
      loadId: this.loadId,
      table: this.model.qualifiedName,
      mode: this.mode,
      staged: record.rowsStaged ?? 0,
      inserted: record.inserted ?? 0,
      updated: record.updated ?? 0,
      deleted: record.deleted ?? 0,
      duplicates: planResult.counts.duplicates ?? 0,
      stageUris: record.stageUris,
      manifestUri: record.manifestUri ?? '',
      attempts: planResult.attempts,
      durationMs: record.durationMs,
      loadCommits: record.loadCommits,
      maintenance: [],
      hookErrors: [],
      ...notesOf(planResult.notes, this.duplicateKeysNote()),
    };
  }

  /** Told when an upsert's DELETE removed more rows than its INSERT wrote: the target held duplicate keys. */
  private duplicateKeysNote(): string | undefined {
    const { record } = this;
    if (this.mode !== 'upsert' || !record.deleted) return undefined;
    const removed = (record.updated ?? 0) + record.deleted;
    return (
      `${this.model.qualifiedName} held duplicate upsert keys: ${removed} rows were replaced by ${record.updated} ` +
      `(one per key); the ${record.deleted} beyond one per key are counted as deleted`
    );
  }

  /** After a failure: the audit row says so (outside the rolled-back transaction), afterLoad hooks run. Returns the error. */
  async failed(err: unknown): Promise<unknown> {
    const { record } = this;
    record.status = 'failed';
    record.error = errorText(err);
    record.cause = err;
    record.rowsStaged = record.inserted = record.updated = record.deleted = null;
    record.loadCommits = null;
    record.finishedAt = new Date();
    record.durationMs = record.finishedAt.getTime() - this.startedAt.getTime();
    if (this.loadStarted) record.timings.loadMs = Date.now() - this.loadStarted;
    // If even this fails (the database is gone), the load error still wins.
    try {
      await recordFailure(this.warehouse, record, err);
    } catch (auditErr) {
      if (err instanceof Error) (err as FailedLoadError).auditError = auditErr;
    }
    const hookErrors = await runAfterLoad(this.options, record);
    if (hookErrors.length && err instanceof Error) (err as FailedLoadError).hookErrors = hookErrors;
    return err;
  }
}

/**
 * What a load did, from its plan's step counts. A partial upsert counts its UPDATE (`matched`)
 * and its INSERT of new keys. A whole-row upsert's DELETE removes every target row of a loaded
 * key (`updated`: rows removed) and its INSERT writes one row per key (`inserted`: rows written);
 * where the target held duplicate keys (nothing enforces them on Redshift) the DELETE removes more
 * rows than the keys it matched, and those beyond one per written row are reported as deleted:
 * updated + deleted is what the DELETE removed, inserted + updated what the INSERT wrote. Which
 * written rows had a key already there is not measured (another join of the target): a removed
 * row is matched to each written row first, exact unless a load brings both new keys and keys the
 * target holds twice.
 */
export function loadCounts(
  mode: LoadMode,
  partial: boolean,
  counts: Record<string, number>,
): { inserted: number; updated: number; deleted: number } {
  if (mode !== 'upsert') return { inserted: counts.inserted ?? 0, updated: 0, deleted: counts.deleted ?? 0 };
  if (partial) return { inserted: counts.inserted ?? 0, updated: counts.matched ?? 0, deleted: 0 };
  const written = counts.inserted ?? 0;
  const removed = counts.updated ?? 0;
  const updated = Math.min(removed, written);
  return { inserted: written - updated, updated, deleted: removed - updated };
}

function notesOf(...notes: Array<string[] | string | undefined>): { notes?: string[] } {
  const all = notes.flatMap((n) => (n === undefined ? [] : n));
  return all.length ? { notes: all } : {};
}

/** The audit record of a load that has just begun. */
function runningRecord(loadId: string, table: string, mode: LoadMode, source: string, startedAt: Date): AuditRecord {
  return {
    loadId,
    table,
    mode,
    source,
    stageUris: [],
    rowsStaged: null,
    inserted: null,
    updated: null,
    deleted: null,
    attempts: 0,
    startedAt,
    finishedAt: startedAt,
    durationMs: 0,
    status: 'running',
    error: null,
    manifestUri: null,
    loadCommits: null,
    timings: { stageMs: null, loadMs: null },
    cause: null,
  };
}

/**
 * The failed load's audit row: its running row becomes failed, or, when there is none (the load
 * failed before writing it, or its INSERT's answer was lost and it never arrived), a failed row
 * is added. A load whose COMMIT outcome is unknown keeps its running row: the truth isn't known.
 */
async function recordFailure(warehouse: Warehouse, record: AuditRecord, err: unknown): Promise<void> {
  if (err instanceof CommitUnconfirmedError && err.committed === undefined) return;
  await ensureAuditTable(warehouse);
  const rows = await warehouse.query<{ status: string }>(auditStatusSql(warehouse), [record.loadId]);
  const statuses = rows.map((r) => String(r.status).trim());
  if (statuses.includes('succeeded') || statuses.includes('failed')) return;
  if (statuses.includes('running')) await auditWrite(warehouse, auditFailRunningSql(warehouse), auditParams(record));
  else await auditWrite(warehouse, auditInsertSql(warehouse), auditParams(record));
}

/** An audit write outside a load: Redshift may refuse it as a serialization conflict (1023) with another load's; try again. */
async function auditWrite(warehouse: Warehouse, sql: string, params: unknown[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await warehouse.query(sql, params);
      return;
    } catch (err) {
      if (!isSerializationConflict(err) || attempt >= 3) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt * Math.random()));
    }
  }
}

/** The error as the audit stores it: name, message, and the database's DETAIL when it has one. */
function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const detail = (err as { detail?: unknown }).detail;
  // pg names its DatabaseError 'error' (the protocol's message type): "error: duplicate key ..." reads as an echo under `upshift audit`'s "error:" label.
  const name =
    err.name === 'error' && typeof (err as { code?: unknown }).code === 'string' ? 'DatabaseError' : err.name;
  const text = `${name}: ${err.message}`;
  return typeof detail === 'string' && detail && !text.includes(detail) ? `${text} (${detail})` : text;
}

/** What the manifest records so a replay applies the files as this load does (mode, partial columns, orderBy). */
function loadIntent(mode: LoadMode, options: LoadOptions, watch: GivenColumns): LoadIntent {
  let given: string[] | undefined;
  try {
    given = options.partial ? watch.columns() : undefined;
  } catch {
    given = undefined; // the plan refuses this load; the manifest need not say why
  }
  return {
    mode,
    ...(options.partial ? { partial: true } : {}),
    ...(given ? { givenColumns: given } : {}),
    ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
  };
}

/** The plan's partial flag and the columns the source gave (read once every row is staged). */
function partialInput(partial: boolean | undefined, watch: GivenColumns): Pick<PlanInput, 'partial' | 'givenColumns'> {
  const given = watch.columns();
  return { ...(partial ? { partial: true } : {}), ...(given ? { givenColumns: given } : {}) };
}

function safeDescribe(source: Source): string {
  try {
    return source.describe();
  } catch {
    return '(source could not describe itself)';
  }
}
