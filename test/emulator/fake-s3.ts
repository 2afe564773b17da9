// A fake S3 for fault tests: a small HTTP server holding one object (KEY, 2,000 CSV rows) that
// it serves whole, or stalls mid-body, resets, stops, or never answers; PUTs may be left unanswered.
import http from 'node:http';
import type net from 'node:net';

export type Fault = 'none' | 'stall' | 'reset' | 'stop' | 'silent';

export const BODY = Array.from({ length: 2000 }, (_, i) => `${i},row-${i}\n`).join('');
export const KEY = 'load/part-00000.csv';

export class FakeS3 {
  fault: Fault = 'none';
  /** PUTs (UNLOAD's writes) are never answered. */
  stallPuts = false;
  private readonly sockets = new Set<net.Socket>();
  readonly server = http.createServer((req, res) => this.handle(req, res));
  port = 0;

  async start(): Promise<void> {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** S3 goes away: the listener closes and every open connection is cut. */
  stop(): void {
    this.server.close();
    for (const s of this.sockets) s.destroy();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url!, 'http://fake');
    if (req.method === 'PUT') {
      req.resume();
      if (this.stallPuts) return;
      req.on('end', () => {
        res.writeHead(200, { ETag: '"e"' });
        res.end();
      });
      return;
    }
    if (url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const contents =
        KEY.startsWith(prefix) && prefix.startsWith('load')
          ? `<Contents><Key>${KEY}</Key><Size>${BODY.length}</Size></Contents>`
          : '';
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
          `<Name>fake</Name><Prefix>${prefix}</Prefix><KeyCount>${contents ? 1 : 0}</KeyCount><MaxKeys>1000</MaxKeys>` +
          `<IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
      );
      return;
    }
    if (this.fault === 'silent') return; // headers never come
    res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': String(BODY.length) });
    if (this.fault === 'none') {
      res.end(BODY);
      return;
    }
    res.write(BODY.slice(0, BODY.length / 2));
    if (this.fault === 'reset') setTimeout(() => req.socket.resetAndDestroy(), 50);
    if (this.fault === 'stop') setTimeout(() => this.stop(), 50);
    // 'stall': the rest never comes, the connection stays open.
  }
}
