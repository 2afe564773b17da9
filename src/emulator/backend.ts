// One backend session: a real Postgres connection opened for one client session. node-postgres
// does the startup and authentication (SSL, SCRAM...), then the emulator takes its socket over and
// exchanges raw frames: relayed to the client, or consumed by statements the emulator runs itself.
import pg from 'pg';
import { ensureFunctions } from './functions.js';
import { parserReady } from './translate/tree.js';
import type { Socket } from 'node:net';
import { once } from 'node:events';
import {
  FrameReader,
  parseDataRow,
  parseNotice,
  parseRowDescription,
  queryMessage,
  copyData,
  copyDone,
  copyFail,
  type FieldDesc,
  type Frame,
  type NoticeFields,
  type TxStatus,
} from './wire.js';

export interface InternalResult {
  fields: FieldDesc[];
  rows: Array<Array<string | null>>;
  tag: string | undefined;
  error: NoticeFields | undefined;
  /** Notices and warnings the statement raised (e.g. 25001 for a BEGIN inside a transaction). */
  notices?: NoticeFields[];
}

type Consumer = (f: Frame) => void;

/**
 * The session runs as a temporary user's role (SET SESSION AUTHORIZATION, so current_user and
 * session_user name it). Only a superuser may switch: under another backend user the session stays
 * that user (the temporary roles are members of it, so they could not also be its members for SET ROLE).
 */
async function runAs(client: pg.Client, role: string): Promise<void> {
  const { rows } = await client.query<{ rolsuper: boolean }>(
    'select rolsuper from pg_catalog.pg_roles where rolname = current_user',
  );
  if (rows[0]?.rolsuper) await client.query(`set session authorization "${role.replace(/"/g, '""')}"`);
}

export class Backend {
  txStatus: TxStatus = 'I';
  /** The backend's cancel key: clients cancel through the emulator with it. */
  secretKey = 0;
  /** ReadyForQuery messages still owed for frames relayed from the client. */
  outstanding = 0;
  closed = false;
  private reader = new FrameReader();
  private internal: Consumer | undefined;
  /** Rejects the internal statement in flight when the backend connection goes away. */
  private abortInternal: ((err: Error) => void) | undefined;
  private idleWaiters: Array<() => void> = [];

  private constructor(
    readonly client: pg.Client,
    readonly socket: Socket,
    readonly params: Record<string, string>,
    readonly pid: number,
    private relay: Consumer,
  ) {}

  static async open(
    url: string,
    isolation: string,
    relay: Consumer,
    onClose: () => void,
    schema?: string,
    role?: string,
  ): Promise<Backend> {
    const client = new pg.Client({
      connectionString: url,
      application_name: 'upshift-emulator',
      options: `-c default_transaction_isolation=${isolation.replace(' ', '\\ ')} -c timezone=UTC`,
    });
    const params: Record<string, string> = {};
    const conn = (
      client as unknown as {
        connection: {
          on(e: string, f: (m: { parameterName: string; parameterValue: string }) => void): void;
          stream: Socket;
        };
      }
    ).connection;
    conn.on('parameterStatus', (m) => {
      params[m.parameterName] = m.parameterValue;
    });
    client.on('error', () => {});
    await client.connect();
    try {
      // Redshift's functions, installed once per database before the session takes the socket over.
      if (schema !== undefined) await ensureFunctions(client, url, schema);
      await parserReady();
      if (role !== undefined) await runAs(client, role);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    const socket = conn.stream;
    socket.removeAllListeners('data');
    const { processID: pid, secretKey } = client as unknown as { processID: number; secretKey: number };
    const backend = new Backend(client, socket, params, pid, relay);
    backend.secretKey = secretKey;
    socket.on('data', (chunk: Buffer) => backend.onData(chunk));
    socket.on('close', () => {
      backend.closed = true;
      backend.abortInternal?.(new Error('backend session closed'));
      backend.wakeIdle();
      onClose();
    });
    return backend;
  }

  setRelay(relay: Consumer): void {
    this.relay = relay;
  }

  /** A statement is running on the backend (relayed, or the emulator's own). */
  get busy(): boolean {
    return this.outstanding > 0 || this.internal !== undefined;
  }

  private onData(chunk: Buffer): void {
    for (const f of this.reader.push(chunk)) {
      if (this.internal) {
        this.internal(f);
        continue;
      }
      if (f.type === 'Z') this.txStatus = f.frame.toString('latin1', 5, 6) as TxStatus;
      this.relay(f);
      if (f.type === 'Z') {
        this.outstanding = Math.max(0, this.outstanding - 1);
        if (this.outstanding === 0) this.wakeIdle();
      }
    }
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  /** Forwards a client frame; `expectsReady` when it is a Query or Sync (a ReadyForQuery will follow). */
  forward(frame: Buffer, expectsReady: boolean): void {
    if (expectsReady) this.outstanding++;
    // The frames forwarded in one tick (an extended-protocol Parse/Bind/Describe/Execute/Sync) in one write.
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }
  private corked = false;

  async write(buf: Buffer): Promise<void> {
    if (!this.socket.write(buf)) await once(this.socket, 'drain');
  }

  /** Resolves once every relayed Query/Sync has been answered with ReadyForQuery. */
  whenIdle(): Promise<void> {
    if (this.outstanding === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs one simple query on the session, not relayed to the client. Call only when idle. */
  query(
    sql: string,
    onRow?: (row: Array<string | null>, fields: FieldDesc[]) => void | Promise<void>,
  ): Promise<InternalResult> {
    const result: InternalResult = { fields: [], rows: [], tag: undefined, error: undefined };
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error('backend session closed'));
        return;
      }
      this.abortInternal = reject;
      let pending: Promise<void> = Promise.resolve();
      let inHand = 0;
      this.internal = (f) => {
        switch (f.type) {
          case 'T':
            result.fields = parseRowDescription(f.frame);
            break;
          case 'D': {
            const row = parseDataRow(f.frame);
            if (onRow) {
              // Rows are handed over one at a time, in order; reading pauses while any is in hand.
              const fields = result.fields;
              inHand++;
              this.socket.pause();
              pending = pending
                .then(() => onRow(row, fields))
                .finally(() => {
                  if (--inHand === 0) this.socket.resume();
                });
            } else result.rows.push(row);
            break;
          }
          case 'C':
            result.tag = f.frame.toString('utf8', 5, f.frame.length - 1);
            break;
          case 'E':
            result.error = parseNotice(f.frame);
            break;
          case 'N':
            (result.notices ??= []).push(parseNotice(f.frame));
            break;
          case 'Z':
            this.txStatus = f.frame.toString('latin1', 5, 6) as TxStatus;
            this.internal = undefined;
            pending.then(() => resolve(result), reject);
            break;
          default:
            break;
        }
      };
      this.socket.write(queryMessage(sql));
    });
  }

  /** COPY ... FROM STDIN fed from `chunks`; a thrown error from the source aborts with CopyFail. */
  copyIn(sql: string, chunks: AsyncIterable<Buffer>): Promise<InternalResult & { sourceError?: unknown }> {
    const result: InternalResult & { sourceError?: unknown } = {
      fields: [],
      rows: [],
      tag: undefined,
      error: undefined,
    };
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new Error('backend session closed'));
        return;
      }
      this.abortInternal = reject;
      let feeding: Promise<void> | undefined;
      const feed = async (): Promise<void> => {
        try {
          for await (const chunk of chunks) {
            if (result.error) break;
            await this.write(copyData(chunk));
          }
          this.socket.write(copyDone());
        } catch (err) {
          result.sourceError = err;
          this.socket.write(copyFail(err instanceof Error ? err.message : String(err)));
        }
      };
      this.internal = (f) => {
        switch (f.type) {
          case 'G':
            feeding = feed();
            break;
          case 'C':
            result.tag = f.frame.toString('utf8', 5, f.frame.length - 1);
            break;
          case 'E':
            result.error = parseNotice(f.frame);
            break;
          case 'Z':
            this.txStatus = f.frame.toString('latin1', 5, 6) as TxStatus;
            this.internal = undefined;
            (feeding ?? Promise.resolve()).then(() => resolve(result), reject);
            break;
          default:
            break;
        }
      };
      this.socket.write(queryMessage(sql));
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end(Buffer.from([0x58, 0, 0, 0, 4]));
  }
}
