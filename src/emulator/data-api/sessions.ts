// Data API sessions. A statement without a session runs on a backend session of its own, closed
// after it; SessionKeepAliveSeconds keeps that session (its temp tables, its settings) for later
// statements that name its SessionId, until it has been idle that long. Statements of one session
// run one at a time, in the order they came.
import { randomUUID } from 'node:crypto';
import { validation } from '../aws/protocol.js';
import type { EmulatorContext } from '../context.js';
import { LocalSession } from './local-session.js';
import type { Target } from './statements.js';

export class DataSession {
  readonly id = randomUUID();
  closed = false;
  private local: LocalSession | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: EmulatorContext,
    readonly target: Target,
    public keepAliveSeconds: number,
  ) {}

  /** Runs `f` on the session's backend once the statements before it are done. */
  use<T>(f: (s: LocalSession) => Promise<T>): Promise<T> {
    this.pending++;
    clearTimeout(this.timer);
    const run = this.queue.then(async () => {
      if (this.closed) throw validation('Session is not available');
      this.local ??= await LocalSession.open(this.ctx, this.target.role);
      return f(this.local);
    });
    this.queue = run.catch(() => undefined).finally(() => this.idle());
    return run;
  }

  private idle(): void {
    if (--this.pending > 0 || this.closed) return;
    if (this.local?.closed) return this.close();
    this.timer = setTimeout(() => this.close(), this.keepAliveSeconds * 1000);
    this.timer.unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.local?.close();
  }
}

export class SessionPool {
  private sessions = new Map<string, DataSession>();
  private transient = new Set<LocalSession>();
  private closing = false;

  constructor(private readonly ctx: EmulatorContext) {}

  /** A new session kept `keepAliveSeconds` after each statement. */
  create(target: Target, keepAliveSeconds: number): DataSession {
    const s = new DataSession(this.ctx, target, keepAliveSeconds);
    this.sessions.set(s.id, s);
    return s;
  }

  /** The open session `id`: ValidationException when it never existed or has expired. */
  get(id: string): DataSession {
    const s = this.sessions.get(id);
    if (!s) throw validation(`Session with Id: ${id} is invalid`);
    if (s.closed) throw validation('Session is not available');
    return s;
  }

  /** Runs `f` on a backend session of its own, closed afterwards. */
  async once<T>(target: Target, f: (s: LocalSession) => Promise<T>): Promise<T> {
    const local = await LocalSession.open(this.ctx, target.role);
    if (this.closing) {
      local.close();
      throw new Error('the emulator is closing');
    }
    this.transient.add(local);
    try {
      return await f(local);
    } finally {
      this.transient.delete(local);
      local.close();
    }
  }

  closeAll(): void {
    this.closing = true;
    for (const s of this.sessions.values()) s.close();
    for (const s of this.transient) s.close();
  }
}
