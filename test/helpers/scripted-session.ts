// A PgSession over a scripted client: tests that fake the server answer each statement
// themselves, through the real PgSession (so the warehouse sees the session type it runs on).
import type pg from 'pg';
import { PgSession, type QueryResult } from '../../src/warehouse/index.js';

export function scriptedPgSession(answer: (sql: string) => QueryResult<unknown>): PgSession {
  const client = { query: (sql: string) => Promise.resolve(sql).then(answer) };
  return new PgSession(client as unknown as pg.PoolClient);
}
