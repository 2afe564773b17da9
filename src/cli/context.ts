// What every command gets: resolved settings, output streams, and a database connection
// helper that turns connection failures into the DATABASE exit code.
import type pg from 'pg';
import { pgLib } from '../warehouse/pg-lib.js';
import { requireDatabaseUrl, type Settings } from './config.js';
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
export type Run = <F>(fn: (ctx: CommandContext, flags: F, ...args: string[]) => Promise<number>) => (...args: unknown[]) => Promise<void>;

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN', '28P01', '28000', '3D000']);

/** A pg error (a SQLSTATE, or a socket error) as a CliError with the DATABASE exit code. */
export function databaseError(err: unknown, doing: string): CliError | undefined {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string' && (CONNECTION_CODES.has(e.code) || /^[0-9A-Z]{5}$/.test(e.code))) {
    return new CliError(`${doing}: ${e.message || e.code}${e.code && !e.message?.includes(e.code) ? ` (${e.code})` : ''}`, ExitCode.DATABASE);
  }
  if (err instanceof AggregateError) return databaseError(err.errors[0], doing);
  return undefined;
}

export async function withPool<T>(ctx: CommandContext, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const url = requireDatabaseUrl(ctx.settings);
  const pool = new pgLib.Pool({ connectionString: url, max: 2 });
  try {
    try {
      await pool.query('select 1');
    } catch (err) {
      throw databaseError(err, `cannot connect to the database`) ?? err;
    }
    return await fn(pool);
  } catch (err) {
    throw databaseError(err, 'the database refused a query') ?? err;
  } finally {
    await pool.end();
  }
}
