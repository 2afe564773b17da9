// Finding and reading users' S3 objects: one file, every file under a folder, or the entries of
// a Redshift manifest. Missing objects and empty folders are clear errors before any load starts.
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '../s3/sdk.js';
import { Readable } from 'node:stream';
import type { AsyncBuffer } from 'hyparquet';
import { parseS3Uri } from '../config.js';
import { parseManifest } from '../stage/manifest.js';
import type { S3Stage } from '../stage/s3.js';
import type { SourceContext } from '../engine/source.js';
import { fileError } from '../engine/source.js';

export interface S3Object {
  uri: string;
  bucket: string;
  key: string;
  bytes: number;
}

/** The S3 client for a source: the one passed to it, else the stage's. */
export function s3ClientFor(ctx: SourceContext, client: S3Client | undefined, what: string): S3Client {
  if (client) return client;
  if (ctx.stage.kind === 's3') return (ctx.stage as S3Stage).client;
  throw new Error(
    `${what} reads S3, but the stage is local and has no S3 client: pass one, e.g. ${what.split(':')[0]}(uri, { client: new S3Client({ region }) })`,
  );
}

const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
};

export function parseObjectUri(uri: string, table: string): { bucket: string; key: string } {
  const loc = parseS3Uri(uri);
  if (!loc || loc.key === '')
    throw fileError(table, { file: uri, reason: 'is not an S3 object URI like s3://bucket/key' });
  return loc;
}

/** HEAD one object; a missing one is a LoadError naming it. */
export async function headObject(client: S3Client, uri: string, table: string): Promise<S3Object> {
  const { bucket, key } = parseObjectUri(uri, table);
  try {
    const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { uri, bucket, key, bytes: r.ContentLength ?? 0 };
  } catch (err) {
    throw fileError(
      table,
      {
        file: uri,
        reason: isNotFound(err)
          ? 'no such S3 object'
          : `cannot be read: ${(err as Error).name}: ${(err as Error).message}`,
      },
      err,
    );
  }
}

/** The object's bytes as a stream (a range when given). */
export async function getObject(client: S3Client, uri: string, table: string, range?: string): Promise<Readable> {
  const { bucket, key } = parseObjectUri(uri, table);
  try {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }));
    const body = r.Body;
    if (body instanceof Readable) return body;
    if (body && 'transformToWebStream' in body)
      return Readable.fromWeb(body.transformToWebStream() as import('node:stream/web').ReadableStream);
    throw new Error('the response has no body');
  } catch (err) {
    throw fileError(
      table,
      {
        file: uri,
        reason: isNotFound(err)
          ? 'no such S3 object'
          : `cannot be read: ${(err as Error).name}: ${(err as Error).message}`,
      },
      err,
    );
  }
}

/** The first bytes of an object (compression and Parquet magic). */
export async function objectHead(client: S3Client, obj: S3Object, table: string, n = 4): Promise<Buffer> {
  if (obj.bytes === 0) return Buffer.alloc(0);
  const stream = await getObject(client, obj.uri, table, `bytes=0-${n - 1}`);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).subarray(0, n);
}

/** Hidden files by the Hadoop/Spark convention (_SUCCESS, .crc) and folder markers are not data. */
const isDataKey = (key: string): boolean => !key.endsWith('/') && !/^[_.]/.test(key.slice(key.lastIndexOf('/') + 1));

/**
 * Every data object under a folder, recursively, sorted by key. The prefix is taken as a folder
 * (a trailing '/' is added): `s3://b/data/x` lists `data/x/...`, never `data/x_old/...`.
 */
export async function listFolder(client: S3Client, prefixUri: string, table: string): Promise<S3Object[]> {
  const loc = parseS3Uri(prefixUri);
  if (!loc) throw fileError(table, { file: prefixUri, reason: 'is not an S3 prefix like s3://bucket/folder/' });
  const prefix = loc.key === '' || loc.key.endsWith('/') ? loc.key : `${loc.key}/`;
  const out: S3Object[] = [];
  let token: string | undefined;
  try {
    do {
      const r = await client.send(
        new ListObjectsV2Command({ Bucket: loc.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of r.Contents ?? []) {
        if (o.Key && isDataKey(o.Key.slice(prefix.length)))
          out.push({ uri: `s3://${loc.bucket}/${o.Key}`, bucket: loc.bucket, key: o.Key, bytes: o.Size ?? 0 });
      }
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  } catch (err) {
    throw fileError(
      table,
      {
        file: `s3://${loc.bucket}/${prefix}`,
        reason: `cannot be listed: ${(err as Error).name}: ${(err as Error).message}`,
      },
      err,
    );
  }
  if (out.length === 0) {
    throw fileError(table, {
      file: `s3://${loc.bucket}/${prefix}`,
      reason:
        'has no data files (the prefix is read as a folder: keys under it, not sibling keys that merely start with the same text)',
    });
  }
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The entries of a Redshift manifest, each checked to exist (a missing optional entry is skipped, as COPY does). */
export async function manifestObjects(client: S3Client, uri: string, table: string): Promise<S3Object[]> {
  const chunks: Buffer[] = [];
  for await (const c of await getObject(client, uri, table)) chunks.push(c as Buffer);
  let manifest;
  try {
    manifest = parseManifest(Buffer.concat(chunks).toString('utf8'), uri);
  } catch (err) {
    throw fileError(table, { file: uri, reason: (err as Error).message }, err);
  }
  const found = await mapLimit(manifest.entries, 8, async (e) => {
    try {
      return await headObject(client, e.url, table);
    } catch (err) {
      if (!e.mandatory) return undefined;
      throw fileError(
        table,
        {
          file: e.url,
          reason: `is named (mandatory) by the manifest ${uri} but ${(err as Error).message.replace(/^.*: /, '')}`,
        },
        err,
      );
    }
  });
  const objects = found.filter((o): o is S3Object => o !== undefined);
  if (objects.length === 0) throw fileError(table, { file: uri, reason: 'names no existing files' });
  return objects;
}

/** An object as hyparquet's AsyncBuffer: ranged GETs, so only the footer and the row groups read are fetched. */
export function s3AsyncBuffer(client: S3Client, obj: S3Object, table: string): AsyncBuffer {
  return {
    byteLength: obj.bytes,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const last = (end ?? obj.bytes) - 1;
      if (last < start) return new ArrayBuffer(0);
      const chunks: Buffer[] = [];
      for await (const c of await getObject(client, obj.uri, table, `bytes=${start}-${last}`)) chunks.push(c as Buffer);
      const buf = Buffer.concat(chunks);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    },
  };
}

/** Runs fn over items, at most `limit` at once, results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
