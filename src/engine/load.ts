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
import type { Source } from '../sources/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';
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
  /** Rows removed (replace). */
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
  const mode = options.mode ?? 'upsert';
  const loadId = newLoadId();
  const startedAt = new Date();
  const record: AuditRecord = {
    loadId,
    table: model.qualifiedName,
    mode,
    source: safeDescribe(source),
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
  const finish = (counts: Record<string, number>) => {
    record.finishedAt = new Date();
    record.durationMs = record.finishedAt.getTime() - startedAt.getTime();
    record.rowsStaged = counts.staged ?? null;
    // A partial upsert's INSERT writes only new keys (its UPDATE counts `matched`); a whole-row upsert's writes the updated rows too.
    const total = (counts.inserted ?? 0) + (counts.matched ?? 0);
    record.updated = mode === 'upsert' ? Math.min((counts.updated ?? 0) + (counts.matched ?? 0), total) : 0;
    record.inserted = total - record.updated;
    record.deleted = counts.deleted ?? 0;
  };
  let result: LoadResult;
  let loadStarted = 0;
  try {
    checkLoadOptions(model, mode, options.orderBy);
    const columnWatch = new GivenColumns(model, mode, options.partial ?? false, record.source);
    await runBeforeLoad(hookList(options.hooks), {
      loadId,
      table: model.qualifiedName,
      model,
      mode,
      source: record.source,
    });
    await ensureAuditTable(warehouse);
    await warehouse.query(auditInsertSql(warehouse), auditParams(record));
    const progress = options.onProgress ? new LoadProgress(options.onProgress) : undefined;
    progress?.begin();
    const planResult = await warehouse.withLoadSession(async (session) => {
      const live = session.copyWhileStaging
        ? new LiveStage({ copyWhileStaging: session.copyWhileStaging }, warehouse, model, stageTableName(loadId))
        : undefined;
      const preparing = source
        .prepare({
          model,
          stage: warehouse.stage,
          binary: warehouse.binary,
          copiesFromS3: warehouse.copiesFromS3,
          loadId,
          columnWatch,
          intent: () => loadIntent(mode, options, columnWatch),
          ...(progress ? { onProgress: progress.report } : {}),
          ...(live ? { copyWhileStaging: live.open } : {}),
        })
        .then((prepared) => {
          record.stageUris = prepared.staged.files.map((f) => f.uri);
          record.manifestUri = prepared.staged.manifestUri;
          return prepared;
        });
      preparing.catch(() => undefined); // awaited below on every path
      // With a live COPY the merge starts once every row is written, while the stage is still
      // compressing and storing the parts; the audit row (before COMMIT) waits for their URIs.
      let stageLoaded: LoadedStage | undefined;
      if (live) {
        try {
          await Promise.race([live.ended, preparing]);
        } catch (err) {
          await live.abort();
          throw err;
        }
        progress?.enter('copying');
        try {
          stageLoaded = await live.finish();
          progress?.enter('merging');
        } catch (err) {
          await preparing.catch(() => undefined); // report it with the staged files complete, to inspect
          throw err;
        }
      }
      const prepared = stageLoaded ? undefined : await preparing;
      if (prepared) progress?.enter('copying');
      loadStarted = Date.now();
      record.timings.stageMs = loadStarted - startedAt.getTime();
      const built = buildLoadPlan({
        warehouse,
        model,
        mode,
        loadId,
        ...(prepared ? { prepared } : {}),
        ...(stageLoaded ? { stageLoaded } : {}),
        ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
        ...partialInput(options.partial, columnWatch),
        // The succeeded row, in the load's transaction: commit and audit stay one.
        auditRow: {
          sql: auditInsertSql(warehouse),
          params: async (counts) => {
            await preparing;
            finish(counts);
            record.status = 'succeeded';
            record.timings.loadMs = Date.now() - loadStarted;
            return auditParams(record);
          },
        },
        onLoadCommits: (rows) => {
          record.loadCommits = decodeLoadCommits(rows);
        },
      });
      const plan = {
        ...built,
        ...(progress ? { steps: announceMerge(built.steps, () => progress.enter('merging')) } : {}),
        onAttempt: (attempt: number) => {
          record.attempts = attempt;
        },
        ...(options.signal ? { signal: options.signal } : {}),
        commitMarker: {
          table: auditTableName(warehouse),
          sql: auditStatusSql(warehouse),
          params: [loadId],
          committed: (rows: Record<string, unknown>[]) =>
            rows.some((r) => String(r.status ?? '').trim() === 'succeeded'),
        },
      };
      try {
        return await session.runPlan(plan);
      } finally {
        await preparing.catch(() => undefined);
      }
    });
    record.attempts = planResult.attempts;
    record.status = 'succeeded';
    await auditWrite(warehouse, auditDropRunningSql(warehouse), [loadId]).catch(() => undefined); // readers ignore a stale running row
    record.timings.loadMs = Date.now() - loadStarted;
    result = {
      loadId,
      table: model.qualifiedName,
      mode,
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
      ...(planResult.notes ? { notes: planResult.notes } : {}),
    };
  } catch (err) {
    record.status = 'failed';
    record.error = errorText(err);
    record.cause = err;
    record.rowsStaged = record.inserted = record.updated = record.deleted = null;
    record.loadCommits = null;
    record.finishedAt = new Date();
    record.durationMs = record.finishedAt.getTime() - startedAt.getTime();
    if (loadStarted) record.timings.loadMs = Date.now() - loadStarted;
    // Outside the rolled-back transaction. If even this fails (the database is gone), the load error still wins.
    try {
      await recordFailure(warehouse, record, err);
    } catch (auditErr) {
      if (err instanceof Error) (err as FailedLoadError).auditError = auditErr;
    }
    const hookErrors = await runAfterLoad(options, record);
    if (hookErrors.length && err instanceof Error) (err as FailedLoadError).hookErrors = hookErrors;
    throw err;
  }
  // Committed: nothing from here on fails the load.
  result.maintenance = await runMaintenance(warehouse, model, options);
  result.hookErrors = await runAfterLoad(options, record);
  return result;
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
