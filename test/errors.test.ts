// One error hierarchy: every error class upshift exports is an UpshiftError whose `code` names
// its kind, a word that stays the same between versions; `cause` is passed through.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CommitUnconfirmedError,
  DuplicateKeyError,
  LoadError,
  LoadVetoedError,
  ManifestError,
  MissingDependencyError,
  ModelDefinitionError,
  QueryParameterError,
  RedshiftLoginError,
  ReplayError,
  RowValidationError,
  S3Error,
  SerializationConflictError,
  StageEncodeError,
  UnloadError,
  UnreadableFileError,
  UnsupportedError,
  UpshiftConfigError,
  UpshiftError,
  UpshiftStageError,
  UsageError,
  type UpshiftErrorCode,
} from '../src/index.js';
import { MigrationError, MigrationLockTimeoutError, ModelLoadError, PendingMigrationsError } from '../codegen/index.js';
import { CliError, ExitCode, exitCodeOf } from '../src/cli/exit-codes.js';
import { CsvSyntaxError } from '../src/sources/csv-parser.js';
import { TextDecodeError } from '../src/sources/text-decode.js';

const cause = new Error('underlying');
const errors: Array<[UpshiftError, UpshiftErrorCode]> = [
  [new RowValidationError(0, 'id', null, 'not null', 'is null'), 'ROW_INVALID'],
  [new StageEncodeError(0, 'id', 'x', 'bigint', 'is not a bigint'), 'ROW_UNENCODABLE'],
  [new ModelDefinitionError('bad model'), 'MODEL_INVALID'],
  [new LoadError('s.t', [{ reason: 'bad' }], cause), 'LOAD_FAILED'],
  [new DuplicateKeyError('s.t', ['id'], [{ id: 1 }]), 'DUPLICATE_KEY'],
  [new SerializationConflictError('s.t', 3, cause), 'SERIALIZATION_CONFLICT'],
  [new CommitUnconfirmedError('s.t', false, cause), 'COMMIT_UNCONFIRMED'],
  [new LoadVetoedError('s.t', cause), 'LOAD_VETOED'],
  [new ReplayError('L1', 'cannot'), 'REPLAY_REFUSED'],
  [new MissingDependencyError(['kysely'], 'Migrations', { cause }), 'MISSING_DEPENDENCY'],
  [new UpshiftConfigError('no base path'), 'CONFIG_INVALID'],
  [new UsageError('bad option'), 'USAGE_INVALID'],
  [new UnsupportedError('cannot'), 'NOT_SUPPORTED'],
  [new QueryParameterError('$2'), 'QUERY_PARAMS'],
  [new UpshiftStageError('read', 'k', 's3://b/k', 'failed', { cause }), 'STAGE_FAILED'],
  [new S3Error('failed', { cause }), 'S3_FAILED'],
  [new ManifestError('not JSON'), 'MANIFEST_INVALID'],
  [new UnreadableFileError('f.gz', 'gzip', cause), 'FILE_UNREADABLE'],
  [new TextDecodeError(1, 1, 0, 'is not valid UTF-8', ''), 'TEXT_UNDECODABLE'],
  [new CsvSyntaxError(1, 'unclosed quote'), 'CSV_INVALID'],
  [new UnloadError('no Parquet form'), 'UNLOAD_FAILED'],
  [new ModelLoadError('no models'), 'MODEL_LOAD_FAILED'],
  [new MigrationError('failed', undefined, cause), 'MIGRATION_FAILED'],
  [new PendingMigrationsError('pending'), 'MIGRATIONS_PENDING'],
  [new MigrationLockTimeoutError('held'), 'MIGRATION_LOCK_TIMEOUT'],
  [new RedshiftLoginError('no credentials', cause), 'LOGIN_FAILED'],
  [new CliError('usage', ExitCode.USAGE), 'CLI_FAILED'],
];

/** Every code, checked complete by the compiler. */
const ALL_CODES: Record<UpshiftErrorCode, null> = {
  ROW_INVALID: null,
  ROW_UNENCODABLE: null,
  MODEL_INVALID: null,
  LOAD_FAILED: null,
  DUPLICATE_KEY: null,
  SERIALIZATION_CONFLICT: null,
  COMMIT_UNCONFIRMED: null,
  LOAD_VETOED: null,
  REPLAY_REFUSED: null,
  MISSING_DEPENDENCY: null,
  CONFIG_INVALID: null,
  USAGE_INVALID: null,
  NOT_SUPPORTED: null,
  QUERY_PARAMS: null,
  STAGE_FAILED: null,
  S3_FAILED: null,
  MANIFEST_INVALID: null,
  FILE_UNREADABLE: null,
  TEXT_UNDECODABLE: null,
  CSV_INVALID: null,
  UNLOAD_FAILED: null,
  MODEL_LOAD_FAILED: null,
  MIGRATION_FAILED: null,
  MIGRATIONS_PENDING: null,
  MIGRATION_LOCK_TIMEOUT: null,
  LOGIN_FAILED: null,
  CLI_FAILED: null,
};

describe('the error hierarchy', () => {
  it.each(errors.map(([e, code]) => [e.name, e, code] as const))(
    '%s is an UpshiftError with its code',
    (_n, e, code) => {
      expect(e).toBeInstanceOf(UpshiftError);
      expect(e).toBeInstanceOf(Error);
      expect(e.code).toBe(code);
      expect(e.name).not.toBe('UpshiftError');
    },
  );

  it('covers every code once, none of which looks like a SQLSTATE or a Node error code', () => {
    const codes = errors.map(([, code]) => code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([...codes].sort()).toEqual(Object.keys(ALL_CODES).sort());
    for (const code of codes) expect(code).toMatch(/^[A-Z0-9]+(_[A-Z0-9]+)+$/);
    for (const code of codes) expect(code).not.toMatch(/^[0-9A-Z]{5}$|^E[A-Z]+$/);
  });

  it('passes the cause through', () => {
    for (const [e] of errors.filter(([x]) => 'cause' in x && x.cause !== undefined)) expect(e.cause).toBe(cause);
    expect(new LoadError('s.t', [{ reason: 'bad' }], cause).cause).toBe(cause);
  });

  it('keeps the database SQLSTATE of a serialization conflict apart from the code', () => {
    const e = new SerializationConflictError('s.t', 2, Object.assign(new Error('1023'), { code: 'XX000' }));
    expect([e.code, e.sqlState]).toEqual(['SERIALIZATION_CONFLICT', 'XX000']);
  });

  it('the CLI maps escaped library errors to exit codes by code', () => {
    expect(exitCodeOf(new UpshiftConfigError('x'))).toBe(ExitCode.CONFIG);
    expect(exitCodeOf(new ModelLoadError('x'))).toBe(ExitCode.CONFIG);
    expect(exitCodeOf(new MissingDependencyError(['kysely'], 'x'))).toBe(ExitCode.CONFIG);
    expect(exitCodeOf(new MigrationLockTimeoutError('x'))).toBe(ExitCode.LOCK_TIMEOUT);
    expect(exitCodeOf(new RedshiftLoginError('x', cause))).toBe(ExitCode.DATABASE);
    expect(exitCodeOf(new CliError('x', ExitCode.DRIFT))).toBe(ExitCode.DRIFT);
    expect(exitCodeOf(new Error('x'))).toBeUndefined();
    expect(exitCodeOf(new LoadError('s.t', [{ reason: 'x' }]))).toBeUndefined();
  });

  it('types code as a union of literals, each class its own', () => {
    expectTypeOf<UpshiftError['code']>().toEqualTypeOf<UpshiftErrorCode>();
    expectTypeOf<string>().not.toExtend<UpshiftErrorCode>();
    expectTypeOf<'ROW_INVALID'>().toExtend<UpshiftErrorCode>();
    expectTypeOf<RowValidationError['code']>().toEqualTypeOf<'ROW_INVALID'>();
    expectTypeOf<LoadError['code']>().toEqualTypeOf<'LOAD_FAILED'>();
    expectTypeOf<MigrationError['code']>().toEqualTypeOf<'MIGRATION_FAILED'>();
    const e: unknown = new UsageError('x');
    if (e instanceof UpshiftError) expectTypeOf(e.code).toEqualTypeOf<UpshiftErrorCode>();
  });
});
