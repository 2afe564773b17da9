// The Redshift Data API's actions, as the AWS SDK's RedshiftData client calls them.
import { AwsError, jsonAnswer, type HttpAnswer } from '../aws/protocol.js';
import type { ActionHandler } from '../aws/server.js';
import type { EmulatorContext } from '../context.js';
import type { Caller, CredentialsService } from '../iam/credentials.js';
import type { TemporaryUsers } from '../iam/users.js';
import { CatalogApi } from './catalog-api.js';
import { Executor } from './execute.js';
import { getStatementResult } from './fetch.js';
import { SessionPool } from './sessions.js';
import { StatementStore, describe } from './statements.js';
import { resolveTarget, type TargetOptions } from './target.js';

/** The Data API's limits, beside where statements may run (TargetOptions). */
export interface DataApiServiceOptions extends TargetOptions {
  /** Statements running or waiting at once before ActiveStatementsExceededException (default 200). */
  maxActiveStatements?: number | undefined;
  /** Bytes of rows per GetStatementResult page (default 1 MiB). */
  resultPageBytes?: number | undefined;
}

type Action = (body: Record<string, unknown>, caller: Caller) => Promise<Record<string, unknown>>;

export class DataApiService implements ActionHandler {
  private readonly store = new StatementStore();
  private readonly pool: SessionPool;
  private readonly actions: Record<string, Action>;
  private readonly exec: Executor;

  constructor(
    ctx: EmulatorContext,
    users: TemporaryUsers,
    credentials: CredentialsService,
    options: DataApiServiceOptions,
  ) {
    this.pool = new SessionPool(ctx);
    const resolve = (body: Record<string, unknown>, caller: Caller) =>
      resolveTarget(body, caller, options, credentials, users);
    const exec = (this.exec = new Executor({
      ctx,
      store: this.store,
      pool: this.pool,
      resolve,
      maxActive: options.maxActiveStatements ?? 200,
    }));
    const catalog = new CatalogApi(ctx, resolve);
    const pageBytes = options.resultPageBytes ?? 1024 * 1024;
    this.actions = {
      ExecuteStatement: (b, c) => this.waited(b, exec.executeStatement(b, c)),
      BatchExecuteStatement: (b, c) => this.waited(b, exec.batchExecuteStatement(b, c)),
      CancelStatement: (b) => exec.cancelStatement(b),
      DescribeStatement: async (b) => {
        await this.wait(b);
        const { st, sub } = this.store.find(b.Id);
        return describe(st, sub);
      },
      GetStatementResult: async (b) => {
        await this.wait(b);
        return getStatementResult(this.store, b, pageBytes, 'JSON');
      },
      GetStatementResultV2: async (b) => {
        await this.wait(b);
        return getStatementResult(this.store, b, pageBytes, 'CSV');
      },
      ListDatabases: (b, c) => catalog.listDatabases(b, c),
      ListSchemas: (b, c) => catalog.listSchemas(b, c),
      ListTables: (b, c) => catalog.listTables(b, c),
      DescribeTable: (b, c) => catalog.describeTable(b, c),
    };
  }

  async handle(action: string, body: Record<string, unknown>, caller: Caller): Promise<HttpAnswer> {
    const f = this.actions[action];
    if (!f) throw new AwsError('UnknownOperationException', `The emulator does not serve RedshiftData.${action}.`);
    return jsonAnswer(await f(body, caller));
  }

  /** WaitTimeSeconds: an answer about a statement waits up to that long for it to end. */
  private async wait(body: Record<string, unknown>): Promise<void> {
    const seconds = body.WaitTimeSeconds;
    if (typeof seconds !== 'number' || seconds <= 0 || typeof body.Id !== 'string') return;
    const { st } = this.store.find(body.Id);
    await Promise.race([st.done, new Promise((r) => setTimeout(r, Math.min(seconds, 60) * 1000).unref())]);
  }

  private async waited(body: Record<string, unknown>, submitted: Promise<Record<string, unknown>>) {
    const out = await submitted;
    await this.wait({ WaitTimeSeconds: body.WaitTimeSeconds, Id: out.Id });
    return out;
  }

  /** Closes every session; statements still running end (their backends are terminated). */
  async close(): Promise<void> {
    this.pool.closeAll();
    await this.exec.drain(2000);
  }
}
