// Load lifecycle hooks and post-load maintenance. beforeLoad runs before anything is staged and
// vetoes the load by throwing; afterLoad runs after every load, succeeded or failed, with its
// audit record. A hook failing after the load is reported, never turned into a failed load: the
// data is committed by then. Maintenance (VACUUM, ANALYZE) runs after the commit, outside the
// load's transaction (VACUUM commits implicitly on Redshift and can't run in a transaction).
import { UpshiftError } from '../errors.js';
import type { TableModel } from '../model/table.js';
import type { VacuumMode, Warehouse } from '../warehouse/warehouse.js';
import type { AuditRecord } from './audit.js';
import type { LoadMode } from './plan.js';

export interface BeforeLoadContext {
  loadId: string;
  /** schema.table */
  table: string;
  model: TableModel;
  mode: LoadMode;
  /** The source's describe(): a file, a URI, 'in-memory: 100 rows', ... */
  source: string;
}

export interface LoadHooks {
  /** Before anything is validated or staged. Throw to veto: the load fails, audited as 'failed', the target untouched. */
  beforeLoad?: ((context: BeforeLoadContext) => void | Promise<void>) | undefined;
  /** After the load committed or failed (and after maintenance), with what the audit row records. */
  afterLoad?: ((record: AuditRecord) => void | Promise<void>) | undefined;
}

/** A hook that threw after the load was decided. */
export interface HookFailure {
  hook: 'afterLoad';
  error: unknown;
  record: AuditRecord;
}

/** What a beforeLoad hook's throw becomes: the load's error, with the hook's error as cause. */
export class LoadVetoedError extends UpshiftError {
  declare readonly code: 'LOAD_VETOED';
  override name = 'LoadVetoedError';
  constructor(
    readonly table: string,
    cause: unknown,
  ) {
    super(
      'LOAD_VETOED',
      `beforeLoad hook vetoed the load into ${table}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

export interface MaintenanceOutcome {
  operation: 'vacuum' | 'analyze';
  sql: string;
  status: 'done' | 'skipped' | 'failed';
  durationMs: number;
  /** Why it was skipped or failed. */
  message?: string;
}

/** Settings a database, a table binding or a single load can carry; the narrower one wins (hooks add up). */
export interface LoadBehaviour {
  /** Run in order: the database's, then the table's, then the load's. */
  hooks?: LoadHooks | readonly LoadHooks[] | undefined;
  /** Called for each afterLoad hook failure (default: console.warn). */
  onHookError?: ((failure: HookFailure) => void) | undefined;
  /** ANALYZE the target after a successful load. */
  analyze?: boolean | undefined;
  /** VACUUM the target after a successful load (Redshift kinds; on Postgres 'delete only' = VACUUM, 'full' = VACUUM FULL, 'sort only' does nothing). */
  vacuum?: VacuumMode | undefined;
  /** Where maintenance notes go (a VACUUM skipped because another is running, ...). Default: console.warn. */
  log?: ((message: string) => void) | undefined;
}

// Array.isArray narrows a readonly array to any[]: this keeps its element type.
const isHookArray = (hooks: LoadHooks | readonly LoadHooks[]): hooks is readonly LoadHooks[] => Array.isArray(hooks);

export const hookList = (hooks: LoadBehaviour['hooks']): LoadHooks[] =>
  hooks === undefined ? [] : isHookArray(hooks) ? [...hooks] : [hooks];

/** Merges behaviours, wider first: hooks concatenate; any other setting given later wins. */
export function mergeBehaviour(...layers: Array<LoadBehaviour | undefined>): LoadBehaviour {
  const out: LoadBehaviour = {};
  const hooks: LoadHooks[] = [];
  for (const layer of layers) {
    if (!layer) continue;
    hooks.push(...hookList(layer.hooks));
    if (layer.onHookError !== undefined) out.onHookError = layer.onHookError;
    if (layer.analyze !== undefined) out.analyze = layer.analyze;
    if (layer.vacuum !== undefined) out.vacuum = layer.vacuum;
    if (layer.log !== undefined) out.log = layer.log;
  }
  if (hooks.length) out.hooks = hooks;
  return out;
}

export function pickBehaviour(options: LoadBehaviour): LoadBehaviour {
  const { hooks, onHookError, analyze, vacuum, log } = options;
  return mergeBehaviour({
    ...(hooks !== undefined ? { hooks } : {}),
    ...(onHookError ? { onHookError } : {}),
    ...(analyze !== undefined ? { analyze } : {}),
    ...(vacuum !== undefined ? { vacuum } : {}),
    ...(log ? { log } : {}),
  });
}

export async function runBeforeLoad(hooks: readonly LoadHooks[], context: BeforeLoadContext): Promise<void> {
  for (const h of hooks) {
    if (!h.beforeLoad) continue;
    try {
      await h.beforeLoad(context);
    } catch (err) {
      throw new LoadVetoedError(context.table, err);
    }
  }
}

/** Runs every afterLoad hook (one failing doesn't stop the next); returns the failures, each reported. */
export async function runAfterLoad(behaviour: LoadBehaviour, record: AuditRecord): Promise<HookFailure[]> {
  const failures: HookFailure[] = [];
  for (const h of hookList(behaviour.hooks)) {
    if (!h.afterLoad) continue;
    try {
      await h.afterLoad(record);
    } catch (error) {
      const failure: HookFailure = { hook: 'afterLoad', error, record };
      failures.push(failure);
      try {
        if (behaviour.onHookError) behaviour.onHookError(failure);
        else
          console.warn(
            `upshift: afterLoad hook failed for load ${record.loadId} into ${record.table} (the load itself ${record.status}):`,
            error,
          );
      } catch {
        // A failing reporter must not turn into a failed load either.
      }
    }
  }
  return failures;
}

// Redshift: "VACUUM is already running" / "Cannot run VACUUM: another vacuum is in progress" and similar.
const VACUUM_BUSY = /vacuum.{0,40}(already|in progress|another|concurren)|(already|another|concurren).{0,40}vacuum/i;

/** VACUUM then ANALYZE, outside any transaction. A VACUUM already running elsewhere is skipped and logged. */
export async function runMaintenance(
  warehouse: Warehouse,
  model: TableModel,
  behaviour: LoadBehaviour,
): Promise<MaintenanceOutcome[]> {
  const log = behaviour.log ?? ((m: string) => console.warn(m));
  const steps: Array<['vacuum' | 'analyze', string | null]> = [];
  if (behaviour.vacuum) steps.push(['vacuum', warehouse.vacuumSql(model, behaviour.vacuum)]);
  if (behaviour.analyze) steps.push(['analyze', warehouse.analyzeSql(model)]);
  const outcomes: MaintenanceOutcome[] = [];
  for (const [operation, sql] of steps) {
    if (sql === null) {
      outcomes.push({
        operation,
        sql: '',
        status: 'skipped',
        durationMs: 0,
        message: `${operation} ${behaviour.vacuum ?? ''} has no equivalent on this warehouse`.replace(/\s+/g, ' '),
      });
      continue;
    }
    const started = Date.now();
    try {
      await warehouse.query(sql);
      outcomes.push({ operation, sql, status: 'done', durationMs: Date.now() - started });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const busy = operation === 'vacuum' && VACUUM_BUSY.test(message);
      outcomes.push({ operation, sql, status: busy ? 'skipped' : 'failed', durationMs: Date.now() - started, message });
      log(
        busy
          ? `upshift: ${sql} skipped: a VACUUM is already running (${message})`
          : `upshift: ${sql} failed after the load into ${model.qualifiedName} committed (the load stands): ${message}`,
      );
    }
  }
  return outcomes;
}
