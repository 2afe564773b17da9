// S3 access for COPY and UNLOAD: the configured client (or one built for an endpoint), with a
// deadline on every request and on every gap in a body, so that a dead or stalled S3 fails the
// statement (and frees its locks) instead of hanging it forever.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';

export interface S3Timeouts {
  /** Longest wait for S3 to answer a request (response headers; the whole answer for list and put). */
  connectMs: number;
  /** Longest gap while reading an object's body, or while an upload makes no progress. */
  idleMs: number;
}

export const DEFAULT_S3_TIMEOUTS: S3Timeouts = { connectMs: 10_000, idleMs: 30_000 };

export interface S3Options {
  client?: S3Client | undefined;
  endpoint?: string | undefined;
  region?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined } | undefined;
  /** Deadlines for S3 requests (defaults: 10 s to answer, 30 s without data). */
  timeouts?: Partial<S3Timeouts> | undefined;
}

/** An S3 failure, worded as Redshift words them: `S3ServiceException:<what>,Status <http>,Error <code>`. */
export class S3Error extends Error {
  constructor(
    readonly what: string,
    readonly status: number,
    readonly code: string,
    readonly url: string,
  ) {
    super(`S3ServiceException:${what},Status ${status},Error ${code}`);
  }
}

export interface S3Url {
  bucket: string;
  key: string;
}

export function parseS3Url(url: string): S3Url | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

export interface S3Object {
  url: string;
  key: string;
  size: number;
}

/** The S3 client COPY and UNLOAD use, with its deadlines. */
export class S3Store {
  readonly timeouts: S3Timeouts;

  constructor(
    readonly client: S3Client,
    timeouts: Partial<S3Timeouts> = {},
  ) {
    this.timeouts = { ...DEFAULT_S3_TIMEOUTS, ...timeouts };
  }

  static fromOptions(opts: S3Options): S3Store {
    const timeouts = { ...DEFAULT_S3_TIMEOUTS, ...opts.timeouts };
    if (opts.client) return new S3Store(opts.client, timeouts);
    return new S3Store(
      new S3Client({
        region: opts.region ?? 'us-east-1',
        ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
        ...(opts.credentials ? { credentials: opts.credentials } : {}),
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // Not the socket's idle timeout: a reader that pauses (backpressure) would trip it.
        requestHandler: { connectionTimeout: timeouts.connectMs },
      }),
      timeouts,
    );
  }

  /** One request, failed with an S3Error when S3 has not answered within connectMs. */
  async send<T>(
    request: (client: S3Client, options: { abortSignal: AbortSignal }) => Promise<T>,
    url: string,
  ): Promise<T> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(
          new S3Error(
            `Connection timed out: S3 did not answer within ${this.timeouts.connectMs} ms`,
            0,
            'RequestTimeout',
            url,
          ),
        );
      }, this.timeouts.connectMs);
    });
    try {
      const sent = request(this.client, { abortSignal: abort.signal });
      sent.catch(() => {});
      return await Promise.race([sent, deadline]);
    } catch (err) {
      throw toS3Error(err, url);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What went wrong in S3 terms: the service's own error, or the network failure underneath. */
export function toS3Error(err: unknown, url: string, bytesRead?: number): S3Error {
  if (err instanceof S3Error) return err;
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  const status = e?.$metadata?.httpStatusCode;
  if (status) return new S3Error(e.message || e.name || 'Unknown S3 error', status, e.name ?? 'Unknown', url);
  const code = e?.code ?? (e?.cause as { code?: string } | undefined)?.code ?? e?.name ?? 'Unknown';
  const read = bytesRead !== undefined ? ` after ${bytesRead} bytes` : '';
  const what: Record<string, string> = {
    ECONNREFUSED: "Couldn't connect to server",
    ECONNRESET: `Connection reset by peer${read}`,
    EPIPE: `Connection reset by peer${read}`,
    ENOTFOUND: "Couldn't resolve host name",
    ETIMEDOUT: 'Connection timed out',
    TimeoutError: 'Connection timed out',
    AbortError: `Transfer aborted${read}`,
  };
  return new S3Error(what[code] ?? `${e?.message ?? String(err)}${read}`, 0, code, url);
}

export const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; code?: string; status?: number; $metadata?: { httpStatusCode?: number } };
  if (err instanceof S3Error) return err.status === 404 && err.code !== 'NoSuchBucket';
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

export async function listPrefix(s3: S3Store, bucket: string, prefix: string): Promise<S3Object[]> {
  const out: S3Object[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(
      (c, o) => c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }), o),
      `s3://${bucket}/${prefix}`,
    );
    for (const o of r.Contents ?? []) {
      if (o.Key === undefined || o.Key.endsWith('/')) continue;
      out.push({ url: `s3://${bucket}/${o.Key}`, key: o.Key, size: o.Size ?? 0 });
    }
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * An object's body. Every wait for the next bytes is bounded by idleMs (only while the reader is
 * asking: a slow reader is never taken for a stalled S3), and a body that ends or breaks early
 * fails with an S3Error instead of ending quietly short.
 */
export async function getStream(s3: S3Store, url: string): Promise<Readable> {
  const u = parseS3Url(url)!;
  const r = await s3.send((c, o) => c.send(new GetObjectCommand({ Bucket: u.bucket, Key: u.key }), o), url);
  const body = r.Body as Readable;
  return Readable.from(watchBody(body, url, s3.timeouts.idleMs, r.ContentLength), { objectMode: false });
}

async function* watchBody(
  body: Readable,
  url: string,
  idleMs: number,
  expected: number | undefined,
): AsyncGenerator<Buffer> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  let bytes = 0;
  let finished = false;
  try {
    for (;;) {
      const next = chunks.next();
      next.catch(() => {});
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new S3Error(
                `Read timed out: no data from S3 for ${idleMs} ms after ${bytes} bytes`,
                0,
                'RequestTimeout',
                url,
              ),
            ),
          idleMs,
        );
      });
      let r: IteratorResult<Uint8Array>;
      try {
        r = await Promise.race([next, idle]);
      } catch (err) {
        throw toS3Error(err, url, bytes);
      } finally {
        clearTimeout(timer);
      }
      if (r.done) break;
      bytes += r.value.length;
      yield Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    }
    if (expected !== undefined && bytes < expected) {
      throw new S3Error(`transfer closed with ${expected - bytes} bytes remaining to read`, 0, 'IncompleteBody', url);
    }
    finished = true;
  } finally {
    if (!finished) body.destroy();
  }
}

export async function getBuffer(s3: S3Store, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await getStream(s3, url)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function putObject(s3: S3Store, url: string, body: Buffer): Promise<void> {
  const u = parseS3Url(url)!;
  await s3.send(
    (c, o) => c.send(new PutObjectCommand({ Bucket: u.bucket, Key: u.key, Body: body, ContentLength: body.length }), o),
    url,
  );
}

/**
 * Waits for `work`, failing with `onIdle()` once `lastActivity()` (a Date.now() stamp) is older
 * than idleMs: for uploads, whose progress is seen only through the bytes they take.
 */
export function untilIdle<T>(
  work: Promise<T>,
  idleMs: number,
  lastActivity: () => number,
  onIdle: () => Error,
): Promise<T> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const idle = new Promise<never>((_resolve, reject) => {
    timer = setInterval(
      () => {
        if (Date.now() - Math.max(started, lastActivity()) >= idleMs) {
          clearInterval(timer);
          reject(onIdle());
        }
      },
      Math.max(10, Math.min(1000, idleMs / 4)),
    );
  });
  return Promise.race([work, idle]).finally(() => clearInterval(timer));
}
