// What every command gets: resolved settings, output streams, and a database connection
// helper that turns connection failures into the DATABASE exit code.
import type pg from 'pg';
import type { Queryable } from '../../codegen/introspect/types.js';
import type { DatabaseConnection } from '../engine/database-setting.js';
import { pgLib } from '../warehouse/pg-lib.js';
import { requireDatabase, type Settings } from './config.js';
import { CliError, ExitCode } from './exit-codes.js';

export interface Io {
  /** Results (what a script parses). */
  out(text: string): void;
  /** Progress, warnings and errors. */
  err(text: string): void;
  /** Whether stderr is a terminal (progress bars only there). */
  isTTY: boolean;
}

export interface CommandContext {
  settings: Settings;
  io: Io;
}

/**
 * Wraps a command body for commander: `(ctx, flags, ...positional arguments) => exit code`.
 * main.ts provides it; each command file registers its actions through it.
 */
export type Run = <F>(
  fn: (ctx: CommandContext, flags: F, ...args: string[]) => Promise<number>,
) => (...args: unknown[]) => Promise<void>;

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '28P01',
  '28000',
  '3D000',
]);

// Node's TLS and certificate errors (ERR_TLS_CERT_ALTNAME_INVALID, DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ...).
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$)/;
// pg's own words when the server answers the SSL request with "no".
const NO_TLS_SERVER = /server does not support SSL/i;

/** A TLS failure as one line that says what to change, or undefined when it is not one. */
function tlsProblem(e: { code?: string; message?: string }): string | undefined {
  if (NO_TLS_SERVER.test(e.message ?? '')) {
    return 'the server does not accept TLS (SSL) connections, but the connection asks for TLS (sslmode or ssl in the URL or config): drop sslmode, or enable SSL on the server';
  }
  if (typeof e.code === 'string' && TLS_CODE.test(e.code)) {
    return `TLS failed: ${e.message || e.code} (${e.code}); check the server's certificate, or sslmode and sslrootcert in the URL`;
  }
  return undefined;
}

/** An AWS API's refusal (the Data API, the credentials calls): an SDK service error, or no AWS credentials found. */
function awsRefusal(err: unknown): string | undefined {
  const e = err as { name?: string; message?: string; $metadata?: unknown };
  if (!e || typeof e !== 'object') return undefined;
  if (e.$metadata === undefined && e.name !== 'CredentialsProviderError') return undefined;
  const name = e.name && e.name !== 'Error' ? e.name : 'AWS error';
  return `${name}: ${e.message || 'no message'}`;
}

/** The database could not be reached or refused the connection (or its TLS): exit DATABASE, not the load's or a query's failure. */
export function isConnectionFailure(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string };
  if (err instanceof AggregateError) return isConnectionFailure(err.errors[0]);
  if (tlsProblem(e ?? {})) return true;
  if (awsRefusal(err) || e?.name === 'DataApiSessionError' || e?.code === 'LOGIN_FAILED') return true;
  return typeof e?.code === 'string' && (CONNECTION_CODES.has(e.code) || /^(08|28|3D)/.test(e.code));
}

/** A pg error (a SQLSTATE, a socket or TLS error) as a CliError with the DATABASE exit code. */
export function databaseError(err: unknown, doing: string): CliError | undefined {
  if (err instanceof AggregateError) return databaseError(err.errors[0], doing);
  const e = (err ?? {}) as { code?: string; message?: string };
  const tls = tlsProblem(e);
  if (tls) return new CliError(`${doing}: ${tls}`, ExitCode.DATABASE);
  const aws = awsRefusal(err);
  if (aws) return new CliError(`${doing}: ${aws}`, ExitCode.DATABASE);
  if (e.code === 'LOGIN_FAILED') return new CliError(`${doing}: ${e.message}`, ExitCode.DATABASE);
  // The Data API's statement errors carry no SQLSTATE, only the database's words.
  const name = (err as Error)?.name;
  if (name === 'DataApiStatementError' || name === 'DataApiSessionError')
    return new CliError(`${doing}: ${(err as Error).message}`, ExitCode.DATABASE);
  if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || /^[0-9A-Z]{5}$/.test(e.code))) {
    return new CliError(
      `${doing}: ${e.message || e.code}${e.code && !e.message?.includes(e.code) ? ` (${e.code})` : ''}`,
      ExitCode.DATABASE,
    );
  }
  return undefined;
}

/** Something to run queries on, and how to let it go. */
interface QueryTarget {
  db: Queryable;
  close(): Promise<void>;
}

/** A small pool for a password or IAM login; a Data API runner without a session (modules loaded on use). */
async function openQueryTarget(connection: DatabaseConnection): Promise<QueryTarget> {
  if (connection.kind === 'password') {
    const pool: pg.Pool = new pgLib.Pool({ connectionString: connection.url, max: 2 });
    return { db: pool, close: () => pool.end() };
  }
  if (connection.kind === 'iam') {
    const [{ temporaryLoginPool }, { iamConnectionString }] = await Promise.all([
      import('../warehouse/redshift-iam.js'),
      import('../engine/database-setting.js'),
    ]);
    const { pool } = temporaryLoginPool(
      { connectionString: iamConnectionString(connection.connection), maxConnections: 2 },
      connection.connection.iam,
    );
    return { db: pool, close: () => pool.end() };
  }
  const { openDatabaseFor } = await import('../engine/connection.js');
  const db = openDatabaseFor(connection, 'redshift', {});
  return {
    db: { query: async (text, params) => ({ rows: await db.query(text, params) }) },
    close: () => db.close(),
  };
}

/** Runs fn on the settings' database (any of its three ways); connection and query failures exit DATABASE. */
export async function withPool<T>(ctx: CommandContext, fn: (db: Queryable) => Promise<T>): Promise<T> {
  const target = await openQueryTarget(requireDatabase(ctx.settings));
  const { db } = target;
  try {
    try {
      await db.query('select 1');
    } catch (err) {
      throw databaseError(err, 'cannot connect to the database') ?? err;
    }
    return await fn(db);
  } catch (err) {
    throw databaseError(err, 'the database refused a query') ?? err;
  } finally {
    await target.close();
  }
}
