// One staged object written to S3 at bounded memory: its bytes are copied into buffers of
// exactly `partSize` bytes; each full buffer goes out as an UploadPart while the next fills,
// with at most `queueSize` of them in flight per object (then the writer waits: backpressure
// reaches the compressor and the row loop). An object that never fills one buffer is a single
// PutObject. Memory per object is at most (queueSize + 1) buffers, whatever the row count.
//
// Why not lib-storage's Upload: it gathers each part as a list of chunks and concatenates them
// (two copies of every part alive at once) and buffers a whole small object before its PUT, so
// a load's peak memory grew with its size (bench/stage.bench.ts); and with one part in flight
// it stopped reading while uploading, so compression stalled on every part.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Writable } from 'node:stream';

export interface S3ObjectTarget {
  client: S3Client;
  bucket: string;
  key: string;
  partSize: number;
  queueSize: number;
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
  /** Spare buffers of finished parts, reused so a long object allocates at most queueSize + 1. */
  private readonly spare: Buffer[] = [];
  /** Cancels the object's requests in flight when it is aborted. */
  private readonly cancel = new AbortController();
  /** The first failure, described (later ones, other parts of the same object, are its echoes). */
  error: Error | undefined;

  constructor(private readonly t: S3ObjectTarget) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.append(chunk).then(() => cb(), (err: unknown) => cb(err as Error));
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.finish().then(() => cb(), (err: unknown) => cb(err as Error));
  }

  /** The multipart upload's id, if one was started (to abort it). */
  async startedUploadId(): Promise<string | undefined> {
    return this.uploadId?.catch(() => undefined);
  }

  private async append(chunk: Buffer): Promise<void> {
    let at = 0;
    while (at < chunk.length) {
      this.buffer ??= this.spare.pop() ?? Buffer.allocUnsafe(this.t.partSize);
      const n = chunk.copy(this.buffer, this.filled, at);
      this.filled += n;
      at += n;
      if (this.filled === this.t.partSize) await this.sendFullBuffer();
    }
  }

  /** Sends the full buffer as the next part; waits while queueSize parts are already in flight. */
  private async sendFullBuffer(): Promise<void> {
    const body = this.buffer!;
    this.buffer = undefined;
    this.filled = 0;
    this.uploadId ??= this.send(() => this.t.client.send(new CreateMultipartUploadCommand({ Bucket: this.t.bucket, Key: this.t.key }), { abortSignal: this.cancel.signal })).then((r) => r.UploadId!);
    const upload = this.uploadPart(this.nextPartNumber++, body);
    this.inFlight.add(upload);
    void upload.then(() => this.inFlight.delete(upload), () => this.inFlight.delete(upload));
    while (this.inFlight.size >= this.t.queueSize) await Promise.race(this.inFlight);
  }

  private async uploadPart(PartNumber: number, body: Buffer): Promise<void> {
    const UploadId = await this.uploadId!;
    const r = await this.send(() => this.t.client.send(new UploadPartCommand({ Bucket: this.t.bucket, Key: this.t.key, UploadId, PartNumber, Body: body, ContentLength: body.length }), { abortSignal: this.cancel.signal }));
    this.parts.push({ PartNumber, ETag: r.ETag! });
    this.spare.push(body);
  }

  private async finish(): Promise<void> {
    if (!this.uploadId) {
      // Never filled one buffer: one PUT of what was written (an empty object for no bytes).
      const body = this.buffer ? this.buffer.subarray(0, this.filled) : Buffer.alloc(0);
      await this.send(() => this.t.client.send(new PutObjectCommand({ Bucket: this.t.bucket, Key: this.t.key, Body: body, ContentLength: body.length }), { abortSignal: this.cancel.signal }));
      this.release();
      return;
    }
    if (this.filled > 0) {
      const last = this.buffer!.subarray(0, this.filled);
      this.buffer = undefined;
      this.filled = 0;
      this.inFlight.add(this.uploadPart(this.nextPartNumber++, last));
    }
    await Promise.all(this.inFlight);
    const UploadId = await this.uploadId;
    const Parts = [...this.parts].sort((a, b) => a.PartNumber! - b.PartNumber!);
    await this.send(() => this.t.client.send(new CompleteMultipartUploadCommand({ Bucket: this.t.bucket, Key: this.t.key, UploadId, MultipartUpload: { Parts } }), { abortSignal: this.cancel.signal }));
    this.release();
  }

  private release(): void {
    this.buffer = undefined;
    this.spare.length = 0;
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

  /** Aborts the multipart upload, if one was started; returns the abort's own failure, if any. */
  async abort(): Promise<unknown> {
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
