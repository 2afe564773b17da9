// An emulator session without a socket: the Data API's statements run on a ClientSession fed
// Query messages in process, so they get exactly the translation wire clients get (DDL, COPY,
// UNLOAD, system views, errors reworded), and its answers are read back from the frames.
import { EventEmitter } from 'node:events';
import type { EmulatorContext } from '../context.js';
import { ClientSession, type ClientStream } from '../session.js';
import {
  FrameReader,
  copyFail,
  parseDataRow,
  parseNotice,
  parseRowDescription,
  queryMessage,
  type FieldDesc,
  type Frame,
  type NoticeFields,
  type TxStatus,
} from '../wire.js';

/** What one Query message answered: the last result set, the last command tag, the first error. */
export interface RunResult {
  fields: FieldDesc[] | undefined;
  rows: Array<Array<string | null>>;
  tag: string | undefined;
  error: NoticeFields | undefined;
}

/** The client end of an in-process session: frames the session writes are handed to `onFrame`. */
class InProcessStream extends EventEmitter implements ClientStream {
  private reader = new FrameReader();
  private ended = false;

  constructor(private readonly onFrame: (f: Frame) => void) {
    super();
  }

  write(buf: Buffer): boolean {
    for (const f of this.reader.push(buf)) this.onFrame(f);
    return true;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('close');
  }

  get closed(): boolean {
    return this.ended;
  }

  send(frame: Buffer): void {
    if (!this.ended) this.emit('data', frame);
  }
}

export class LocalSession {
  txStatus: TxStatus = 'I';
  private result: RunResult | undefined;
  private waiting: ((r: RunResult | undefined) => void) | undefined;
  private readonly stream: InProcessStream;
  private readonly session: ClientSession;

  private constructor(ctx: EmulatorContext, role: string | undefined) {
    this.stream = new InProcessStream((f) => this.onFrame(f));
    this.stream.on('close', () => {
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
    this.session = new ClientSession(this.stream, ctx, role === undefined ? undefined : { role });
  }

  /** Opens a backend session running as `role` (undefined: the backend URL's user). */
  static async open(ctx: EmulatorContext, role: string | undefined): Promise<LocalSession> {
    const s = new LocalSession(ctx, role);
    const ready = s.next();
    await s.session.start();
    await ready;
    return s;
  }

  /** The backend's process id: Redshift's session id, what pg_cancel_backend takes. */
  get pid(): number {
    return this.session.pid;
  }

  get closed(): boolean {
    return this.stream.closed;
  }

  /** Runs a simple query; its first logged statement takes `queryId`. */
  async run(sql: string, queryId: number): Promise<RunResult> {
    if (this.closed) throw new Error('the session is closed');
    this.session.presetQueryId = queryId;
    const answer = this.next();
    this.stream.send(queryMessage(sql));
    const r = await answer;
    if (!r) throw new Error('the session ended while the statement ran');
    return r;
  }

  /**
   * Ends the session as a client going away does: a backend busy with a statement is terminated,
   * an idle one closed; its temp tables go, an open transaction rolls back.
   */
  close(): void {
    this.stream.end();
  }

  private next(): Promise<RunResult | undefined> {
    this.result = { fields: undefined, rows: [], tag: undefined, error: undefined };
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  private onFrame(f: Frame): void {
    const r = this.result;
    switch (f.type) {
      case 'T':
        if (r) [r.fields, r.rows] = [parseRowDescription(f.frame), []];
        break;
      case 'D':
        r?.rows.push(parseDataRow(f.frame));
        break;
      case 'C':
        if (r) r.tag = f.frame.toString('utf8', 5, f.frame.length - 1);
        break;
      case 'E':
        if (r) r.error ??= parseNotice(f.frame);
        break;
      case 'G':
        // COPY ... FROM STDIN: the Data API has no client data to send.
        this.stream.send(copyFail('COPY FROM STDIN is not supported by the Data API'));
        break;
      case 'Z':
        this.txStatus = f.frame.toString('latin1', 5, 6) as TxStatus;
        this.waiting?.(r);
        this.waiting = undefined;
        break;
      default:
        break;
    }
  }
}
