// What every part of the emulator shares: its configuration and its connections.
import type { S3Store } from './s3.js';
import type pg from 'pg';
import type { QueryLog } from './query-log.js';

export interface EmulatorContext {
  /** Backend Postgres URL. */
  postgres: string;
  /** The catalog schema in the backend database. */
  schema: string;
  slices: number;
  isolation: 'serializable' | 'repeatable read';
  s3: S3Store;
  /** Autocommit connections for what must outlive a rolled-back transaction (load errors). */
  admin: pg.Pool;
  /** The statements run, for the query history views. */
  log: QueryLog;
}

/** What a COPY or UNLOAD needs from the client session running it. */
export interface SessionState {
  /** The backend's process id (Redshift's session id). */
  pid: number;
  lastCopyId: number;
  /** The running statement's query id, when the session numbered it already. */
  queryId?: number | undefined;
  /** stl_load_commits rows of this session's COPYs in its current transaction. */
  loadCommits: LoadCommitRow[];
}

/** One stl_load_commits row (the columns of the catalog's load_commits table, in order). */
export interface LoadCommitRow {
  userid: number;
  query: number;
  slice: number;
  name: string;
  filename: string;
  byte_offset: number;
  lines_scanned: number;
  errors: number;
  curtime: string;
  status: number;
  file_format: string;
}

export const LOAD_COMMIT_COLUMNS: ReadonlyArray<keyof LoadCommitRow> = [
  'userid',
  'query',
  'slice',
  'name',
  'filename',
  'byte_offset',
  'lines_scanned',
  'errors',
  'curtime',
  'status',
  'file_format',
];
