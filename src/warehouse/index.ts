export { Warehouse, ORDINAL_COLUMN } from './warehouse.js';
export type { Session, QueryResult, CopyStep, RetryOptions, WarehouseOptions, VacuumMode } from './warehouse.js';
export { compileUnloadQuery } from './unload/query.js';
export { UnloadError } from './unload/errors.js';
export type { UnloadQuery, CompilableQuery, SqlWithParams } from './unload/query.js';
export { unloadCopyFormat, unloadViaExport, checkUnloadOptions } from './unload/unload.js';
export type { UnloadOptions, UnloadResult, UnloadFormat, QueryExporter } from './unload/unload.js';
export type { UnloadedFile } from './unload/parts.js';
export type { ExportField } from './unload/parquet.js';
export { resolveUnloadTarget } from './unload/output.js';
export { PostgresWarehouse, PgSession } from './postgres.js';
export type { PostgresOptions } from './postgres.js';
export { PgliteWarehouse, PgliteSession } from './pglite.js';
export type { PgliteOptions } from './pglite.js';
export { RedshiftWarehouse, decodeLoadErrorRow } from './redshift.js';
export type { RedshiftOptions, RedshiftCredentials } from './redshift.js';
export { RedshiftDataApiWarehouse, DataApiSession } from './redshift-data-api.js';
export type { RedshiftDataApiOptions } from './redshift-data-api.js';
export { DataApiStatements, DataApiStatementError, DataApiSessionError } from './data-api-statements.js';
export type { DataApiPolling, DataApiTarget, StatementOutcome, RedshiftDataSdk } from './data-api-statements.js';
export { RedshiftLoginError, TemporaryLogins, isServerlessHost, parseRedshiftHost } from './redshift-iam.js';
export type {
  RedshiftIamOptions,
  ClusterIamLogin,
  ServerlessIamLogin,
  AwsApiOptions,
  AwsCredentials,
  TemporaryLogin,
} from './redshift-iam.js';
export {
  LoadError,
  DuplicateKeyError,
  isSerializationConflict,
  decodePostgresCopyError,
  CommitUnconfirmedError,
  SerializationConflictError,
} from './errors.js';
export type { LoadErrorDetail } from './errors.js';
export type { LoadPlan, PlanStep, PlanResult, CommitMarker } from './plan.js';
