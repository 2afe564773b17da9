// One object written to S3 at bounded memory (a staged part, an unload file, a user's upload):
// its bytes are copied into buffers of exactly the upload part size, taken from a pool shared
// by the objects written at once (UploadBuffers); each full buffer goes out as an UploadPart
// while the next fills, with at most `queueSize` of them in flight per object (then the writer
// waits: backpressure reaches the compressor and the row loop). An object that never fills one
// buffer is a single PutObject. A load's memory is at most the pool's buffers, whatever its row
// count. A failed or aborted object aborts its multipart upload, so no parts are left behind.
//
// Why not lib-storage's Upload: it gathers each part as a list of chunks and concatenates them
// (two copies of every part alive at once) and buffers a whole small object before its PUT, so
// a load's peak memory grew with its size (bench/stage.bench.ts); and with one part in flight
// it stopped reading while uploading, so compression stalled on every part.
import { S3Error } from '../errors.js';
import type { CompletedPart } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from './sdk.js';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** S3's smallest multipart part (every part but the last). */
export const MIN_UPLOAD_PART = 5 * 1024 * 1024;

/** The part size of a streamed upload on its own (S3Files, unload files): fewer requests than the minimum. */
export const STREAMED_UPLOAD_PART = 8 * 1024 * 1024;

/** An upload part size option, checked: S3 refuses parts under 5 MiB only at the end of the upload. */
export function uploadPartSize(option: number | undefined, fallback: number): number {
  const size = option ?? fallback;
  if (!Number.isInteger(size) || size < MIN_UPLOAD_PART) {
    throw new RangeError(
      `uploadPartBytes must be an integer of at least 5 MiB (${MIN_UPLOAD_PART}), S3's minimum part size; got ${size}`,
    );
  }
  return size;
}

/**
 * The upload buffers one stage shares between the objects it writes at once: at most `limit`
 * of `size` bytes exist, reused as parts finish, so a load's memory does not grow with its
 * size. An object waits for a buffer when all are in use (backpressure, as for a slow upload).
 * The limit must be at least the number of objects filled at once (a group: `slices`), or the
 * row loop, which feeds them in turn, would wait on a buffer that a part not yet full holds.
 */
export class UploadBuffers {
  private made = 0;
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(b: Buffer) => void> = [];
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {}

  /** Buffers not in use (free or not made yet): the limit, whenever no object is being written. */
  get available(): number {
    return this.free.length + this.limit - this.made;
  }

  acquire(): Buffer | Promise<Buffer> {
    const free = this.free.pop();
    if (free) return free;
    if (this.made < this.limit) {
      this.made++;
      return Buffer.allocUnsafe(this.size);
    }
    return new Promise((take) => this.waiting.push(take));
  }

  release(buffer: Buffer): void {
    const next = this.waiting.shift();
    if (next) next(buffer);
    else this.free.push(buffer);
  }
}

export interface S3ObjectTarget {
  client: S3Client;
  bucket: string;
  key: string;
  buffers: UploadBuffers;
  queueSize: number;
  contentType?: string | undefined;
  /** Turns the first failure into the error the load reports (with the key). */
  describe(err: unknown): Error;
}

/** Buffers written, parts in flight and the multipart upload of one object. */
export class S3ObjectWriter extends Writable {
  private buffer: Buffer | undefined;
  private filled = 0;
  private uploadId: Promise<string> | undefined;
  private readonly parts: CompletedPart[] = [];
  private nextPartNumber = 1;
  private readonly inFlight = new Set<Promise<void>>();
  /** Cancels the object's requests in flight when it is aborted. */
  private readonly cancel = new AbortController();
  private aborted: Promise<unknown> | undefined;
  /** The first failure, described (later ones, other parts of the same object, are its echoes). */
  error: Error | undefined;

  constructor(private readonly t: S3ObjectTarget) {
    super({ highWaterMark: 64 * 1024 });
    // A failed object leaves no parts behind, whether or not its writer's owner aborts it.
    this.once('close', () => {
      if (this.error) void this.abort();
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.append(chunk).then(
      () => cb(),
      (err: unknown) => cb(err as Error),
    );
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.finish().then(
      () => cb(),
      (err: unknown) => cb(err as Error),
    );
  }

  /** The multipart upload's id, if one was started (to abort it). */
  async startedUploadId(): Promise<string | undefined> {
    return this.uploadId?.catch(() => undefined);
  }

  private async append(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      if (!this.buffer) {
        const buffer = await this.t.buffers.acquire();
        // Failed meanwhile (abort gave back what it held): this one goes back too, or the pool shrinks.
        if (this.destroyed) return this.t.buffers.release(buffer);
        this.buffer = buffer;
      }
      const n = chunk.copy(this.buffer, this.filled, at);
      this.filled += n;
      at += n;
      if (this.filled === this.buffer.length) await this.sendFullBuffer();
    }
  }

  /** Sends the full buffer as the next part; waits while queueSize parts are already in flight. */
  private async sendFullBuffer(): Promise<void> {
    const body = this.buffer!;
    this.buffer = undefined;
    this.filled = 0;
    this.uploadId ??= this.send(() =>
      this.t.client.send(
        new CreateMultipartUploadCommand({ Bucket: this.t.bucket, Key: this.t.key, ContentType: this.t.contentType }),
        {
          abortSignal: this.cancel.signal,
        },
      ),
    ).then((r) => r.UploadId!);
    const upload = this.uploadPart(this.nextPartNumber++, body, body.length);
    this.inFlight.add(upload);
    void upload.then(
      () => this.inFlight.delete(upload),
      () => this.inFlight.delete(upload),
    );
    while (this.inFlight.size >= this.t.queueSize) await Promise.race(this.inFlight);
  }

  /** Uploads the first `length` bytes of a buffer as a part, then gives the buffer back. */
  private async uploadPart(PartNumber: number, buffer: Buffer, length: number): Promise<void> {
    try {
      const UploadId = await this.uploadId!;
      const Body = buffer.subarray(0, length);
      const r = await this.send(() =>
        this.t.client.send(
          new UploadPartCommand({
            Bucket: this.t.bucket,
            Key: this.t.key,
            UploadId,
            PartNumber,
            Body,
            ContentLength: length,
          }),
          { abortSignal: this.cancel.signal },
        ),
      );
      this.parts.push({ PartNumber, ETag: r.ETag! });
    } finally {
      this.t.buffers.release(buffer);
    }
  }

  private async finish(): Promise<void> {
    if (!this.uploadId) {
      // Never filled one buffer: one PUT of what was written (an empty object for no bytes).
      const body = this.buffer ? this.buffer.subarray(0, this.filled) : Buffer.alloc(0);
      try {
        await this.send(() =>
          this.t.client.send(
            new PutObjectCommand({
              Bucket: this.t.bucket,
              Key: this.t.key,
              Body: body,
              ContentLength: body.length,
              ContentType: this.t.contentType,
            }),
            { abortSignal: this.cancel.signal },
          ),
        );
      } finally {
        this.release();
      }
      return;
    }
    if (this.filled > 0) {
      const last = this.buffer!;
      const length = this.filled;
      this.buffer = undefined;
      this.filled = 0;
      this.inFlight.add(this.uploadPart(this.nextPartNumber++, last, length));
    }
    await Promise.all(this.inFlight);
    const UploadId = await this.uploadId;
    const Parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    await this.send(() =>
      this.t.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.t.bucket,
          Key: this.t.key,
          UploadId,
          MultipartUpload: { Parts },
        }),
        { abortSignal: this.cancel.signal },
      ),
    );
    this.release();
  }

  /** Gives back the buffer being filled (parts in flight give back theirs when they settle). */
  private release(): void {
    if (this.buffer) this.t.buffers.release(this.buffer);
    this.buffer = undefined;
    this.filled = 0;
  }

  /** Sends a command; the first failure of this object is kept (and rethrown) as its error. */
  private async send<R>(request: () => Promise<R>): Promise<R> {
    try {
      return await request();
    } catch (err) {
      if (!this.error) {
        this.error = this.t.describe(err);
        // Stops the writer at once, even when no write waits on the part that failed.
        this.destroy(this.error);
      }
      throw this.error;
    }
  }

  /** Aborts the multipart upload (once), if one was started; resolves to the abort's own failure, if any. */
  abort(): Promise<unknown> {
    return (this.aborted ??= this.abortUpload());
  }

  private async abortUpload(): Promise<unknown> {
    this.cancel.abort();
    const UploadId = await this.startedUploadId();
    this.release();
    if (!UploadId) return undefined;
    await Promise.allSettled(this.inFlight); // cancelled: S3 drops the parts they sent with the upload
    try {
      await this.t.client.send(new AbortMultipartUploadCommand({ Bucket: this.t.bucket, Key: this.t.key, UploadId }));
      return undefined;
    } catch (abortErr) {
      return abortErr ?? new Error('abort failed');
    }
  }
}

/** An object being written by a streamed upload. */
export interface S3UploadSink {
  uri: string;
  /** Write the object's bytes here, then end it. */
  stream: Writable;
  /** Resolves once the object is complete (after `stream` ended); rejects with the upload's error. */
  done(): Promise<void>;
  /** Stops the upload; nothing is left behind. */
  abort(): Promise<void>;
}

/** A streamed upload of one object on its own (not a stage's): one part uploads while the next fills. */
export function openUpload(
  client: S3Client,
  bucket: string,
  key: string,
  options: { partBytes: number; contentType?: string | undefined },
): S3UploadSink {
  const uri = `s3://${bucket}/${key}`;
  const writer = new S3ObjectWriter({
    client,
    bucket,
    key,
    buffers: new UploadBuffers(options.partBytes, 2),
    queueSize: 1,
    contentType: options.contentType,
    describe: (err) =>
      new S3Error(`S3 upload of ${uri} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }),
  });
  const done = finished(writer);
  done.catch(() => {});
  return {
    uri,
    stream: writer,
    done: () => done,
    abort: async () => {
      writer.destroy();
      await writer.abort();
      await done.catch(() => {});
    },
  };
}
