// A TCP proxy in front of a Postgres-protocol server (Postgres, the Redshift emulator) that breaks
// the connection at a chosen phase of a load. It reads the client's frames (the startup packet,
// then type byte + length + body): 'Q' (simple query) and 'P' (parse) carry the SQL text, 'd' is
// COPY data. One armed fault fires once, on the first frame it matches, on whichever connection
// sends it; every other connection and frame passes untouched.
import net from 'node:net';

export interface Frame {
  /** The message type ('Q', 'P', 'd', ...); 'startup' for the untyped first message. */
  type: string;
  /** The SQL of a 'Q' or 'P' message. */
  sql?: string;
}

export type Fault =
  /** The frame never reaches the server: both sides see the connection close. */
  | { kind: 'drop-before'; match: (f: Frame) => boolean }
  /**
   * The frame reaches the server, and its reply is lost: once the server answers, both sides are
   * closed without the client seeing it (for COMMIT: the server committed, the client sees a drop).
   */
  | { kind: 'drop-reply'; match: (f: Frame) => boolean }
  /** Closes both sides once this many bytes of COPY data ('d' frames) have passed. */
  | { kind: 'drop-mid-copy'; afterBytes: number }
  /** Holds the frame this long before passing it (the load should just be slower). */
  | { kind: 'delay'; match: (f: Frame) => boolean; ms: number };

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;

export class FaultProxy {
  private server: net.Server;
  private fault: Fault | undefined;
  private copyBytes = 0;
  private readonly sockets = new Set<net.Socket>();
  /** Whether the armed fault has fired (a trial whose phase never came proves nothing). */
  fired = false;
  /** SQL seen by the proxy, in order (for diagnostics). */
  readonly seen: string[] = [];

  private constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {
    this.server = net.createServer((client) => this.handle(client));
  }

  static async start(upstream: { host: string; port: number }): Promise<FaultProxy> {
    const proxy = new FaultProxy(upstream.host, upstream.port);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Arms one fault (replacing any not yet fired). */
  arm(fault: Fault | undefined): void {
    this.fault = fault;
    this.fired = false;
    this.copyBytes = 0;
    this.seen.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(client: net.Socket): void {
    const upstream = net.connect(this.upstreamPort, this.upstreamHost);
    this.sockets.add(client).add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', () => {
      this.sockets.delete(client);
      upstream.end();
    });
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.end();
    });
    client.on('error', kill);
    upstream.on('error', kill);

    let swallowReplies = false;
    upstream.on('data', (chunk: Buffer) => {
      if (swallowReplies) return kill();
      client.write(chunk);
    });

    let pending = Buffer.alloc(0);
    let startup = true;
    let chain = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const frame = nextFrame(pending, startup);
        if (!frame) break;
        pending = pending.subarray(frame.bytes.length);
        if (frame.frame.type === 'startup' && !frame.isRequest) startup = false;
        chain = chain.then(() =>
          this.forward(frame.frame, frame.bytes, upstream, kill, () => {
            swallowReplies = true;
          }),
        );
      }
    });
  }

  private async forward(
    frame: Frame,
    bytes: Buffer,
    upstream: net.Socket,
    kill: () => void,
    loseReplies: () => void,
  ): Promise<void> {
    if (upstream.destroyed) return;
    if (frame.sql !== undefined) this.seen.push(frame.sql);
    const fault = this.fault;
    if (fault && !this.fired) {
      if (fault.kind === 'drop-mid-copy' && frame.type === 'd') {
        this.copyBytes += bytes.length;
        if (this.copyBytes >= fault.afterBytes) {
          this.fired = true;
          return kill();
        }
      } else if (fault.kind !== 'drop-mid-copy' && fault.match(frame)) {
        this.fired = true;
        if (fault.kind === 'drop-before') return kill();
        if (fault.kind === 'drop-reply') loseReplies();
        if (fault.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
      }
    }
    upstream.write(bytes);
  }
}

/** The next whole message in `buf`, or undefined until more bytes come. */
function nextFrame(buf: Buffer, startup: boolean): { frame: Frame; bytes: Buffer; isRequest?: boolean } | undefined {
  if (startup) {
    if (buf.length < 8) return undefined;
    const len = buf.readInt32BE(0);
    if (buf.length < len) return undefined;
    const code = buf.readInt32BE(4);
    return {
      frame: { type: 'startup' },
      bytes: buf.subarray(0, len),
      isRequest: code === SSL_REQUEST || code === GSS_REQUEST,
    };
  }
  if (buf.length < 5) return undefined;
  const len = buf.readInt32BE(1);
  if (buf.length < len + 1) return undefined;
  const type = String.fromCharCode(buf[0]!);
  const bytes = buf.subarray(0, len + 1);
  const body = bytes.subarray(5);
  let sql: string | undefined;
  if (type === 'Q') sql = cString(body, 0);
  else if (type === 'P') sql = cString(body, body.indexOf(0) + 1);
  return { frame: { type, ...(sql !== undefined ? { sql } : {}) }, bytes };
}

const cString = (buf: Buffer, at: number) => buf.toString('utf8', at, buf.indexOf(0, at));

/** Matches a statement by its SQL text (case-insensitive, leading blanks ignored). */
export const sqlStarts =
  (prefix: RegExp) =>
  (f: Frame): boolean =>
    f.sql !== undefined && prefix.test(f.sql.trimStart());
