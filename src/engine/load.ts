// One load, end to end: prepare the source (validate + stage), run the plan as one transaction,
// and record the audit row — in the same transaction on success, on its own after a failure.
import { newLoadId } from '../stage/index.js';
import type { Progress } from '../stage/types.js';
import type { TableModel } from '../model/table.js';
import type { Source } from '../sources/types.js';
import type { Warehouse } from '../warehouse/warehouse.js';
import { auditInsertSql, auditParams, ensureAuditTable, type AuditRecord } from './audit.js';
import { buildLoadPlan, type LoadMode } from './plan.js';

export interface LoadOptions {
  mode?: LoadMode;
  /** Files without load order: duplicates on the upsert key keep the row with the greatest value here. */
  orderBy?: string;
  onProgress?: (p: Progress) => void;
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
}

export async function runLoad(warehouse: Warehouse, model: TableModel, source: Source, options: LoadOptions = {}): Promise<LoadResult> {
  const mode = options.mode ?? 'upsert';
  const loadId = newLoadId();
  const startedAt = new Date();
  const record: AuditRecord = {
    loadId, table: model.qualifiedName, mode, source: safeDescribe(source), stageUris: [],
    rowsStaged: null, inserted: null, updated: null, deleted: null, attempts: 0,
    startedAt, finishedAt: startedAt, durationMs: 0, status: 'succeeded', error: null,
  };
  const finish = (counts: Record<string, number>) => {
    record.finishedAt = new Date();
    record.durationMs = record.finishedAt.getTime() - startedAt.getTime();
    record.rowsStaged = counts.staged ?? null;
    const total = counts.inserted ?? 0;
    record.updated = mode === 'upsert' ? Math.min(counts.updated ?? 0, total) : 0;
    record.inserted = total - record.updated;
    record.deleted = counts.deleted ?? 0;
  };
  try {
    if (mode === 'upsert' && model.options.upsertKey.length === 0) {
      throw new Error(`upsert into ${model.qualifiedName} needs an upsertKey in its model (defineTable(..., { upsertKey: ['id'] })); use mode 'append' or 'replace' otherwise`);
    }
    await ensureAuditTable(warehouse);
    const prepared = await source.prepare({
      model, stage: warehouse.stage, binary: warehouse.binary, dialect: warehouse.dialect, loadId,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    record.stageUris = prepared.staged.files.map((f) => f.uri);
    const plan = buildLoadPlan({
      warehouse, model, mode, loadId, prepared,
      ...(options.orderBy !== undefined ? { orderBy: options.orderBy } : {}),
      auditRow: { sql: auditInsertSql(warehouse), params: (counts) => { finish(counts); return auditParams(record); } },
    });
    const result = await warehouse.runPlan(plan);
    record.attempts = result.attempts;
    return {
      loadId, table: model.qualifiedName, mode,
      staged: record.rowsStaged ?? 0, inserted: record.inserted ?? 0, updated: record.updated ?? 0, deleted: record.deleted ?? 0,
      duplicates: result.counts.duplicates ?? 0,
      stageUris: record.stageUris, manifestUri: prepared.staged.manifestUri,
      attempts: result.attempts, durationMs: record.durationMs,
    };
  } catch (err) {
    record.status = 'failed';
    record.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    record.rowsStaged = record.inserted = record.updated = record.deleted = null;
    record.finishedAt = new Date();
    record.durationMs = record.finishedAt.getTime() - startedAt.getTime();
    // Outside the rolled-back transaction. If even this fails (the database is gone), the load error still wins.
    try {
      await ensureAuditTable(warehouse);
      await warehouse.query(auditInsertSql(warehouse), auditParams(record));
    } catch (auditErr) {
      if (err instanceof Error) (err as Error & { auditError?: unknown }).auditError = auditErr;
    }
    throw err;
  }
}

function safeDescribe(source: Source): string {
  try {
    return source.describe();
  } catch {
    return '(source could not describe itself)';
  }
}
