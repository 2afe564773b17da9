// Exit codes a script can rely on. Documented in the README (the CLI section); never renumber one.
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
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
