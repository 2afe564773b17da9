// Load errors decoded into what a data engineer needs: which file, which line, which column,
// which value, and why.
import { UpshiftError } from '../errors.js';

export interface LoadErrorDetail {
  file?: string;
  line?: number;
  column?: string;
  type?: string;
  value?: string;
  rawLine?: string;
  code?: number | string;
  reason: string;
}

function describe(table: string, details: LoadErrorDetail[], cause: unknown): string {
  const first = details[0];
  const shown = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v);
  const where = first
    ? [
        first.file && `file ${first.file}`,
        first.line !== undefined && `line ${first.line}`,
        first.column && `column "${first.column}"`,
        first.value !== undefined && `value ${shown(first.value)}`,
      ]
        .filter(Boolean)
        .join(', ')
    : '';
  const reason = first?.reason ?? (cause instanceof Error ? cause.message : String(cause));
  return `Load into ${table} failed${where ? ` at ${where}` : ''}: ${reason}${details.length > 1 ? ` (+${details.length - 1} more errors)` : ''}`;
}

export class LoadError extends UpshiftError {
  declare readonly code: 'LOAD_FAILED';
  override name = 'LoadError';
  constructor(
    readonly table: string,
    readonly details: LoadErrorDetail[],
    cause?: unknown,
  ) {
    super('LOAD_FAILED', describe(table, details, cause), { cause });
  }
  get file() {
    return this.details[0]?.file;
  }
  get line() {
    return this.details[0]?.line;
  }
  get column() {
    return this.details[0]?.column;
  }
  get value() {
    return this.details[0]?.value;
  }
  get reason() {
    return this.details[0]?.reason;
  }
}

/** Duplicate upsert keys in files that carry no load order (and no orderBy column was given). */
export class DuplicateKeyError extends UpshiftError {
  declare readonly code: 'DUPLICATE_KEY';
  override name = 'DuplicateKeyError';
  constructor(
    readonly table: string,
    readonly key: readonly string[],
    readonly samples: Record<string, unknown>[],
  ) {
    super(
      'DUPLICATE_KEY',
      `Load into ${table} failed: the staged files have several rows for the same upsert key (${key.join(', ')}) and no load order, so no row can be picked as the last write. ` +
        `Sample keys: ${samples.map((s) => JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).join('; ')}. ` +
        'Pass { orderBy: "<column>" } to keep the row with the greatest value, or dedupe the files.',
    );
  }
}

interface PgLikeError {
  code?: string;
  message?: string;
  detail?: string;
  where?: string;
}

/** Serialization conflicts: Postgres SQLSTATE 40001, Redshift error 1023 (reported as XX000). */
export function isSerializationConflict(err: unknown): boolean {
  const e = err as PgLikeError;
  if (!e || typeof e !== 'object') return false;
  if (e.code === '40001') return true;
  return /\b1023\b/.test(e.message ?? '') || /Serializable isolation violation/i.test(`${e.message} ${e.detail}`);
}

/**
 * Postgres reports COPY errors with a `where` like: COPY t, line 3, column name: "x". `line`
 * overrides the line number when COPY read several files as one stream (a live COPY).
 */
export function decodePostgresCopyError(
  table: string,
  file: string | undefined,
  err: unknown,
  line?: number,
): LoadError {
  if (err instanceof LoadError) return err; // already decoded (e.g. by a validating stream inside COPY)
  const e = err as PgLikeError;
  const where = e.where ?? '';
  const m = /COPY [^,]+, line (\d+)(?:, column ([^:]+))?(?:: "(.*)")?/s.exec(where);
  return new LoadError(
    table,
    [
      {
        ...(file ? { file } : {}),
        ...(line !== undefined ? { line } : m?.[1] ? { line: Number(m[1]) } : {}),
        ...(m?.[2] ? { column: m[2] } : {}),
        ...(m?.[3] !== undefined ? { value: m[3] } : {}),
        ...(e.code ? { code: e.code } : {}),
        reason: e.message ?? String(err),
      },
    ],
    err,
  );
}

/** A COPY error decoded against the stage table, re-said against the table the user loads into (same details, same cause). */
export function namingTarget(err: unknown, target: string): unknown {
  if (!(err instanceof LoadError) || err.constructor !== LoadError || err.table === target) return err;
  return new LoadError(target, err.details, err.cause);
}

/** The serialization conflict (Postgres 40001, Redshift 1023) outlasted every retry; the database's detail stays in the message. */
export class SerializationConflictError extends UpshiftError {
  declare readonly code: 'SERIALIZATION_CONFLICT';
  override name = 'SerializationConflictError';
  /** The database's SQLSTATE of the last conflict: 40001 on Postgres, XX000 on Redshift (error 1023). */
  readonly sqlState: string | undefined;
  readonly detail: string | undefined;
  constructor(
    target: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    const e = (cause ?? {}) as PgLikeError;
    const text = e.message ?? String(cause);
    super(
      'SERIALIZATION_CONFLICT',
      `Load into ${target} failed: a serialization conflict on each of ${attempts} attempts; the last: ${text}${e.detail && !text.includes(e.detail) ? ` (${e.detail})` : ''}`,
      { cause },
    );
    this.sqlState = e.code;
    this.detail = e.detail;
  }
}

/**
 * The connection broke after COMMIT was sent, and a new connection read the load's own row to
 * learn the outcome: `committed` false means nothing was committed; undefined means it could
 * not be told (see lookupError), so the load's audit row is the truth.
 */
export class CommitUnconfirmedError extends UpshiftError {
  declare readonly code: 'COMMIT_UNCONFIRMED';
  override name = 'CommitUnconfirmedError';
  constructor(
    target: string,
    readonly committed: false | undefined,
    cause: unknown,
    readonly lookupError?: unknown,
  ) {
    const lost = cause instanceof Error ? cause.message : String(cause);
    super(
      'COMMIT_UNCONFIRMED',
      committed === false
        ? `Load into ${target} failed: the connection broke after COMMIT was sent (${lost}); a new connection found the load did not commit, the target is unchanged`
        : `Load into ${target}: the connection broke after COMMIT was sent (${lost}) and a new connection could not tell whether it committed (${lookupError instanceof Error ? lookupError.message : String(lookupError)}); the load's audit row says which`,
      { cause },
    );
  }
}

/** The server answered (an error with a SQLSTATE that is not about the connection): the transaction is known to have failed. */
export function serverAnswered(err: unknown): boolean {
  const e = err as { severity?: string; code?: string };
  return typeof e?.severity === 'string' && !/^(08|57P)/.test(e.code ?? '');
}
