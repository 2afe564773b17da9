// Runs a Data API statement on a session: each sub-statement is numbered with a query id of the
// emulator's history (so stl_query, sys_query_history and sys_load_error_detail know it), sent as
// one Query, and its outcome recorded. A batch is one transaction: the first failure rolls it back
// and the sub-statements after it are ABORTED.
import type { EmulatorContext } from '../context.js';
import type { LocalSession, RunResult } from './local-session.js';
import { describeResult, rowBytes } from './results.js';
import { affectedRows, errorText, type Statement, type Status, type SubStatement } from './statements.js';

const CANCELED = '57014';

export async function runStatement(ctx: EmulatorContext, st: Statement, session: LocalSession): Promise<void> {
  st.pid = session.pid;
  const own = st.batch && session.txStatus === 'I';
  if (own) await session.run('begin', await ctx.log.reserveId());
  let ok = true;
  for (const sub of st.subs) {
    if (!ok || st.cancelRequested) {
      finish(sub, 'ABORTED');
      continue;
    }
    ok = await runSub(ctx, st, sub, session);
  }
  if (own) await endBatch(ctx, st, session, ok);
  settle(st);
}

async function runSub(ctx: EmulatorContext, st: Statement, sub: SubStatement, session: LocalSession): Promise<boolean> {
  sub.queryId = await ctx.log.reserveId();
  if (st.cancelRequested) {
    finish(sub, 'ABORTED');
    return false;
  }
  mark(st, 'STARTED');
  sub.status = 'STARTED';
  sub.updatedAt = new Date();
  sub.startedAt = process.hrtime.bigint();
  const r = await session.run(sub.sql, sub.queryId);
  if (r.error) {
    const canceled = r.error.C === CANCELED && st.cancelRequested;
    sub.error = canceled ? `ERROR: Query (${sub.queryId}) cancelled on user's request` : errorText(r.error);
    finish(sub, canceled ? 'ABORTED' : 'FAILED');
    return false;
  }
  await record(ctx, sub, r);
  finish(sub, 'FINISHED');
  return true;
}

async function record(ctx: EmulatorContext, sub: SubStatement, r: RunResult): Promise<void> {
  if (r.fields) {
    sub.hasResultSet = true;
    sub.shape = await describeResult(ctx.admin, ctx.schema, r.fields);
    sub.rows = r.rows;
    sub.resultRows = r.rows.length;
    sub.resultSize = r.rows.reduce((n, row) => n + rowBytes(row), 0);
  } else {
    sub.resultRows = affectedRows(r.tag);
    sub.resultSize = 0;
  }
}

async function endBatch(ctx: EmulatorContext, st: Statement, session: LocalSession, ok: boolean): Promise<void> {
  if (session.txStatus === 'I') return;
  const r = await session.run(ok && session.txStatus === 'T' ? 'commit' : 'rollback', await ctx.log.reserveId());
  if (r.error) st.error = errorText(r.error);
  // COMMIT of an aborted transaction answers ROLLBACK: a sub-statement ended it.
  else if (ok && r.tag === 'ROLLBACK') st.error = 'ERROR: the transaction was rolled back';
}

function finish(sub: SubStatement, status: Status): void {
  sub.status = status;
  sub.updatedAt = new Date();
  if (status === 'FINISHED' && sub.startedAt !== undefined)
    sub.durationNs = Number(process.hrtime.bigint() - sub.startedAt);
  if (status !== 'FINISHED') sub.durationNs = -1;
}

export function mark(st: Statement, status: Status): void {
  st.status = status;
  st.updatedAt = new Date();
}

/** The statement's final status from its sub-statements'. */
function settle(st: Statement): void {
  const statuses = st.subs.map((s) => s.status);
  if (statuses.includes('FAILED') || st.error !== undefined) mark(st, 'FAILED');
  else if (statuses.includes('ABORTED')) mark(st, 'ABORTED');
  else mark(st, 'FINISHED');
}

/** A statement that could not run at all (its session did not open): FAILED with that error. */
export function failStatement(st: Statement, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  st.error = message.startsWith('ERROR') || message.startsWith('FATAL') ? message : `FATAL: ${message}`;
  for (const sub of st.subs) if (sub.status !== 'FINISHED') finish(sub, 'ABORTED');
  if (st.cancelRequested) mark(st, 'ABORTED');
  else mark(st, 'FAILED');
}
