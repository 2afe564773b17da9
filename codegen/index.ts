// upshift/codegen: models from live tables, drift checks, and typed migrations.
export { codegen, planCodegen, writeGenerated, modelFilePath } from './generate.js';
export type { CodegenOptions, CodegenPlan, GeneratedFile, WriteResult } from './generate.js';
export { checkDrift, compareModels, formatDrift } from './check.js';
export type { CheckOptions, DriftReport, TableDrift } from './check.js';
export { diffTable, describeDifference, compareColumn } from './diff.js';
export type { Difference, ColumnField, TableField } from './diff.js';
export { loadModels, importModule, importModules, ModelLoadError } from './load-models.js';
export type { LoadedModel } from './load-models.js';
export { liveToModel, upsertKeyFor } from './live-model.js';
export { renderModelFile, columnExpression } from './render/model-file.js';
export { valueLiteral } from './render/names.js';
export type { RenderOptions } from './render/model-file.js';
export { renderDbInterface, kyselyColumnType } from './render/db-interface.js';
export { camelCase, pascalCase, exportNames } from './render/names.js';
export * from './introspect/index.js';
export { migratesColumns } from './migrate/columns.js';
export { planMigration, isWidening } from './migrate/plan.js';
export type { MigrationPlan, TableMigration, Refusal } from './migrate/plan.js';
export { renderMigration, migrationFileName } from './migrate/render.js';
export { LockRowAdapter, MigrationDialect, MigrationLockTimeoutError } from './migrate/lock.js';
export type { LockOptions } from './migrate/lock.js';
export {
  openMigrations,
  migrateUp,
  migrateDown,
  migrationStatus,
  unlockMigrations,
  generateMigration,
  TsFileMigrationProvider,
  MigrationError,
  PendingMigrationsError,
  MIGRATION_TABLE,
  MIGRATION_LOCK_TABLE,
} from './migrate/runner.js';
export type { MigrationsConfig, MigrationSession, MigrationStatus, GenerateOptions } from './migrate/runner.js';
