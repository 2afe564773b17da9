// A minimal Postgres wire client for tests that need exact control of the message flow (several
// Parse/Bind/Execute before one Sync), which node-postgres does not offer.
import net from 'node:net';
import { FrameReader, cstring, int16, int32, message, parseNotice, type Frame } from '../../src/emulator/wire.js';

export class WireClient {
  private reader = new FrameReader();
  private frames: Frame[] = [];
  private wake: (() => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.frames.push(...this.reader.push(chunk));
      this.wake?.();
    });
  }

  static async connect(url: string): Promise<WireClient> {
    const u = new URL(url);
    const socket = net.connect(Number(u.port), u.hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    const params = Buffer.concat([
      cstring('user'),
      cstring(u.username || 'postgres'),
      cstring('database'),
      cstring(u.pathname.slice(1)),
      Buffer.from([0]),
    ]);
    const body = Buffer.concat([int32(196608), params]);
    socket.write(Buffer.concat([int32(body.length + 4), body]));
    await client.untilReady();
    return client;
  }

  parse(sql: string, name = ''): this {
    return this.send(message('P', Buffer.concat([cstring(name), cstring(sql), int16(0)])));
  }
  bind(statement = '', portal = ''): this {
    return this.send(message('B', Buffer.concat([cstring(portal), cstring(statement), int16(0), int16(0), int16(0)])));
  }
  describePortal(portal = ''): this {
    return this.send(message('D', Buffer.concat([Buffer.from('P'), cstring(portal)])));
  }
  execute(portal = ''): this {
    return this.send(message('E', Buffer.concat([cstring(portal), int32(0)])));
  }
  /** Parse, Bind, Describe, Execute of one statement, as drivers send it. */
  statement(sql: string): this {
    return this.parse(sql).bind().describePortal().execute();
  }
  sync(): this {
    return this.send(message('S', Buffer.alloc(0)));
  }
  query(sql: string): this {
    return this.send(message('Q', cstring(sql)));
  }

  private send(b: Buffer): this {
    this.socket.write(b);
    return this;
  }

  /** Every frame up to and including the next ReadyForQuery. */
  async untilReady(): Promise<Frame[]> {
    for (;;) {
      const i = this.frames.findIndex((f) => f.type === 'Z');
      if (i >= 0) return this.frames.splice(0, i + 1);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  close(): void {
    this.socket.end(message('X', Buffer.alloc(0)));
  }
}

/** Frame types in order, errors with their code and message: ['1', '2', 'E:XX000 ...', 'Z:I']. */
export function summary(frames: Frame[]): string[] {
  return frames.map((f) => {
    if (f.type === 'E') {
      const e = parseNotice(f.frame);
      return `E:${e.C} ${e.M}`;
    }
    if (f.type === 'Z') return `Z:${f.frame.toString('latin1', 5, 6)}`;
    if (f.type === 'C') return `C:${f.frame.toString('utf8', 5, f.frame.length - 1)}`;
    return f.type;
  });
}
