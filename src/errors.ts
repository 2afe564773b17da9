// The one error hierarchy: every error upshift throws on purpose is an UpshiftError, and its
// `code` says what went wrong in a word that never changes between versions, so callers can
// branch on `err.code` instead of parsing messages or importing every class (some load lazily).

/**
 * The stable codes, one per kind of failure:
 * - `ROW_INVALID` a row breaks its column's rule (RowValidationError)
 * - `ROW_UNENCODABLE` a row handed to a stage is not in its column's normalized form (StageEncodeError)
 * - `MODEL_INVALID` a model that Redshift would refuse (ModelDefinitionError)
 * - `LOAD_FAILED` the warehouse or the input refused the load, with file, line, column, value (LoadError)
 * - `DUPLICATE_KEY` duplicate upsert keys in files without a load order (DuplicateKeyError)
 * - `SERIALIZATION_CONFLICT` serialization conflicts outlasted every retry (SerializationConflictError)
 * - `COMMIT_UNCONFIRMED` the connection broke after COMMIT was sent (CommitUnconfirmedError)
 * - `LOAD_VETOED` a beforeLoad hook refused the load (LoadVetoedError)
 * - `REPLAY_REFUSED` a replay that cannot run as asked (ReplayError)
 * - `MISSING_DEPENDENCY` an optional package is not installed (MissingDependencyError)
 * - `CONFIG_INVALID` a missing or malformed setting or constructor option (UpshiftConfigError)
 * - `USAGE_INVALID` a call's arguments or options can't work together (UsageError)
 * - `NOT_SUPPORTED` this warehouse, stage or backend cannot do what was asked (UnsupportedError)
 * - `QUERY_PARAMS` `$n` parameters that don't match the query or can't be inlined (QueryParameterError)
 * - `STAGE_FAILED` a stage's storage operation failed (UpshiftStageError)
 * - `S3_FAILED` an S3 request of the S3 helpers failed (S3Error)
 * - `MANIFEST_INVALID` a manifest that is not Redshift's manifest format (ManifestError)
 * - `FILE_UNREADABLE` a file that claims a compression but does not decompress (UnreadableFileError)
 * - `TEXT_UNDECODABLE` bytes that are not valid in the file's text encoding (TextDecodeError)
 * - `CSV_INVALID` CSV that breaks the format's syntax (CsvSyntaxError)
 * - `UNLOAD_FAILED` a query result that can't be written in the unload's format (UnloadError)
 * - `MODEL_LOAD_FAILED` the models folder is missing or a model file can't be imported (ModelLoadError)
 * - `MIGRATION_FAILED` a migration failed and was rolled back (MigrationError)
 * - `MIGRATIONS_PENDING` migrations are not applied yet (PendingMigrationsError)
 * - `MIGRATION_LOCK_TIMEOUT` another run held the migration lock too long (MigrationLockTimeoutError)
 * - `LOGIN_FAILED` no temporary Redshift credentials could be had for an IAM login (RedshiftLoginError)
 * - `CLI_FAILED` the command line reports it with its exit code (CliError)
 *
 * Each has an underscore, so none looks like a SQLSTATE (five characters) or a Node system
 * error code (ENOENT): code that tells driver errors apart by `code` never mistakes ours for one.
 */
export type UpshiftErrorCode =
  | 'ROW_INVALID'
  | 'ROW_UNENCODABLE'
  | 'MODEL_INVALID'
  | 'LOAD_FAILED'
  | 'DUPLICATE_KEY'
  | 'SERIALIZATION_CONFLICT'
  | 'COMMIT_UNCONFIRMED'
  | 'LOAD_VETOED'
  | 'REPLAY_REFUSED'
  | 'MISSING_DEPENDENCY'
  | 'CONFIG_INVALID'
  | 'USAGE_INVALID'
  | 'NOT_SUPPORTED'
  | 'QUERY_PARAMS'
  | 'STAGE_FAILED'
  | 'S3_FAILED'
  | 'MANIFEST_INVALID'
  | 'FILE_UNREADABLE'
  | 'TEXT_UNDECODABLE'
  | 'CSV_INVALID'
  | 'UNLOAD_FAILED'
  | 'MODEL_LOAD_FAILED'
  | 'MIGRATION_FAILED'
  | 'MIGRATIONS_PENDING'
  | 'MIGRATION_LOCK_TIMEOUT'
  | 'LOGIN_FAILED'
  | 'CLI_FAILED';

/**
 * The base of every upshift error: a stable `code`, and the underlying error as `cause` when
 * there is one. Each subclass narrows `code` to its own.
 */
export class UpshiftError extends Error {
  override name = 'UpshiftError';
  constructor(
    readonly code: UpshiftErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A call's arguments or options that can't work (a bad option value, options that exclude each other). */
export class UsageError extends UpshiftError {
  declare readonly code: 'USAGE_INVALID';
  override name = 'UsageError';
  constructor(message: string, options?: ErrorOptions) {
    super('USAGE_INVALID', message, options);
  }
}

/** Something this warehouse, stage or storage backend cannot do. */
export class UnsupportedError extends UpshiftError {
  declare readonly code: 'NOT_SUPPORTED';
  override name = 'UnsupportedError';
  constructor(message: string, options?: ErrorOptions) {
    super('NOT_SUPPORTED', message, options);
  }
}

/** `$n` parameters that don't match the query, or a value that has no SQL literal form. */
export class QueryParameterError extends UpshiftError {
  declare readonly code: 'QUERY_PARAMS';
  override name = 'QueryParameterError';
  constructor(message: string, options?: ErrorOptions) {
    super('QUERY_PARAMS', message, options);
  }
}

/** An S3 request of the S3 helpers (S3Files) failed; `cause` is the SDK's error when there is one. */
export class S3Error extends UpshiftError {
  declare readonly code: 'S3_FAILED';
  override name = 'S3Error';
  constructor(message: string, options?: ErrorOptions) {
    super('S3_FAILED', message, options);
  }
}
