// S3 over one client and a base path: upload, read, size, list and delete by `s3://bucket/key`
// URI or a path relative to the base path. S3Files (toolbox) is this plus model rows; the
// warehouse's unload writes through it. Each request is the one in objects.ts / upload.ts.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { parseS3Uri, resolveS3BasePath, type UpshiftConfig } from '../config.js';
import { deleteKeys, listPages, objectSize, putObject, readObject } from './objects.js';
import { S3Client } from './sdk.js';
import { S3ObjectWriter, UploadBuffers, uploadPartSize } from './upload.js';

export interface S3FilesOptions {
  /** A configured client (an S3Stage's `client` works). Default: a new S3Client from the SDK's usual chain. */
  client?: S3Client | undefined;
  /** Base for relative paths: `s3://bucket/prefix`; else `config.s3BasePath`, else env UPSHIFT_S3_BASE_PATH. */
  basePath?: string | undefined;
  config?: UpshiftConfig | undefined;
  /** Multipart part size for streamed uploads (default 8 MiB, S3's minimum is 5 MiB). */
  uploadPartBytes?: number | undefined;
}

/** One object as list() reports it. */
export interface S3Object {
  uri: string;
  key: string;
  bytes: number;
  lastModified?: Date;
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

export type Body = string | Uint8Array | Readable;

export class S3Access {
  readonly client: S3Client;
  private readonly basePath: string | undefined;
  private readonly config: UpshiftConfig | undefined;
  private readonly partBytes: number;

  constructor(options: S3FilesOptions = {}) {
    this.client = options.client ?? new S3Client({});
    this.basePath = options.basePath;
    this.config = options.config;
    this.partBytes = uploadPartSize(options.uploadPartBytes, 8 * 1024 * 1024);
  }

  /** Helpers over an S3Stage's client and base path. */
  static forStage<T extends S3Access>(
    this: new (options: S3FilesOptions) => T,
    stage: { client: S3Client; basePath: string },
  ): T {
    return new this({ client: stage.client, basePath: stage.basePath });
  }

  /**
   * `s3://...` as it is; anything else is a path under the base path (no leading slash needed).
   * Without a base path this throws the same UpshiftConfigError as S3Stage, naming every way to set one.
   */
  resolve(path: string): string {
    if (path.startsWith('s3://')) {
      if (!parseS3Uri(path))
        throw new Error(`${JSON.stringify(path)} is not an s3://bucket/key URI with a valid bucket name`);
      return path;
    }
    const base = resolveS3BasePath(this.basePath, this.config);
    const rel = path.replace(/^\/+/, '');
    if (rel.split('/').some((seg) => seg === '.' || seg === '..'))
      throw new Error(
        `path ${JSON.stringify(path)} has a '.' or '..' segment; S3 keys are not resolved like file paths`,
      );
    return `s3://${base.bucket}/${base.prefix ? `${base.prefix}/` : ''}${rel}`;
  }

  private loc(path: string, needKey = true): { bucket: string; key: string; uri: string } {
    const uri = this.resolve(path);
    const { bucket, key } = parseS3Uri(uri)!;
    if (needKey && key === '') throw new Error(`${uri} names a bucket, not an object`);
    return { bucket, key, uri };
  }

  /** Uploads a string, bytes or a stream (streams go up in parts, at constant memory). Returns the URI. */
  async upload(body: Body, to: string, options: { contentType?: string | undefined } = {}): Promise<string> {
    const { bucket, key, uri } = this.loc(to);
    if (body instanceof Readable) {
      const sink = this.openUpload(uri, options);
      await pipeline(body, sink.stream);
      await sink.done();
    } else {
      await putObject(this.client, bucket, key, body, options.contentType);
    }
    return uri;
  }

  /** Uploads a local file. */
  uploadFile(localPath: string, to: string, options: { contentType?: string | undefined } = {}): Promise<string> {
    return this.upload(createReadStream(localPath), to, options);
  }

  /** Uploads a value as JSON (bigints as their digits, exact). */
  uploadJson(value: unknown, to: string): Promise<string> {
    const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (text === undefined) throw new Error(`uploadJson: ${String(value)} has no JSON form`);
    return this.upload(text, to, { contentType: 'application/json' });
  }

  /** A streamed multipart upload to write yourself (e.g. from an encoder); a failed one is aborted. */
  openUpload(to: string, options: { contentType?: string | undefined } = {}): S3UploadSink {
    const { bucket, key, uri } = this.loc(to);
    const writer = new S3ObjectWriter({
      client: this.client,
      bucket,
      key,
      // One part uploads while the next fills.
      buffers: new UploadBuffers(this.partBytes, 2),
      queueSize: 1,
      contentType: options.contentType,
      describe: (err) =>
        new Error(`S3 upload of ${uri} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }),
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

  /** The object's bytes as a stream. */
  download(from: string): Promise<Readable> {
    const { bucket, key } = this.loc(from);
    return readObject(this.client, bucket, key);
  }

  /** Downloads to a local file (folders created), streamed. */
  async downloadToFile(from: string, localPath: string): Promise<void> {
    await mkdir(dirname(localPath), { recursive: true });
    await pipeline(await this.download(from), createWriteStream(localPath));
  }

  /** The whole object as text (small objects: manifests, JSON). */
  async readText(from: string): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const c of await this.download(from)) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Size in bytes; undefined when there is no such object. */
  size(path: string): Promise<number | undefined> {
    const { bucket, key } = this.loc(path);
    return objectSize(this.client, bucket, key);
  }

  /**
   * Every object whose key starts with exactly this prefix, S3's own semantics: `data/x` also
   * matches `data/x1` and `data/x_old/y` (as Redshift COPY would load them). End the prefix with
   * '/' to list one folder. Follows continuation tokens through every page, sorted by key.
   */
  async list(prefix: string, options: { pageSize?: number | undefined } = {}): Promise<S3Object[]> {
    const out: S3Object[] = [];
    for await (const o of this.iterate(prefix, options)) out.push(o);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** list() one page at a time, for prefixes too big to hold. */
  async *iterate(prefix: string, options: { pageSize?: number | undefined } = {}): AsyncGenerator<S3Object> {
    const { bucket, key } = this.loc(prefix, false);
    for await (const page of listPages(this.client, { bucket, prefix: key, pageSize: options.pageSize })) {
      for (const o of page.objects) yield { uri: `s3://${bucket}/${o.key}`, ...o };
    }
  }

  /** Deletes objects (missing ones are fine), 1000 per request. Returns how many were asked. */
  async delete(paths: string | readonly string[]): Promise<number> {
    const list = (typeof paths === 'string' ? [paths] : [...paths]).map((p) => this.loc(p));
    const byBucket = new Map<string, string[]>();
    for (const l of list) byBucket.set(l.bucket, [...(byBucket.get(l.bucket) ?? []), l.key]);
    for (const [bucket, keys] of byBucket) await deleteKeys(this.client, bucket, keys);
    return list.length;
  }

  /** Deletes every object under a prefix (S3 prefix semantics, as list()). Returns how many. */
  async deletePrefix(prefix: string): Promise<number> {
    const uris = (await this.list(prefix)).map((o) => o.uri);
    return uris.length ? this.delete(uris) : 0;
  }
}
