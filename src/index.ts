// The public API of 'upshift': what the README documents, and the types its signatures name.
// Advanced pieces live under subpaths (package.json "exports"): upshift/stage, upshift/warehouse,
// upshift/engine, upshift/sources, upshift/sql, upshift/dialect, upshift/model. etc/api records all.
export {
  type AuditRecord,
  BoundTable,
  type BoundTableOptions,
  type FailedLoadError,
  type LoadHooks,
  type LoadOptions,
  type LoadResult,
  LoadVetoedError,
  PgliteDatabase,
  type PgliteDatabaseOptions,
  PostgresDatabase,
  type PostgresDatabaseOptions,
  RedshiftDatabase,
  type RedshiftDatabaseOptions,
  ReplayError,
  type ReplayOptions,
  type StageGcOptions,
  type StageGcResult,
  gcStage,
} from './engine/index.js';
export {
  Column,
  type ColumnKind,
  type Columns,
  type Encoding,
  type InsertRow,
  type JsonValue,
  ModelDefinitionError,
  REDSHIFT_LIMITS,
  type Row,
  RowValidationError,
  type TableModel,
  type TableOptions,
  columnSchema,
  createRowValidator,
  defineTable,
  sql,
  t,
} from './model/index.js';
export {
  CommitUnconfirmedError,
  DuplicateKeyError,
  LoadError,
  type LoadErrorDetail,
  type RetryOptions,
  SerializationConflictError,
  UnloadError,
  type UnloadOptions,
  type UnloadQuery,
  type UnloadResult,
} from './warehouse/index.js';
export {
  type CopyFormat,
  LocalStage,
  type LocalStageOptions,
  ManifestError,
  S3Stage,
  type S3StageOptions,
  type Stage,
  StageEncodeError,
  UpshiftConfigError,
  UpshiftStageError,
} from './stage/index.js';
export {
  type CsvOptions,
  type LocalFileOptions,
  type PostgresQueryOptions,
  type S3SourceOptions,
  type Source,
  UnreadableFileError,
  fromDataFrame,
  fromInMemory,
  fromLocalFile,
  fromManifest,
  fromPostgresQuery,
  fromS3File,
  fromS3Path,
} from './sources/index.js';
export { type Dialect, createTableSql, createTableStatements } from './dialect/index.js';
export { MissingDependencyError } from './optional.js';
export {
  QueryParameterError,
  S3Error,
  UnsupportedError,
  UpshiftError,
  type UpshiftErrorCode,
  UsageError,
} from './errors.js';
export { S3Files, type S3FilesOptions } from './toolbox/index.js';
export { type UpshiftCliConfig, defineConfig } from './engine/project-config.js';
