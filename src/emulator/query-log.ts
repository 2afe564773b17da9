// The statements the emulator ran, for Redshift's query history (stl_query, svl_qlog,
// sys_query_history...). Finished statements are kept in memory and written in batches on an
// autocommit connection, so logging never adds a round trip to a statement or takes part in its
// transaction; a statement that reads the history first waits for the batch to be written.
import type pg from 'pg';
import { quoteIdent } from './sql.js';

export interface LogEntry {
  /** Its query id when numbered before it ran (a COPY, a Data API statement); else numbered when written. */
  query?: number;
  pid: number;
  user: string;
  database: string;
  text: string;
  start: Date;
  end?: Date;
  ok?: boolean;
  error?: string;
}

/** Relations that read the history: a statement naming one is run after the log is written. */
const HISTORY = /\b(stl_query|stl_querytext|svl_qlog|svl_statementtext|stv_recents|sys_query_history)\b/i;

export const readsHistory = (sql: string): boolean => HISTORY.test(sql);

/** Redshift's query_type for a statement, by its first word. */
export function queryType(text: string): string {
  const word = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? '';
  if (word === 'create' && /\bas\s*\(?\s*(select|with)\b/i.test(text)) return 'CTAS';
  switch (word) {
    case 'select':
    case 'with':
    case 'show':
      return 'SELECT';
    case 'insert':
      return 'INSERT';
    case 'update':
      return 'UPDATE';
    case 'delete':
      return 'DELETE';
    case 'merge':
      return 'MERGE';
    case 'copy':
      return 'COPY';
    case 'unload':
      return 'UNLOAD';
    case 'create':
    case 'alter':
    case 'drop':
    case 'truncate':
    case 'comment':
    case 'grant':
    case 'revoke':
      return 'DDL';
    case 'begin':
    case 'start':
    case 'commit':
    case 'end':
    case 'rollback':
    case 'abort':
    case 'set':
    case 'reset':
    case 'vacuum':
    case 'analyze':
    case 'lock':
      return 'UTILITY';
    default:
      return 'OTHER';
  }
}

export class QueryLog {
  private done: LogEntry[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout;
  private ids: number[] = [];
  private fetchingIds: Promise<void> | undefined;

  constructor(
    private readonly admin: pg.Pool,
    private readonly schema: string,
  ) {
    this.timer = setInterval(() => void this.flush(), 1000);
    this.timer.unref();
  }

  start(pid: number, user: string, database: string, text: string): LogEntry {
    return { pid, user, database, text, start: new Date() };
  }

  finish(entry: LogEntry, ok: boolean, error?: string): void {
    if (entry.end) return;
    entry.end = new Date();
    entry.ok = ok;
    if (error !== undefined) entry.error = error;
    this.done.push(entry);
  }

  /** A query id of the shared sequence, taken from a block fetched ahead (one round trip per block). */
  async reserveId(): Promise<number> {
    while (this.ids.length === 0) {
      this.fetchingIds ??= this.fetchIds().finally(() => (this.fetchingIds = undefined));
      await this.fetchingIds;
    }
    return this.ids.shift()!;
  }

  private async fetchIds(): Promise<void> {
    const r = await this.admin.query<{ id: string }>(
      `select nextval('${quoteIdent(this.schema)}.query_id') as id from generate_series(1, 32)`,
    );
    this.ids.push(...r.rows.map((row) => Number(row.id)));
  }

  /** Writes what has finished; resolves when everything finished so far is readable. */
  flush(): Promise<void> {
    const batch = this.done.splice(0);
    if (batch.length) this.writing = this.writing.then(() => this.write(batch)).catch(() => {});
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(batch: LogEntry[]): Promise<void> {
    const rows = batch.map((e) => ({
      query: e.query ?? null,
      pid: e.pid,
      usename: e.user,
      dbname: e.database,
      text: e.text,
      starttime: e.start.toISOString(),
      endtime: e.end!.toISOString(),
      status: e.ok ? 'success' : 'failed',
      error: e.error ?? null,
      query_type: queryType(e.text),
    }));
    await this.admin.query(
      `insert into ${quoteIdent(this.schema)}.statements (query, pid, usename, dbname, text, starttime, endtime, status, error, query_type)
      select coalesce(query, nextval('${quoteIdent(this.schema)}.query_id')), pid, usename, dbname, text, starttime, endtime, status, error, query_type
      from json_to_recordset($1::json) as r(query int, pid int, usename text, dbname text, text text, starttime timestamp, endtime timestamp,
        status text, error text, query_type text) order by starttime`,
      [JSON.stringify(rows)],
    );
  }
}
