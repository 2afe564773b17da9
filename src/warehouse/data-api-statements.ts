// Statements over the Redshift Data API: ExecuteStatement, then DescribeStatement long-polled
// (WaitTimeSeconds), with a bounded backoff between unfinished answers, until the statement ends
// (or its timeout cancels it), then its result read
// page by page through GetStatementResult. Throttled calls are retried with backoff; an aborted
// signal cancels the running statement (CancelStatement). Errors never carry the statement's
// text: COPY and UNLOAD hold credentials.
import { randomUUID } from 'node:crypto';
import type {
  ColumnMetadata,
  DescribeStatementResponse,
  ExecuteStatementInput,
  ExecuteStatementOutput,
  Field,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { UpshiftConfigError } from '../config.js';
import { exactLongValues, recordReader } from './data-api-values.js';

export type RedshiftDataSdk = typeof import('@aws-sdk/client-redshift-data');

/** Where statements run and as whom: a workgroup or a cluster; a Secrets Manager secret, a cluster's dbUser, or the caller's IAM identity. */
export interface DataApiTarget {
  workgroupName?: string | undefined;
  clusterIdentifier?: string | undefined;
  database: string;
  secretArn?: string | undefined;
  dbUser?: string | undefined;
}

export interface DataApiPolling {
  /** How long each DescribeStatement waits for the statement to end (its WaitTimeSeconds; 0: answer at once). Default 10 s. */
  waitSeconds?: number | undefined;
  /** The wait after an answer that came back unfinished; doubled each time up to maxDelayMs. Default 5 ms. */
  firstDelayMs?: number | undefined;
  /** Default 500 ms. */
  maxDelayMs?: number | undefined;
  /** A statement still running after this long is cancelled and fails. Default 3 600 000 (1 h). */
  statementTimeoutMs?: number | undefined;
  /** Calls refused as throttled (ThrottlingException, Active*ExceededException) are tried this many times in all. Default 8. */
  throttleAttempts?: number | undefined;
  /** The first backoff after a throttled call, doubled each time (with jitter, capped at 5 s). Default 100 ms. */
  throttleBaseDelayMs?: number | undefined;
}

export interface StatementOutcome {
  id: string;
  rows: Record<string, unknown>[];
  rowCount: number;
  redshiftQueryId: number | undefined;
}

/**
 * A statement the database ran and refused (Status FAILED), or that was cancelled (ABORTED).
 * `severity` says the server answered, as pg's errors do: the transaction is known to have failed.
 */
export class DataApiStatementError extends Error {
  override name = 'DataApiStatementError';
  readonly severity = 'ERROR';
  readonly code: string | undefined;
  constructor(
    message: string,
    readonly statementId: string,
    readonly status: string,
    readonly redshiftQueryId: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = /\bSQLSTATE[ :=]*([0-9A-Z]{5})\b/.exec(message)?.[1];
  }
}

/** The session a statement was sent to is gone (its SessionKeepAliveSeconds ran out, or it was closed): its transaction was rolled back. */
export class DataApiSessionError extends Error {
  override name = 'DataApiSessionError';
  constructor(
    readonly sessionId: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const THROTTLED = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'ActiveStatementsExceededException',
  'ActiveSessionsExceededException',
  'ActiveWaitingRequestsExceededException',
]);

const isThrottled = (err: unknown): boolean => {
  const e = err as { name?: string; $retryable?: { throttling?: boolean } };
  return THROTTLED.has(e?.name ?? '') || e?.$retryable?.throttling === true;
};

const isSessionGone = (err: unknown): boolean => {
  const e = err as { name?: string; message?: string };
  return /ValidationException|ResourceNotFoundException/.test(e?.name ?? '') && /session/i.test(e?.message ?? '');
};

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The reason a signal gives, as an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const said = typeof reason === 'string' ? `: ${reason}` : '';
  return new Error(`the load was cancelled${said}`);
}

const MIDDLEWARE = 'upshiftExactLongValues';

/**
 * Makes GetStatementResult answers keep integers exact: the raw JSON's longValue fields are
 * renamed before the SDK parses it (see exactLongValues). Added once per client.
 */
export function keepLongValuesExact(client: RedshiftDataClient): void {
  const stack = client.middlewareStack as unknown as {
    identify(): string[];
    add(mw: unknown, options: Record<string, unknown>): void;
  };
  if (stack.identify().some((name) => name.startsWith(MIDDLEWARE))) return;
  stack.add(
    (next: (args: unknown) => Promise<{ response: { body?: unknown } }>, context: { commandName?: string }) =>
      async (args: unknown) => {
        const out = await next(args);
        if (context.commandName !== 'GetStatementResultCommand') return out;
        const body = out.response.body as AsyncIterable<Uint8Array> | Uint8Array | undefined;
        if (!body) return out;
        let bytes: Buffer;
        if (body instanceof Uint8Array) bytes = Buffer.from(body);
        else {
          const chunks: Buffer[] = [];
          for await (const chunk of body) chunks.push(Buffer.from(chunk));
          bytes = Buffer.concat(chunks);
        }
        out.response.body = Buffer.from(exactLongValues(bytes.toString('utf8')));
        return out;
      },
    { step: 'deserialize', priority: 'low', name: MIDDLEWARE },
  );
}

export class DataApiStatements {
  private readonly polling: Required<DataApiPolling>;

  constructor(
    readonly client: RedshiftDataClient,
    private readonly sdk: RedshiftDataSdk,
    readonly target: DataApiTarget,
    polling: DataApiPolling = {},
  ) {
    this.polling = {
      waitSeconds: polling.waitSeconds ?? 10,
      firstDelayMs: polling.firstDelayMs ?? 5,
      maxDelayMs: polling.maxDelayMs ?? 500,
      statementTimeoutMs: polling.statementTimeoutMs ?? 3_600_000,
      throttleAttempts: polling.throttleAttempts ?? 8,
      throttleBaseDelayMs: polling.throttleBaseDelayMs ?? 100,
    };
    keepLongValuesExact(client);
  }

  /**
   * Runs one statement to its end. With `sessionId`, in that session; with `keepAliveSeconds`
   * (and no session), in a new session kept open that long after each statement, whose id
   * `onSession` receives as soon as the statement is submitted.
   */
  async run(
    sql: string,
    options: {
      sessionId?: string | undefined;
      keepAliveSeconds?: number | undefined;
      signal?: AbortSignal | undefined;
      onSession?: ((sessionId: string) => void) | undefined;
    } = {},
  ): Promise<StatementOutcome> {
    options.signal?.throwIfAborted();
    const input: ExecuteStatementInput = {
      Sql: sql,
      ClientToken: randomUUID(),
      ...(options.sessionId ? { SessionId: options.sessionId } : this.targetInput()),
      ...(!options.sessionId && options.keepAliveSeconds ? { SessionKeepAliveSeconds: options.keepAliveSeconds } : {}),
    };
    let submitted: ExecuteStatementOutput;
    try {
      submitted = await this.call(() => this.client.send(new this.sdk.ExecuteStatementCommand(input)));
    } catch (err) {
      if (/region is missing/i.test((err as Error)?.message ?? ''))
        throw new UpshiftConfigError(
          'the Data API needs an AWS region: pass { region } (?region= in a redshift-data:// URL) or set AWS_REGION',
          { cause: err },
        );
      if (options.sessionId && isSessionGone(err))
        throw new DataApiSessionError(
          options.sessionId,
          `the Data API session ${options.sessionId} has ended (${(err as Error).message}); what ran in it and was not committed was rolled back`,
          { cause: err },
        );
      throw err;
    }
    if (submitted.SessionId) options.onSession?.(submitted.SessionId);
    const id = submitted.Id!;
    const done = await this.waitFor(id, options.signal);
    const rows = done.HasResultSet ? await this.results(id) : [];
    const counted = done.ResultRows ?? -1;
    return {
      id,
      rows,
      rowCount: counted >= 0 ? counted : rows.length,
      redshiftQueryId: done.RedshiftQueryId,
    };
  }

  private targetInput(): Partial<ExecuteStatementInput> {
    const t = this.target;
    return {
      Database: t.database,
      ...(t.workgroupName ? { WorkgroupName: t.workgroupName } : {}),
      ...(t.clusterIdentifier ? { ClusterIdentifier: t.clusterIdentifier } : {}),
      ...(t.secretArn ? { SecretArn: t.secretArn } : {}),
      ...(t.dbUser ? { DbUser: t.dbUser } : {}),
    };
  }

  /**
   * Polls until the statement ends: DescribeStatement long-polls (WaitTimeSeconds), and between
   * answers that come back unfinished the wait backs off. The statement is cancelled as soon as
   * the signal aborts (even during a long poll), or once it outlives the timeout.
   */
  private async waitFor(id: string, signal: AbortSignal | undefined): Promise<DescribeStatementResponse> {
    const deadline = Date.now() + this.polling.statementTimeoutMs;
    let delay = this.polling.firstDelayMs;
    let cancelled: 'signal' | 'timeout' | undefined;
    let cancelledAt = 0;
    const cancelFor = (why: 'signal' | 'timeout') => {
      if (cancelled) return;
      cancelled = why;
      cancelledAt = Date.now();
      void this.cancel(id);
    };
    const onAbort = () => cancelFor('signal');
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      for (;;) {
        const left = Math.ceil((deadline - Date.now()) / 1000);
        const wait = cancelled ? 1 : Math.max(0, Math.min(this.polling.waitSeconds, left));
        const d = await this.call(() =>
          this.client.send(
            new this.sdk.DescribeStatementCommand({ Id: id, ...(wait > 0 ? { WaitTimeSeconds: wait } : {}) }),
          ),
        );
        if (d.Status === 'FINISHED') return d;
        if (d.Status === 'FAILED' || d.Status === 'ABORTED') throw this.failure(id, d, cancelled, signal);
        if (!cancelled && Date.now() > deadline) cancelFor('timeout');
        else if (cancelled && Date.now() - cancelledAt > 60_000)
          throw new DataApiStatementError(
            `the statement was cancelled (${cancelled === 'signal' ? 'the load was aborted' : 'statementTimeoutMs'}) but still ran a minute later`,
            id,
            d.Status ?? 'UNKNOWN',
            d.RedshiftQueryId,
          );
        await pause(delay);
        delay = Math.min(delay * 2, this.polling.maxDelayMs);
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Why a statement ended FAILED or ABORTED: its error, or the cancellation that ended it. */
  private failure(
    id: string,
    d: DescribeStatementResponse,
    cancelled: 'signal' | 'timeout' | undefined,
    signal: AbortSignal | undefined,
  ): Error {
    if (cancelled === 'signal') return abortReason(signal!);
    if (cancelled === 'timeout')
      return new DataApiStatementError(
        `the statement ran longer than ${this.polling.statementTimeoutMs / 1000} s (statementTimeoutMs) and was cancelled`,
        id,
        d.Status!,
        d.RedshiftQueryId,
      );
    return new DataApiStatementError(statementErrorText(d), id, d.Status!, d.RedshiftQueryId);
  }

  /** CancelStatement; one that already ended can't be cancelled, and says so. */
  async cancel(id: string): Promise<void> {
    await this.call(() => this.client.send(new this.sdk.CancelStatementCommand({ Id: id }))).catch(() => undefined);
  }

  private async results(id: string): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    let columns: ColumnMetadata[] | undefined;
    let read: ((record: Field[]) => Record<string, unknown>) | undefined;
    let token: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(new this.sdk.GetStatementResultCommand({ Id: id, ...(token ? { NextToken: token } : {}) })),
      );
      columns ??= page.ColumnMetadata ?? [];
      read ??= recordReader(columns);
      for (const record of page.Records ?? []) rows.push(read(record));
      token = page.NextToken;
    } while (token);
    return rows;
  }

  /** One API call, tried again after throttling with exponential backoff and jitter. */
  private async call<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (err) {
        if (!isThrottled(err) || attempt >= this.polling.throttleAttempts) throw err;
        const delay = Math.min(5000, this.polling.throttleBaseDelayMs * 2 ** (attempt - 1));
        await pause(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }
}

/** The statement's error as the database gave it, without the "ERROR:" prefix pg's messages don't have either. */
function statementErrorText(d: DescribeStatementResponse): string {
  const text = (d.Error ?? `the statement ended ${d.Status}`).trim();
  return text.replace(/^ERROR:\s*/, '');
}
