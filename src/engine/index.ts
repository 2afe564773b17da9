export { PostgresDatabase, RedshiftDatabase, RedshiftDataApiDatabase, PgliteDatabase } from './databases.js';
export type {
  PgliteDatabaseOptions,
  PostgresDatabaseOptions,
  RedshiftDatabaseOptions,
  RedshiftDataApiDatabaseOptions,
} from './databases.js';
export { BoundTable } from './table.js';
export type { TableOptions as BoundTableOptions } from './table.js';
export { runLoad } from './load.js';
export { replayLoad, ReplayError } from './replay.js';
export type { ReplayOptions } from './replay.js';
export { gcStage } from './stage-gc.js';
export type { StageGcOptions, StageGcResult } from './stage-gc.js';
export type { LoadOptions, LoadResult, FailedLoadError } from './load.js';
export { buildLoadPlan } from './plan.js';
export type { LoadMode, PlanInput } from './plan.js';
export { auditModel, ensureAuditTable, decodeLoadCommits } from './audit.js';
export type { AuditRecord, AuditStatus, LoadCommit } from './audit.js';
export { LoadVetoedError, mergeBehaviour } from './hooks.js';
export type { LoadHooks, LoadBehaviour, BeforeLoadContext, HookFailure, MaintenanceOutcome } from './hooks.js';
export { parseDatabaseSetting, DatabaseSettingError } from './database-setting.js';
export type {
  DatabaseSetting,
  DatabaseConnection,
  RedshiftIamConnection,
  RedshiftDataApiConnection,
} from './database-setting.js';
export { openDatabaseFor } from './connection.js';
export type { ProjectDatabaseOptions } from './connection.js';
