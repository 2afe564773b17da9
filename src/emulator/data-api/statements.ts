// Data API statements and their lifecycle: SUBMITTED (accepted), PICKED (a session took it),
// STARTED (sent to the backend), then FINISHED, FAILED or ABORTED. A batch has sub-statements
// `<id>:1`, `<id>:2`... with their own status; a single statement is its one sub-statement.
import { AwsError } from '../aws/protocol.js';
import type { NoticeFields } from '../wire.js';
import type { SqlParameter } from './params.js';
import type { ResultShape } from './results.js';

export type Status = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

/** Where a statement runs and as whom, as the request named it. */
export interface Target {
  clusterIdentifier?: string | undefined;
  workgroupName?: string | undefined;
  database: string;
  dbUser?: string | undefined;
  secretArn?: string | undefined;
  /** The backend role the session runs as (undefined: the backend URL's user). */
  role: string | undefined;
}

export interface SubStatement {
  id: string;
  /** The SQL as given, and as run (parameters bound). */
  queryString: string;
  sql: string;
  status: Status;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: bigint;
  durationNs: number;
  queryId?: number;
  error?: string;
  shape?: ResultShape;
  rows: Array<Array<string | null>>;
  hasResultSet: boolean;
  resultRows: number;
  resultSize: number;
}

export interface Statement {
  id: string;
  batch: boolean;
  subs: SubStatement[];
  status: Status;
  createdAt: Date;
  updatedAt: Date;
  target: Target;
  parameters: SqlParameter[] | undefined;
  resultFormat: 'JSON' | 'CSV';
  sessionId: string | undefined;
  pid?: number;
  /** An error outside any sub-statement (the session could not open, the batch's COMMIT failed). */
  error?: string;
  cancelRequested: boolean;
  /** Settles when the statement has ended, whatever its outcome. */
  done: Promise<void>;
}

export const isEnded = (s: Status): boolean => s === 'FINISHED' || s === 'FAILED' || s === 'ABORTED';

export function newSub(id: string, queryString: string, sql: string, now: Date): SubStatement {
  return {
    id,
    queryString,
    sql,
    status: 'SUBMITTED',
    createdAt: now,
    updatedAt: now,
    durationNs: -1,
    rows: [],
    hasResultSet: false,
    resultRows: -1,
    resultSize: -1,
  };
}

/**
 * A failed statement's Error as the Data API words it (the Redshift JDBC driver's message):
 * `ERROR: <message>`, then the detail and hint on their own lines.
 */
export function errorText(e: NoticeFields): string {
  let text = `${e.S ?? 'ERROR'}: ${e.M ?? ''}`;
  if (e.D) text += `\n  Detail: ${e.D}`;
  if (e.H) text += `\n  Hint: ${e.H}`;
  return text;
}

/** Rows affected by a command, from its tag ("INSERT 0 5", "COPY 3", "SELECT 2"). */
export function affectedRows(tag: string | undefined): number {
  const m = /(\d+)$/.exec(tag ?? '');
  return m ? Number(m[1]) : 0;
}

const RETENTION_MS = 24 * 3600 * 1000;

const seconds = (d: Date): number => d.getTime() / 1000;

/** The store of statements by id; `<id>:<n>` names a batch's sub-statement. */
export class StatementStore {
  private byId = new Map<string, Statement>();
  private added = 0;

  add(st: Statement): void {
    this.byId.set(st.id, st);
    if (++this.added % 1000 === 0) this.prune();
  }

  /** The Data API keeps a statement's description and result for 24 hours. */
  private prune(): void {
    const before = Date.now() - RETENTION_MS;
    for (const [id, s] of this.byId) if (isEnded(s.status) && s.updatedAt.getTime() < before) this.byId.delete(id);
  }

  /** The statement and, for `<id>:<n>`, its sub-statement; ResourceNotFoundException when unknown. */
  find(id: unknown): { st: Statement; sub: SubStatement | undefined } {
    if (typeof id !== 'string' || id === '') throw new AwsError('ValidationException', 'Id is required.');
    const [base = '', n] = id.split(':');
    const st = this.byId.get(base);
    const sub = n === undefined ? undefined : st?.subs[Number(n) - 1];
    if (!st || (n !== undefined && (!st.batch || !sub)))
      throw new AwsError('ResourceNotFoundException', 'Query does not exist.', 404, { ResourceId: id });
    return { st, sub };
  }
}

function subFields(s: SubStatement): Record<string, unknown> {
  return {
    Id: s.id,
    Status: s.status,
    CreatedAt: seconds(s.createdAt),
    UpdatedAt: seconds(s.updatedAt),
    Duration: s.durationNs,
    HasResultSet: s.hasResultSet,
    QueryString: s.queryString,
    RedshiftQueryId: s.queryId ?? 0,
    ResultRows: s.resultRows,
    ResultSize: s.resultSize,
    ...(s.error !== undefined ? { Error: s.error } : {}),
  };
}

/** DescribeStatement's answer for a statement, or for one sub-statement of a batch. */
export function describe(st: Statement, sub: SubStatement | undefined): Record<string, unknown> {
  const t = st.target;
  const common = {
    ClusterIdentifier: t.clusterIdentifier,
    WorkgroupName: t.workgroupName,
    Database: t.database,
    DbUser: t.dbUser,
    SecretArn: t.secretArn,
    SessionId: st.sessionId,
    RedshiftPid: st.pid ?? 0,
    ResultFormat: st.resultFormat,
    QueryParameters: st.parameters,
  };
  if (sub) return { ...common, ...subFields(sub) };
  if (!st.batch) return { ...common, ...subFields(st.subs[0]!), Status: st.status, ...errorOf(st) };
  const ended = isEnded(st.status);
  return {
    ...common,
    Id: st.id,
    Status: st.status,
    CreatedAt: seconds(st.createdAt),
    UpdatedAt: seconds(st.updatedAt),
    Duration: ended && st.status === 'FINISHED' ? st.subs.reduce((n, s) => n + Math.max(0, s.durationNs), 0) : -1,
    HasResultSet: st.subs.some((s) => s.hasResultSet),
    ResultRows: -1,
    ResultSize: -1,
    RedshiftQueryId: 0,
    SubStatements: st.subs.map(subFields),
    ...errorOf(st),
  };
}

function errorOf(st: Statement): Record<string, string> {
  const e = st.error ?? st.subs.find((s) => s.error !== undefined)?.error;
  return e === undefined ? {} : { Error: e };
}
