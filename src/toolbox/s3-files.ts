// S3 helpers over one S3 client and the configured base path: the one-liners users need next
// to their loads (put a file, read one back, list a prefix, clean up), not another SDK wrapper.
// Every method takes an `s3://bucket/key` URI or a path relative to the base path, and makes
// its requests through the S3 access layer (src/s3/); uploadRows validates and encodes rows too.
import { UsageError } from '../errors.js';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { UpshiftConfig } from '../config.js';
import type { InsertRow, TableModel } from '../model/table.js';
import { createRowValidator } from '../model/row-validator.js';
import { loadColumns, type NormalizedValue } from '../model/validate.js';
import { deleteKeys, listPages, objectSize, putObject, readObject, readObjectText } from '../s3/objects.js';
import { objectLocation, resolveS3Path } from '../s3/paths.js';
import { S3Client } from '../s3/sdk.js';
import { openUpload, STREAMED_UPLOAD_PART, uploadPartSize, type S3UploadSink } from '../s3/upload.js';
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
    this.partBytes = uploadPartSize(options.uploadPartBytes, STREAMED_UPLOAD_PART);
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
    return resolveS3Path(path, this.basePath, this.config);
  }

  private loc(path: string, needKey = true): { bucket: string; key: string; uri: string } {
    return objectLocation(this.resolve(path), needKey);
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

  /** A streamed multipart upload to write yourself (e.g. from an encoder); a failed one is aborted. */
  openUpload(to: string, options: { contentType?: string | undefined } = {}): S3UploadSink {
    const { bucket, key } = this.loc(to);
    return openUpload(this.client, bucket, key, { partBytes: this.partBytes, contentType: options.contentType });
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
  readText(from: string): Promise<string> {
    const { bucket, key } = this.loc(from);
    return readObjectText(this.client, bucket, key);
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
