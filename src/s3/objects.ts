// The S3 requests upshift makes, each written once: the stage, the S3 helpers (S3Files) and the
// S3 sources call these and say in their own words what failed. Bytes and keys only: no rows.
import { S3Error } from '../errors.js';
import { Readable } from 'node:stream';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from './sdk.js';

/** The SDK's answer for a missing object (HEAD has no error code, only the status). */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** The object's bytes as a stream (a range such as `bytes=0-3` when given). */
export async function readObject(client: S3Client, bucket: string, key: string, range?: string): Promise<Readable> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
  const body = res.Body;
  if (body instanceof Readable) return body;
  if (body && 'transformToWebStream' in body)
    return Readable.fromWeb(body.transformToWebStream() as import('node:stream/web').ReadableStream);
  throw new S3Error(`S3 returned no body for s3://${bucket}/${key}`);
}

/** The whole object as text (small objects: manifests, JSON). */
export async function readObjectText(client: S3Client, bucket: string, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of await readObject(client, bucket, key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The object's size in bytes; undefined when there is no such object. */
export async function objectSize(client: S3Client, bucket: string, key: string): Promise<number | undefined> {
  try {
    const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return res.ContentLength ?? 0;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Writes a whole object in one request (small ones: manifests, JSON, text). */
export async function putObject(
  client: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
  contentType?: string,
): Promise<void> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: bytes,
      ContentLength: bytes.byteLength,
      ContentType: contentType,
    }),
  );
}

export interface ListedObject {
  key: string;
  bytes: number;
  lastModified?: Date;
}

export interface ListedPage {
  objects: ListedObject[];
  /** With a delimiter: the common prefixes ("sub-folders"), each ending with the delimiter. */
  folders: string[];
}

export interface ListOptions {
  bucket: string;
  /** Keys starting with exactly this text (S3 prefix semantics: no folder is implied). */
  prefix: string;
  /** Stop at the next '/' after the prefix: objects directly under it, and its sub-folders. */
  delimited?: boolean | undefined;
  pageSize?: number | undefined;
}

/** ListObjectsV2, page after page, following continuation tokens to the last one. */
export async function* listPages(client: S3Client, options: ListOptions): AsyncGenerator<ListedPage> {
  let token: string | undefined;
  do {
    const res = await client.send(
      new ListObjectsV2Command({
        Bucket: options.bucket,
        Prefix: options.prefix,
        ContinuationToken: token,
        ...(options.pageSize !== undefined ? { MaxKeys: options.pageSize } : {}),
        ...(options.delimited ? { Delimiter: '/' } : {}),
      }),
    );
    const objects: ListedObject[] = [];
    for (const o of res.Contents ?? []) {
      if (o.Key)
        objects.push({ key: o.Key, bytes: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified } : {}) });
    }
    const folders = (res.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : []));
    yield { objects, folders };
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
}

/**
 * A batched delete failed on `key` (a failed request: its batch's first key). `cause` is the
 * request's error, or for a key S3 refused one named after S3's error code.
 */
export class S3DeleteError extends S3Error {
  override name = 'S3DeleteError';
  readonly uri: string;
  constructor(
    readonly bucket: string,
    readonly key: string,
    override readonly cause: Error,
  ) {
    const uri = `s3://${bucket}/${key}`;
    super(`S3 delete of ${uri} failed: ${cause.message}`, { cause });
    this.uri = uri;
  }
}

/** DeleteObjects takes at most this many keys a request. */
export const DELETE_BATCH = 1000;

/**
 * Deletes keys of one bucket (missing ones are fine), DELETE_BATCH a request; the first failure
 * throws an S3DeleteError.
 */
export async function deleteKeys(client: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_BATCH) {
    const batch = keys.slice(i, i + DELETE_BATCH);
    let res;
    try {
      res = await client.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
    } catch (err) {
      throw new S3DeleteError(bucket, batch[0]!, err instanceof Error ? err : new Error(String(err)));
    }
    const e = res.Errors?.[0];
    if (e) {
      const code = e.Code ?? 'DeleteError';
      const refused = Object.assign(new Error(`${code}: ${e.Message ?? 'delete failed'}`), { name: code });
      throw new S3DeleteError(bucket, e.Key ?? batch[0]!, refused);
    }
  }
}
