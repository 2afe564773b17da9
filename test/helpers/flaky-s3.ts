// An HTTP proxy in front of s3rver that fails chosen S3 requests: resets the connection after some
// bytes of the request body (an upload dying mid-part) or of the response body (a read dying
// mid-object), answers 500, or stalls a response half-way and never finishes it (S3 gone quiet).
// Requests that match no armed fault pass through unchanged.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface S3Request {
  method: string;
  /** Path and query, e.g. /bucket/key?partNumber=2&uploadId=... */
  url: string;
}

export interface S3Fault {
  match: (r: S3Request) => boolean;
  action:
    | { kind: 'reset-request'; afterBytes: number }
    | { kind: 'reset-response'; afterBytes: number }
    | { kind: 'stall-response'; afterBytes: number }
    | { kind: 'status'; status: number };
  /** How many matching requests fail (default 1; Infinity: every one, so retries fail too). */
  times?: number;
}

const s3Error = (status: number) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${status === 503 ? 'SlowDown' : 'InternalError'}</Code><Message>injected by the test</Message></Error>`;

export class FlakyS3 {
  private fault: S3Fault | undefined;
  private left = 0;
  private readonly sockets = new Set<Socket>();
  /** Requests the fault hit. */
  hits = 0;
  readonly seen: S3Request[] = [];

  private constructor(
    private readonly server: http.Server,
    private readonly upstream: URL,
  ) {}

  static async start(upstreamEndpoint: string): Promise<FlakyS3> {
    // eslint-disable-next-line prefer-const -- assigned below, after the server it is used by
    let self: FlakyS3 | undefined;
    const server = http.createServer((req, res) => self!.handle(req, res));
    self = new FlakyS3(server, new URL(upstreamEndpoint));
    server.on('connection', (s) => {
      self.sockets.add(s);
      s.on('close', () => self.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  arm(fault: S3Fault | undefined): void {
    this.fault = fault;
    this.left = fault?.times ?? 1;
    this.hits = 0;
    this.seen.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(r: S3Request): S3Fault['action'] | undefined {
    if (!this.fault || this.left <= 0 || !this.fault.match(r)) return undefined;
    this.left--;
    this.hits++;
    return this.fault.action;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const request = { method: req.method ?? 'GET', url: req.url ?? '/' };
    this.seen.push(request);
    const action = this.take(request);
    if (action?.kind === 'status') {
      req.resume();
      req.on('end', () =>
        res.writeHead(action.status, { 'content-type': 'application/xml' }).end(s3Error(action.status)),
      );
      return;
    }
    const up = http.request(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let sent = 0;
        upRes.on('data', (chunk: Buffer) => {
          if (action?.kind === 'reset-response' || action?.kind === 'stall-response') {
            const room = action.afterBytes - sent;
            if (room <= 0) return;
            res.write(chunk.subarray(0, room));
            sent += Math.min(room, chunk.length);
            if (sent >= action.afterBytes) {
              if (action.kind === 'reset-response') res.socket?.destroy();
              upRes.destroy(); // stall: the client waits for the rest, which never comes
            }
            return;
          }
          res.write(chunk);
        });
        upRes.on('end', () => {
          if (!action || (action.kind !== 'reset-response' && action.kind !== 'stall-response')) res.end();
        });
      },
    );
    up.on('error', () => res.socket?.destroy());
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      if (action?.kind === 'reset-request') {
        received += chunk.length;
        if (received >= action.afterBytes) {
          up.destroy();
          req.socket.destroy();
          return;
        }
      }
      up.write(chunk);
    });
    req.on('end', () => up.end());
  }
}

/** S3 request kinds, by method and query. */
export const isUploadPart = (partNumber?: number) => (r: S3Request) =>
  r.method === 'PUT' &&
  /[?&]partNumber=/.test(r.url) &&
  (partNumber === undefined || new RegExp(`[?&]partNumber=${partNumber}(&|$)`).test(r.url));
export const isCompleteUpload = (r: S3Request) => r.method === 'POST' && /[?&]uploadId=/.test(r.url);
export const isPutObject = (suffix: RegExp) => (r: S3Request) =>
  r.method === 'PUT' && !/[?&]partNumber=/.test(r.url) && suffix.test(r.url.split('?')[0]!);
export const isGetObject = (suffix: RegExp) => (r: S3Request) =>
  r.method === 'GET' && suffix.test(r.url.split('?')[0]!);
