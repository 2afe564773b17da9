// Extended-protocol bookkeeping between two Syncs. Statements the emulator runs itself (COPY,
// UNLOAD, some ALTER TABLEs) and statements it refuses are answered by the emulator, in order with
// the backend's answers to the frames around them: before answering, the emulator flushes the
// backend and waits until every frame it forwarded has had its reply.
import type { Step } from './rewrite.js';
import { int16, message, type Frame } from './wire.js';

/** Client frames the backend answers with exactly one final reply (or an error). */
const ANSWERED = new Set(['P', 'B', 'D', 'E', 'C']);
/** Backend frames that end the reply to one of those ('T'/'n' end a Describe, 'C'/'I'/'s' an Execute). */
const FINAL = new Set(['1', '2', '3', 'n', 'T', 'C', 'I', 's']);

export class PipelineState {
  /** Replies the backend still owes for frames forwarded since the last Sync. */
  private owed = 0;
  private waiters: Array<() => void> = [];
  /** Prepared statements and portals the emulator answers itself, by name. */
  readonly statements = new Map<string, Step>();
  readonly portals = new Map<string, Step>();
  /** An error was reported by the emulator: everything up to Sync is dropped, as Postgres does. */
  skipping = false;
  /** A statement the emulator ran failed: the pipeline's transaction ends in a rollback. */
  failed = false;
  /** Who opened the transaction the emulator's statements run in: the client, or the emulator at its first statement. */
  tx: 'client' | 'emulator' | undefined;

  forwarded(type: string): void {
    if (ANSWERED.has(type)) this.owed++;
  }

  /** A frame from the backend, relayed to the client. */
  replied(f: Frame): void {
    if (this.owed === 0) return;
    if (f.type === 'E') this.owed = 0;
    else if (FINAL.has(f.type)) this.owed--;
    if (this.owed === 0) this.wake();
  }

  get caughtUp(): boolean {
    return this.owed === 0;
  }

  /** Resolves once the backend has answered everything forwarded (`flush` makes it send its output). */
  whenCaughtUp(flush: () => void): Promise<void> {
    if (this.owed === 0) return Promise.resolve();
    flush();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The backend went away: nothing more will come. */
  abandon(): void {
    this.owed = 0;
    this.wake();
  }

  /** At Sync: portals and the pipeline's error state end; named statements stay until closed. */
  reset(): void {
    this.portals.clear();
    this.skipping = false;
    this.failed = false;
    this.tx = undefined;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

const nameAt = (frame: Buffer, off: number): [string, number] => {
  const end = frame.indexOf(0, off);
  return [frame.toString('utf8', off, end), end + 1];
};

/** Bind: the portal and the statement it binds. */
export function bindNames(frame: Buffer): { portal: string; statement: string } {
  const [portal, next] = nameAt(frame, 5);
  const [statement] = nameAt(frame, next);
  return { portal, statement };
}

/** Describe and Close: 'S' (statement) or 'P' (portal) and its name. */
export function targetOf(frame: Buffer): { kind: 'S' | 'P'; name: string } {
  return { kind: String.fromCharCode(frame[5]!) as 'S' | 'P', name: nameAt(frame, 6)[0] };
}

/** Execute: the portal's name. */
export const executedPortal = (frame: Buffer): string => nameAt(frame, 5)[0];

export const parseComplete = (): Buffer => message('1', Buffer.alloc(0));
export const bindComplete = (): Buffer => message('2', Buffer.alloc(0));
export const closeComplete = (): Buffer => message('3', Buffer.alloc(0));
export const noData = (): Buffer => message('n', Buffer.alloc(0));
/** ParameterDescription of a statement without parameters. */
export const noParameters = (): Buffer => message('t', int16(0));
export const flush = (): Buffer => message('H', Buffer.alloc(0));
