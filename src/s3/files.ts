// S3 helpers over one S3 client and the configured base path: the one-liners users need next
// to their loads (put a file, read one back, list a prefix, clean up), not another SDK wrapper.
// Every method takes an `s3://bucket/key` URI or a path relative to the base path.
import { S3Error, UsageError } from '../errors.js';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  Upload,
} from './sdk.js';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { parseS3Uri, resolveS3BasePath, type UpshiftConfig } from '../config.js';
import type { InsertRow, TableModel } from '../model/table.js';
import { createRowValidator } from '../model/row-validator.js';
import { loadColumns, type NormalizedValue } from '../model/validate.js';
import { encodeCsvChunks } from '../stage/csv.js';
import type { BinaryDialect } from '../stage/types.js';

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

export class S3Files {
  readonly client: S3Client;
  private readonly basePath: string | undefined;
  private readonly config: UpshiftConfig | undefined;
  private readonly partBytes: number;

  constructor(options: S3FilesOptions = {}) {
    this.client = options.client ?? new S3Client({});
    this.basePath = options.basePath;
    this.config = options.config;
    this.partBytes = options.uploadPartBytes ?? 8 * 1024 * 1024;
  }

  /** Helpers over an S3Stage's client and base path. */
  static forStage(stage: { client: S3Client; basePath: string }): S3Files {
    return new S3Files({ client: stage.client, basePath: stage.basePath });
  }

  /**
   * `s3://...` as it is; anything else is a path under the base path (no leading slash needed).
   * Without a base path this throws the same UpshiftConfigError as S3Stage, naming every way to set one.
   */
  resolve(path: string): string {
    if (path.startsWith('s3://')) {
      if (!parseS3Uri(path))
        throw new UsageError(`${JSON.stringify(path)} is not an s3://bucket/key URI with a valid bucket name`);
      return path;
    }
    const base = resolveS3BasePath(this.basePath, this.config);
    const rel = path.replace(/^\/+/, '');
    if (rel.split('/').some((seg) => seg === '.' || seg === '..'))
      throw new UsageError(
        `path ${JSON.stringify(path)} has a '.' or '..' segment; S3 keys are not resolved like file paths`,
      );
    return `s3://${base.bucket}/${base.prefix ? `${base.prefix}/` : ''}${rel}`;
  }

  private loc(path: string, needKey = true): { bucket: string; key: string; uri: string } {
    const uri = this.resolve(path);
    const { bucket, key } = parseS3Uri(uri)!;
    if (needKey && key === '') throw new UsageError(`${uri} names a bucket, not an object`);
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
      const bytes = typeof body === 'string' ? Buffer.from(body) : body;
      await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.byteLength,
          ContentType: options.contentType,
        }),
      );
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
    if (text === undefined) throw new UsageError(`uploadJson: ${String(value)} has no JSON form`);
    return this.upload(text, to, { contentType: 'application/json' });
  }

  /**
   * Validates rows against a model and uploads them as one CSV file in upshift's encoding
   * (model load-column order, NULL as unquoted \N, '' as "", gzip unless `gzip: false`), at
   * constant memory. A bad row fails before the upload completes, naming row, column and rule.
   */
  async uploadRows<T extends TableModel>(
    model: T,
    rows: Iterable<InsertRow<T>> | AsyncIterable<InsertRow<T>>,
    to: string,
    options: { gzip?: boolean | undefined; binary?: BinaryDialect | undefined } = {},
  ): Promise<{ uri: string; rows: number; columns: string[] }> {
    const validate = createRowValidator(model);
    const columns = loadColumns(model);
    let count = 0;
    async function* normalized(): AsyncGenerator<NormalizedValue[]> {
      for await (const row of rows as AsyncIterable<InsertRow<T>>) yield validate(row, count++);
    }
    const csv = Readable.from(
      encodeCsvChunks(normalized(), {
        columns: columns.map((c) => model.columns[c]!.spec),
        columnNames: columns,
        ordinal: false,
        binary: options.binary ?? 'redshift',
      }),
    );
    const sink = this.openUpload(to, { contentType: 'text/csv' });
    try {
      await pipeline(options.gzip === false ? [csv, sink.stream] : [csv, createGzip({ level: 1 }), sink.stream]);
      await sink.done();
    } catch (err) {
      await sink.abort();
      throw err;
    }
    return { uri: sink.uri, rows: count, columns };
  }

  /** A streamed multipart upload to write yourself (e.g. from an encoder). */
  openUpload(to: string, options: { contentType?: string | undefined } = {}): S3UploadSink {
    const { bucket, key, uri } = this.loc(to);
    const stream = new PassThrough({ highWaterMark: 64 * 1024 });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: bucket, Key: key, Body: stream, ContentType: options.contentType },
      partSize: this.partBytes,
      queueSize: 1,
    });
    const done = upload.done().then(
      () => undefined,
      (err: unknown) => {
        stream.destroy(err as Error);
        throw new S3Error(`S3 upload of ${uri} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      },
    );
    done.catch(() => {});
    return {
      uri,
      stream,
      done: () => done,
      abort: async () => {
        await upload.abort().catch(() => {});
        stream.destroy();
        await done.catch(() => {});
      },
    };
  }

  /** The object's bytes as a stream. */
  async download(from: string): Promise<Readable> {
    const { bucket, key } = this.loc(from);
    const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = res.Body;
    if (body instanceof Readable) return body;
    if (body && 'transformToWebStream' in body)
      return Readable.fromWeb(body.transformToWebStream() as import('node:stream/web').ReadableStream);
    throw new S3Error(`S3 returned no body for ${this.resolve(from)}`);
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
  async size(path: string): Promise<number | undefined> {
    const { bucket, key } = this.loc(path);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return r.ContentLength ?? 0;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw err;
    }
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
    const { bucket, key: Prefix } = this.loc(prefix, false);
    let token: string | undefined;
    do {
      const res = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix, ContinuationToken: token, MaxKeys: options.pageSize }),
      );
      for (const o of res.Contents ?? []) {
        if (!o.Key) continue;
        yield {
          uri: `s3://${bucket}/${o.Key}`,
          key: o.Key,
          bytes: o.Size ?? 0,
          ...(o.LastModified ? { lastModified: o.LastModified } : {}),
        };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  /** Deletes objects (missing ones are fine), 1000 per request. Returns how many were asked. */
  async delete(paths: string | readonly string[]): Promise<number> {
    const list = (typeof paths === 'string' ? [paths] : [...paths]).map((p) => this.loc(p));
    const byBucket = new Map<string, string[]>();
    for (const l of list) byBucket.set(l.bucket, [...(byBucket.get(l.bucket) ?? []), l.key]);
    for (const [bucket, keys] of byBucket) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const res = await this.client.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        const e = res.Errors?.[0];
        if (e)
          throw new S3Error(`S3 delete of s3://${bucket}/${e.Key} failed: ${e.Code ?? ''} ${e.Message ?? ''}`.trim());
      }
    }
    return list.length;
  }

  /** Deletes every object under a prefix (S3 prefix semantics, as list()). Returns how many. */
  async deletePrefix(prefix: string): Promise<number> {
    const uris = (await this.list(prefix)).map((o) => o.uri);
    return uris.length ? this.delete(uris) : 0;
  }
}
