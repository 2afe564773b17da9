// Redshift over the Data API (HTTPS, no connection): the same SQL as the wire path (COPY from the
// stage's manifest, Redshift DDL, UNLOAD), run through ExecuteStatement. A load's transaction
// runs in one Data API session (SessionKeepAliveSeconds / SessionId): BEGIN, the plan's steps,
// COMMIT, each a statement, so the temp stage table lives from its COPY to the merge and the
// plan runs exactly as on a connection (counts, checks, the audit row's values from them).
//
// Why not one BatchExecuteStatement: a batch takes no parameters and returns nothing until it
// ends, but a load plan's audit row is computed from the row counts of the statements before it
// in the same transaction, and its duplicate-key check must stop the transaction when it finds
// rows. A session transaction keeps both, at one call (plus polls) per statement.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { redshiftDialect, type SqlDialect } from '../dialect/index.js';
import type { Stage } from '../stage/types.js';
import { inlineParameters } from '../sql/parameters.js';
import { redshiftLiterals } from '../sql/literals.js';
import type { UnloadQuery } from './unload/query.js';
import type { UnloadOptions, UnloadResult } from './unload/unload.js';
import type { CopyFormat } from '../stage/copy-format.js';
import { importOptional } from '../optional.js';
import { UpshiftConfigError } from '../config.js';
import {
  abortReason,
  DataApiSessionError,
  DataApiStatementError,
  DataApiStatements,
  type DataApiPolling,
  type DataApiTarget,
  type RedshiftDataSdk,
} from './data-api-statements.js';
import { LoadError } from './errors.js';
import type { CommitMarker, LoadPlan, PlanResult } from './plan.js';
import {
  decodeLoadErrorRow,
  isCopyRejection,
  RedshiftWarehouse,
  type RedshiftCredentials,
  type RedshiftOptions,
} from './redshift.js';
import type { AwsCredentials } from './redshift-iam.js';
import { Warehouse, type CopyStep, type QueryResult, type Session, type WarehouseOptions } from './warehouse.js';

export interface RedshiftDataApiOptions extends Omit<WarehouseOptions, 'stage'> {
  /** An S3Stage, where loads stage their files for COPY (queries and codegen need none). */
  stage?: Stage | undefined;
  /** A Serverless workgroup; or give clusterIdentifier. */
  workgroupName?: string | undefined;
  /** A provisioned cluster; or give workgroupName. */
  clusterIdentifier?: string | undefined;
  /** Default 'dev'. */
  database?: string | undefined;
  /** Log in with the user and password of this Secrets Manager secret. */
  secretArn?: string | undefined;
  /** A cluster's database user, logged in with temporary credentials (redshift:GetClusterCredentials). Without it and secretArn: the caller's IAM identity. */
  dbUser?: string | undefined;
  /** The Data API's region (default: the SDK's: AWS_REGION, ~/.aws/config). */
  region?: string | undefined;
  /** The Data API's endpoint URL (a VPC endpoint; tests pass a local emulator's). */
  endpoint?: string | undefined;
  /** AWS credentials for the Data API (default: the SDK's default provider chain). */
  awsCredentials?: AwsCredentials | undefined;
  /** Your own RedshiftDataClient (then region, endpoint and awsCredentials are its own). */
  client?: RedshiftDataClient | undefined;
  /** The role COPY and UNLOAD assume (recommended). */
  iamRole?: string | undefined;
  /** Access keys for COPY and UNLOAD (prefer iamRole). */
  credentials?: RedshiftCredentials | undefined;
  /** COPY's and UNLOAD's REGION, when the bucket is in another region than the warehouse. */
  copyRegion?: string | undefined;
  /**
   * How long a session outlives its last statement (SessionKeepAliveSeconds). A load's
   * statements follow each other at once; an idle session is reused by the next load while it
   * lives. If the process dies mid-load, its transaction (and its table lock) ends this long
   * after its last statement. Default 60.
   */
  sessionKeepAliveSeconds?: number | undefined;
  /** DescribeStatement polling, statement timeout and throttling backoff. */
  polling?: DataApiPolling | undefined;
}

// Stands in for the stage when none was given (never used: stageRequiredOnUse defines the property).
const NO_STAGE = {} as Stage;

/** Without a stage, queries work; loads, replays and UNLOAD say what they need. */
function stageRequiredOnUse(warehouse: { readonly stage: Stage }): void {
  Object.defineProperty(warehouse, 'stage', {
    configurable: true,
    enumerable: true,
    get() {
      throw new UpshiftConfigError(
        'RedshiftDataApiDatabase needs a stage for loads, replays and UNLOAD: pass { stage: new S3Stage({ basePath: "s3://bucket/prefix" }) }',
      );
    },
  });
}

// Redshift's SQL is the wire path's own: RedshiftWarehouse's fragments run with this warehouse as `this`.
const wire = RedshiftWarehouse.prototype;

/** A Data API session as a Session: its first statement opens it, each later one names its SessionId. */
export class DataApiSession implements Session {
  id: string | undefined;
  /** When the session ends unless a statement runs (epoch ms). */
  liveUntil = 0;
  /** Aborts the statements of the plan being run (never ROLLBACK, which a cancelled plan needs). */
  signal: AbortSignal | undefined;
  /** The last statement that failed, whose query id the load-error decoder reads. */
  lastFailure: DataApiStatementError | undefined;
  /** Taken from the idle sessions: its first statement may find it ended, and move to a new one. */
  reused = false;
  /** It failed in a way that leaves it unusable (ended, cancelled mid-statement). */
  broken = false;

  constructor(
    private readonly statements: DataApiStatements,
    private readonly keepAliveSeconds: number,
  ) {}

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    const text = params?.length ? inlineParameters(sql, params, redshiftLiterals) : sql;
    const signal = /^\s*ROLLBACK\s*$/i.test(sql) ? undefined : this.signal;
    try {
      const outcome = await this.runHere(text, signal);
      return { rows: outcome.rows as R[], rowCount: outcome.rowCount };
    } catch (err) {
      if (err instanceof DataApiStatementError) this.lastFailure = err;
      if (err instanceof DataApiSessionError || signal?.aborted) this.broken = true;
      throw err;
    } finally {
      this.reused = false;
    }
  }

  private async runHere(sql: string, signal: AbortSignal | undefined) {
    const run = () =>
      this.statements.run(sql, {
        sessionId: this.id,
        keepAliveSeconds: this.keepAliveSeconds,
        signal,
        onSession: (id) => {
          this.id = id;
        },
      });
    try {
      return await run();
    } catch (err) {
      // An idle session that ended before this first statement: nothing of this use was in it.
      if (!(err instanceof DataApiSessionError) || !this.reused) throw err;
      this.id = undefined;
      return await run();
    } finally {
      this.liveUntil = Date.now() + this.keepAliveSeconds * 1000;
    }
  }
}

export class RedshiftDataApiWarehouse extends Warehouse<DataApiSession> {
  readonly dialect: SqlDialect = redshiftDialect;
  /** What the borrowed Redshift fragments read: COPY and UNLOAD credentials, REGION, where load errors are. */
  readonly redshift: Pick<RedshiftOptions, 'iamRole' | 'credentials' | 'region' | 'serverless'>;
  readonly target: DataApiTarget;
  private readonly options: RedshiftDataApiOptions;
  private readonly keepAliveSeconds: number;
  private statementsReady: Promise<DataApiStatements> | undefined;
  private ownClient: RedshiftDataClient | undefined;
  private readonly idle: DataApiSession[] = [];
  private readonly planSignal = new AsyncLocalStorage<AbortSignal | undefined>();

  constructor(options: RedshiftDataApiOptions) {
    super({ ...options, stage: options.stage ?? NO_STAGE });
    if (!options.stage) stageRequiredOnUse(this);
    else if (options.stage.kind !== 's3')
      throw new UpshiftConfigError(
        'RedshiftDataApiDatabase needs an S3Stage: Redshift COPY reads staged files from S3 only',
      );
    if (Boolean(options.workgroupName) === Boolean(options.clusterIdentifier))
      throw new UpshiftConfigError(
        'RedshiftDataApiDatabase: give workgroupName (Serverless) or clusterIdentifier, one of them',
      );
    if (options.secretArn && options.dbUser)
      throw new UpshiftConfigError('RedshiftDataApiDatabase: give secretArn or dbUser, not both');
    if (options.dbUser && options.workgroupName)
      throw new UpshiftConfigError(
        'RedshiftDataApiDatabase: dbUser is for clusters; on Serverless the user is your IAM identity (or give secretArn)',
      );
    if (options.iamRole && options.credentials)
      throw new UpshiftConfigError('RedshiftDataApiDatabase: give iamRole or credentials, not both');
    this.options = options;
    this.keepAliveSeconds = options.sessionKeepAliveSeconds ?? 60;
    this.target = {
      database: options.database ?? 'dev',
      ...(options.workgroupName ? { workgroupName: options.workgroupName } : {}),
      ...(options.clusterIdentifier ? { clusterIdentifier: options.clusterIdentifier } : {}),
      ...(options.secretArn ? { secretArn: options.secretArn } : {}),
      ...(options.dbUser ? { dbUser: options.dbUser } : {}),
    };
    this.redshift = {
      iamRole: options.iamRole,
      credentials: options.credentials,
      region: options.copyRegion,
      serverless: Boolean(options.workgroupName),
    };
  }

  /** The statement runner, made with the SDK on first use (it is an optional peer dependency). */
  private statements(): Promise<DataApiStatements> {
    this.statementsReady ??= importOptional<RedshiftDataSdk>(
      '@aws-sdk/client-redshift-data',
      'RedshiftDataApiDatabase',
      () => import('@aws-sdk/client-redshift-data'),
    ).then((sdk) => {
      const o = this.options;
      const client =
        o.client ??
        (this.ownClient = new sdk.RedshiftDataClient({
          ...(o.region ? { region: o.region } : {}),
          ...(o.endpoint ? { endpoint: o.endpoint } : {}),
          ...(o.awsCredentials ? { credentials: o.awsCredentials } : {}),
        }));
      return new DataApiStatements(client, sdk, this.target, o.polling);
    });
    return this.statementsReady;
  }

  /** One statement, outside any session (each runs on its own; temp tables don't outlive it). */
  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    const statements = await this.statements();
    const text = params?.length ? inlineParameters(sql, params, redshiftLiterals) : sql;
    return (await statements.run(text)).rows as R[];
  }

  /** A session that lives a while yet from the idle ones, else a new one (opened by its first statement). */
  protected async withSession<T>(fn: (session: DataApiSession) => Promise<T>): Promise<T> {
    const statements = await this.statements();
    let session: DataApiSession | undefined;
    while ((session = this.idle.pop()) && session.liveUntil < Date.now() + 5000);
    if (session) session.reused = true;
    else session = new DataApiSession(statements, this.keepAliveSeconds);
    session.signal = this.planSignal.getStore();
    session.signal?.throwIfAborted();
    try {
      return await fn(session);
    } finally {
      session.signal = undefined;
      session.lastFailure = undefined;
      if (!session.broken && session.id) this.idle.push(session);
    }
  }

  /** Runs the plan with its signal: when it aborts, the running statement is cancelled (CancelStatement) and the transaction rolled back. */
  override runPlan(plan: LoadPlan, on?: DataApiSession): Promise<PlanResult> {
    return this.planSignal.run(plan.signal, async () => {
      try {
        return await super.runPlan(plan, on);
      } catch (err) {
        throw plan.signal?.aborted ? abortReason(plan.signal) : err;
      }
    });
  }

  protected async copy(session: DataApiSession, step: CopyStep): Promise<number> {
    return (await session.query(this.copySql(step))).rowCount;
  }

  /** A rejected COPY: its errors, read by the COPY's own query id (after ROLLBACK, on the same session). */
  protected override async decodeError(session: DataApiSession, plan: LoadPlan, err: unknown): Promise<unknown> {
    if (!isCopyRejection(err)) return err;
    const queryId = err instanceof DataApiStatementError && err.redshiftQueryId ? err.redshiftQueryId : undefined;
    let rows: Record<string, unknown>[];
    try {
      rows = (await session.query(this.loadErrorQuery(queryId))).rows;
    } catch {
      return new LoadError(plan.target, [], err);
    }
    return new LoadError(plan.target, rows.map(decodeLoadErrorRow), err);
  }

  /**
   * COMMIT's answer was lost: in a new session, LOCK the marker's table, which waits until the
   * old transaction is over (committed, or rolled back when its session ends), then read the marker.
   */
  protected override commitOutcome(_lost: DataApiSession, marker: CommitMarker): Promise<boolean> {
    return this.withSession(async (session) => {
      await session.query('BEGIN');
      try {
        await session.query(`LOCK ${marker.table}`);
        return marker.committed((await session.query(marker.sql, marker.params)).rows);
      } finally {
        await session.query('ROLLBACK').catch(() => undefined);
      }
    });
  }

  close(): Promise<void> {
    this.idle.length = 0;
    this.ownClient?.destroy();
    return Promise.resolve();
  }

  // ---- Redshift's SQL, shared with the wire path --------------------------------------------

  override loadCommitsSql(): string {
    return wire.loadCommitsSql.call(this as never);
  }
  credentialsSql(redact = false): string {
    return wire.credentialsSql.call(this as never, redact);
  }
  formatSql(format: CopyFormat): string {
    return wire.formatSql.call(this as never, format);
  }
  copySql(step: CopyStep, redact = false): string {
    return wire.copySql.call(this as never, step, redact);
  }
  loadErrorQuery(copyQueryId?: number): string {
    return wire.loadErrorQuery.call(this as never, copyQueryId);
  }
  unloadSql(query: string, targetUri: string, options: UnloadOptions = {}, redact = false): string {
    return wire.unloadSql.call(this as never, query, targetUri, options, redact);
  }
  override unload(query: UnloadQuery, target: string, options: UnloadOptions = {}): Promise<UnloadResult> {
    return wire.unload.call(this as never, query, target, options);
  }
}
