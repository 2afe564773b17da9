// S3Stage: parts streamed to S3 with multipart uploads (S3ObjectWriter, src/s3/upload.ts), the
// manifest PUT last. An upload failure aborts its multipart upload, writes no manifest, removes
// the load's finished parts, and surfaces as an UpshiftStageError naming the key.
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { deleteKeys, listPages, putObject, readObject, S3DeleteError, type ListedPage } from '../s3/objects.js';
import { S3Client } from '../s3/sdk.js';
import { MIN_UPLOAD_PART, S3ObjectWriter, UploadBuffers, uploadPartSize } from '../s3/upload.js';
import { parseS3Uri, resolveS3BasePath, type S3Location, type UpshiftConfig } from '../config.js';
import type { PartSink, StageBackend, StoredObject, WalkedObject } from './backend.js';
import { describeError, UpshiftStageError, type StageOperation } from './errors.js';
import { StageBase, type PartOptions } from './stage-base.js';

export interface S3StageOptions extends PartOptions {
  /** `s3://bucket/prefix`; else `config.s3BasePath`, else env UPSHIFT_S3_BASE_PATH. */
  basePath?: string | undefined;
  config?: UpshiftConfig | undefined;
  /** A configured client. Without one, region, endpoint and credentials come from the AWS SDK's usual chain. */
  client?: S3Client | undefined;
  region?: string | undefined;
  endpoint?: string | undefined;
  forcePathStyle?: boolean | undefined;
  /** Extra S3Client settings when upshift creates the client. */
  clientConfig?: S3ClientConfig | undefined;
  /**
   * Multipart upload part size in bytes (default and minimum 5 MiB, S3's minimum). Memory: the
   * stage holds at most `uploadBuffers` of these.
   */
  uploadPartBytes?: number | undefined;
  /**
   * Upload parts in flight per staged file while its next part fills (default 1). Files of a group upload at once
   * (`slices` of them), which already gives parallelism; 1 also makes a failed part stop the
   * stream at once instead of after the rest of the file.
   */
  uploadQueueSize?: number | undefined;
  /**
   * Upload buffers (of uploadPartBytes each) the stage keeps for all the files it writes at once
   * (default: slices + 1; at least slices). This bounds a load's upload memory whatever its size:
   * by default one spare buffer beyond one per file being filled, so a part can upload while its
   * file fills on; more lets more parts upload at once.
   */
  uploadBuffers?: number | undefined;
}

class S3Backend implements StageBackend {
  constructor(
    readonly client: S3Client,
    readonly base: S3Location,
    readonly buffers: UploadBuffers,
    readonly queueSize: number,
  ) {}

  private keyOf(relPath: string): string {
    return this.base.prefix ? `${this.base.prefix}/${relPath}` : relPath;
  }

  uriOf(relPath: string): string {
    return `s3://${this.base.bucket}/${this.keyOf(relPath)}`;
  }

  private fail(op: StageOperation, bucket: string, key: string, err: unknown, what: string = op): UpshiftStageError {
    if (err instanceof UpshiftStageError) return err;
    const uri = `s3://${bucket}/${key}`;
    return new UpshiftStageError(op, key, uri, `S3 ${what} of ${uri} failed: ${describeError(err)}`, { cause: err });
  }

  openPart(relPath: string): PartSink {
    const { bucket } = this.base;
    const key = this.keyOf(relPath);
    const stream = new S3ObjectWriter({
      client: this.client,
      bucket,
      key,
      buffers: this.buffers,
      queueSize: this.queueSize,
      describe: (err) => this.fail('upload', bucket, key, err),
    });
    stream.on('error', () => {}); // reported through the writer's pipeline and failure()
    // The writer aborts once: the first failure's abort error rides along on that failure.
    const abort = () =>
      stream.abort().then((abortErr) => {
        if (abortErr !== undefined && stream.error instanceof UpshiftStageError) stream.error.cleanupError = abortErr;
      });
    stream.once('close', () => {
      if (stream.error) void abort();
    });
    let completed = false;
    stream.once('finish', () => (completed = true));
    return {
      uri: `s3://${bucket}/${key}`,
      key,
      stream,
      failure: () => stream.error,
      commit: async () => {
        if (stream.error) {
          await abort();
          throw stream.error;
        }
      },
      discard: async () => {
        if (!completed) {
          stream.destroy();
          await abort();
        }
        // A finished part of a failed load: remove it (best effort, never referenced anyway).
        await this.removeKeys([key]).catch(() => {});
      },
    };
  }

  async putSmall(relPath: string, body: string, contentType: string): Promise<string> {
    const key = this.keyOf(relPath);
    try {
      await putObject(this.client, this.base.bucket, key, body, contentType);
    } catch (err) {
      throw this.fail('manifest', this.base.bucket, key, err, 'manifest upload');
    }
    return `s3://${this.base.bucket}/${key}`;
  }

  async read(uri: string): Promise<Readable> {
    const loc = parseS3Uri(uri);
    if (!loc || loc.key === '')
      throw new UpshiftStageError('read', uri, uri, `S3 stage can only read s3://bucket/key URIs, got ${uri}`);
    try {
      return await readObject(this.client, loc.bucket, loc.key);
    } catch (err) {
      throw this.fail('read', loc.bucket, loc.key, err);
    }
  }

  async list(relDir: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    await this.listPages(`${this.keyOf(relDir)}/`, true, (page, prefix) => {
      for (const o of page.objects)
        out.push({ name: o.key.slice(prefix.length), uri: `s3://${this.base.bucket}/${o.key}`, bytes: o.bytes });
    });
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The key prefix of a folder relative to the base ('' is the base itself). */
  private folderPrefix(relDir: string): string {
    if (relDir) return `${this.keyOf(relDir)}/`;
    return this.base.prefix ? `${this.base.prefix}/` : '';
  }

  /** Every page of a listing under a key prefix; `delimited` stops at the next '/'. */
  private async listPages(
    prefix: string,
    delimited: boolean,
    page: (page: ListedPage, prefix: string) => void,
  ): Promise<void> {
    try {
      for await (const p of listPages(this.client, { bucket: this.base.bucket, prefix, delimited })) page(p, prefix);
    } catch (err) {
      throw this.fail('list', this.base.bucket, prefix, err);
    }
  }

  async walk(relDir: string): Promise<WalkedObject[]> {
    const out: WalkedObject[] = [];
    const base = this.folderPrefix('');
    await this.listPages(this.folderPrefix(relDir), false, (page) => {
      for (const o of page.objects)
        out.push({
          relPath: o.key.slice(base.length),
          uri: `s3://${this.base.bucket}/${o.key}`,
          bytes: o.bytes,
          modified: o.lastModified ?? new Date(0),
        });
    });
    return out.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  }

  async listFolders(relDir: string): Promise<string[]> {
    const out: string[] = [];
    await this.listPages(this.folderPrefix(relDir), true, (page, prefix) => {
      for (const p of page.folders) out.push(p.slice(prefix.length, -1));
    });
    return out.sort();
  }

  async remove(relPaths: string[]): Promise<void> {
    await this.removeKeys(relPaths.map((p) => this.keyOf(p)));
  }

  private async removeKeys(keys: string[]): Promise<void> {
    try {
      await deleteKeys(this.client, this.base.bucket, keys);
    } catch (err) {
      if (err instanceof S3DeleteError) throw this.fail('delete', err.bucket, err.key, err.cause);
      throw err;
    }
  }

  async removeDir(): Promise<void> {
    // S3 has no folders.
  }
}

/** Stages loads in S3: `<basePath>/<schema>.<table>/<yyyy>/<mm>/<dd>/<loadId>/part-00000.csv.gz` + manifest.json. */
export class S3Stage extends StageBase {
  readonly kind = 's3' as const;
  protected readonly backend: S3Backend;
  readonly bucket: string;
  /** Key prefix under the bucket ('' for the bucket root). */
  readonly prefix: string;
  readonly client: S3Client;

  constructor(options: S3StageOptions = {}) {
    super(options, 4);
    const base = resolveS3BasePath(options.basePath, options.config);
    this.bucket = base.bucket;
    this.prefix = base.prefix;
    this.client =
      options.client ??
      new S3Client({
        ...options.clientConfig,
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.forcePathStyle !== undefined ? { forcePathStyle: options.forcePathStyle } : {}),
      });
    const partSize = uploadPartSize(options.uploadPartBytes, MIN_UPLOAD_PART);
    const queue = options.uploadQueueSize ?? 1;
    if (!Number.isInteger(queue) || queue < 1 || queue > 64)
      throw new RangeError(`uploadQueueSize must be an integer from 1 to 64, got ${queue}`);
    const buffers = options.uploadBuffers ?? this.slices + 1;
    if (!Number.isInteger(buffers) || buffers < this.slices)
      throw new RangeError(
        `uploadBuffers must be an integer of at least slices (${this.slices}): each file being written needs one; got ${buffers}`,
      );
    this.backend = new S3Backend(this.client, base, new UploadBuffers(partSize, buffers), queue);
  }

  /** The base path as s3://bucket/prefix. */
  get basePath(): string {
    return `s3://${this.bucket}${this.prefix ? `/${this.prefix}` : ''}`;
  }
}
