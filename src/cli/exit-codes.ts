// Exit codes a script can rely on. Documented in the README (the CLI section); never renumber one.
import { UpshiftError, type UpshiftErrorCode } from '../errors.js';

export const ExitCode = {
  /** Done. */
  OK: 0,
  /** An unexpected error (a bug, or something upshift has no better code for). */
  ERROR: 1,
  /** Bad command line: unknown command or option, missing argument. */
  USAGE: 2,
  /** Configuration: no database URL, an unreadable upshift.config.ts, a missing models folder. */
  CONFIG: 3,
  /** The database refused a connection or a query. */
  DATABASE: 4,
  /** `codegen --check`: the models and the live tables differ. */
  DRIFT: 5,
  /** `migrate generate`: a change would drop or narrow data (or can't be made); no file written. */
  REFUSED: 6,
  /** `migrate up|down`: a migration failed and was rolled back. */
  MIGRATION_FAILED: 7,
  /** Another run held the migration lock for longer than the timeout. */
  LOCK_TIMEOUT: 8,
  /** `load`: the load failed (bad rows, a bad file, the warehouse refused it); the target is unchanged. */
  LOAD_FAILED: 9,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line on stderr (`upshift: <message>`) with its exit code. */
export class CliError extends UpshiftError {
  declare readonly code: 'CLI_FAILED';
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super('CLI_FAILED', message);
  }
}

/**
 * A library error that escaped a command, by its code: the exit code its kind is documented
 * under (by code, not class, so errors of modules loaded on use need no import here).
 */
const EXIT_BY_CODE: Partial<Record<UpshiftErrorCode, ExitCode>> = {
  CONFIG_INVALID: ExitCode.CONFIG,
  MISSING_DEPENDENCY: ExitCode.CONFIG,
  MODEL_LOAD_FAILED: ExitCode.CONFIG,
  MIGRATIONS_PENDING: ExitCode.REFUSED,
  MIGRATION_LOCK_TIMEOUT: ExitCode.LOCK_TIMEOUT,
  LOGIN_FAILED: ExitCode.DATABASE,
};

/** The exit code for an error: a CliError's own, a mapped library error's, else undefined (unexpected). */
export function exitCodeOf(err: unknown): ExitCode | undefined {
  if (err instanceof CliError) return err.exitCode;
  return err instanceof UpshiftError ? EXIT_BY_CODE[err.code] : undefined;
}
