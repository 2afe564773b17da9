// ExecuteStatement, BatchExecuteStatement and CancelStatement: requests are checked, statements
// recorded and started, and the answer returned at once; the statement runs on (statements.ts).
import { randomUUID } from 'node:crypto';
import { AwsError, validation } from '../aws/protocol.js';
import type { EmulatorContext } from '../context.js';
import type { Caller } from '../iam/credentials.js';
import { bindParameters, readParameters } from './params.js';
import { failStatement, mark, runStatement } from './runner.js';
import type { DataSession, SessionPool } from './sessions.js';
import { isEnded, newSub, type Statement, type StatementStore, type Target } from './statements.js';

export interface ExecuteDeps {
  ctx: EmulatorContext;
  store: StatementStore;
  pool: SessionPool;
  resolve(body: Record<string, unknown>, caller: Caller): Promise<Target>;
  /** Statements that may run at once (ActiveStatementsExceededException beyond). */
  maxActive: number;
}

export class Executor {
  private active = 0;
  private running = new Set<Promise<void>>();
  private tokens = new Map<string, Record<string, unknown>>();

  constructor(private readonly d: ExecuteDeps) {}

  executeStatement(body: Record<string, unknown>, caller: Caller): Promise<Record<string, unknown>> {
    const sql = body.Sql;
    if (typeof sql !== 'string' || sql.trim() === '') throw validation('Sql is required.');
    return this.submit(body, caller, [sql], false);
  }

  batchExecuteStatement(body: Record<string, unknown>, caller: Caller): Promise<Record<string, unknown>> {
    const sqls = body.Sqls;
    if (!Array.isArray(sqls) || sqls.length < 1 || sqls.length > 40)
      throw validation('Sqls must be a list of 1 to 40 SQL statements.');
    if (sqls.some((s) => typeof s !== 'string' || s.trim() === ''))
      throw validation('Each of Sqls must be a non-empty SQL statement.');
    return this.submit(body, caller, sqls as string[], true);
  }

  async cancelStatement(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { st, sub } = this.d.store.find(body.Id);
    if (sub) throw validation('Cancel a batch by its Id, without the sub-statement suffix.');
    if (isEnded(st.status)) throw validation(`Could not cancel a query that is already in ${st.status} state.`);
    st.cancelRequested = true;
    if (st.status === 'STARTED' && st.pid !== undefined) await this.cancelOnBackend(st);
    else mark(st, 'ABORTED');
    await Promise.race([st.done, new Promise((r) => setTimeout(r, 5000).unref())]);
    return { Status: true };
  }

  /**
   * STARTED is marked before the translated SQL reaches the backend, and a cancel signal that
   * arrives while the backend is idle is dropped: so it is sent again until the statement ends
   * (a pg_sleep(30) cancelled in that window once ran its 30 s).
   */
  private async cancelOnBackend(st: { pid?: number | undefined; done: Promise<unknown> }): Promise<void> {
    let ended = false;
    void st.done.then(() => (ended = true));
    const deadline = Date.now() + 5000;
    while (!ended && Date.now() < deadline) {
      await this.d.ctx.admin.query('select pg_cancel_backend($1)', [st.pid]);
      await Promise.race([st.done, new Promise((r) => setTimeout(r, 100).unref())]);
    }
  }

  private async submit(
    body: Record<string, unknown>,
    caller: Caller,
    sqls: string[],
    batch: boolean,
  ): Promise<Record<string, unknown>> {
    const token = typeof body.ClientToken === 'string' ? body.ClientToken : undefined;
    const again = token === undefined ? undefined : this.tokens.get(token);
    if (again) return again;
    if (this.active >= this.d.maxActive)
      throw new AwsError('ActiveStatementsExceededException', 'The number of active statements exceeds the limit.');
    const parameters = readParameters(body.Parameters);
    const bound = sqls.map((s) => bindParameters(s, parameters));
    const resultFormat = readFormat(body.ResultFormat);
    const { session, target } = await this.sessionFor(body, caller);
    const st = this.record(batch, sqls, bound, target, parameters, resultFormat, session);
    this.start(st, session);
    const out = {
      Id: st.id,
      CreatedAt: st.createdAt.getTime() / 1000,
      ClusterIdentifier: target.clusterIdentifier,
      WorkgroupName: target.workgroupName,
      Database: target.database,
      DbUser: target.dbUser,
      SecretArn: target.secretArn,
      SessionId: session?.id,
    };
    if (token !== undefined) this.tokens.set(token, out);
    return out;
  }

  private async sessionFor(
    body: Record<string, unknown>,
    caller: Caller,
  ): Promise<{ session: DataSession | undefined; target: Target }> {
    const keepAlive = readKeepAlive(body.SessionKeepAliveSeconds);
    const sessionId = body.SessionId;
    if (sessionId === undefined) {
      const target = await this.d.resolve(body, caller);
      return { session: keepAlive ? this.d.pool.create(target, keepAlive) : undefined, target };
    }
    if (typeof sessionId !== 'string') throw validation('SessionId must be a string.');
    if (body.ClusterIdentifier !== undefined || body.WorkgroupName !== undefined)
      throw validation('With SessionId, ClusterIdentifier and WorkgroupName are not allowed.');
    const session = this.d.pool.get(sessionId);
    if (keepAlive !== undefined) session.keepAliveSeconds = keepAlive;
    return { session, target: session.target };
  }

  private record(
    batch: boolean,
    sqls: string[],
    bound: string[],
    target: Target,
    parameters: Statement['parameters'],
    resultFormat: Statement['resultFormat'],
    session: DataSession | undefined,
  ): Statement {
    const id = randomUUID();
    const now = new Date();
    const st: Statement = {
      id,
      batch,
      subs: sqls.map((q, i) => newSub(batch ? `${id}:${i + 1}` : id, q, bound[i]!, now)),
      status: 'SUBMITTED',
      createdAt: now,
      updatedAt: now,
      target,
      parameters,
      resultFormat,
      sessionId: session?.id,
      cancelRequested: false,
      done: Promise.resolve(),
    };
    this.d.store.add(st);
    return st;
  }

  private start(st: Statement, session: DataSession | undefined): void {
    this.active++;
    const run = (local: Parameters<typeof runStatement>[2]): Promise<void> => {
      if (!st.cancelRequested) mark(st, 'PICKED');
      return runStatement(this.d.ctx, st, local);
    };
    const running = session ? session.use(run) : this.d.pool.once(st.target, run);
    st.done = running
      .catch((err: unknown) => failStatement(st, err))
      .finally(() => {
        this.active--;
        this.running.delete(st.done);
      });
    this.running.add(st.done);
  }

  /** Resolves when the statements running have ended (their sessions closed), or after `ms`. */
  async drain(ms: number): Promise<void> {
    await Promise.race([Promise.all(this.running), new Promise((r) => setTimeout(r, ms).unref())]);
  }
}

function readFormat(v: unknown): 'JSON' | 'CSV' {
  if (v === undefined || v === 'JSON') return 'JSON';
  if (v === 'CSV') return 'CSV';
  throw validation(`ResultFormat must be JSON or CSV, not ${JSON.stringify(v)}.`);
}

function readKeepAlive(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 86400)
    throw validation('SessionKeepAliveSeconds must be an integer from 0 to 86400.');
  return v;
}
