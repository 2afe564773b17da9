// Finding and reading users' S3 objects: one file, every file under a folder, or the entries of
// a Redshift manifest. Missing objects and empty folders are clear errors before any load starts.
import type { Readable } from 'node:stream';
import type { AsyncBuffer } from 'hyparquet';
import { parseS3Uri, UpshiftConfigError } from '../config.js';
import { isNotFound, listPages, objectSize, readObject } from '../s3/objects.js';
import type { S3Client } from '../s3/sdk.js';
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
  throw new UpshiftConfigError(
    `${what} reads S3, but the stage is local and has no S3 client: pass one, e.g. ${what.split(':')[0]}(uri, { client: new S3Client({ region }) })`,
  );
}

export function parseObjectUri(uri: string, table: string): { bucket: string; key: string } {
  const loc = parseS3Uri(uri);
  if (!loc || loc.key === '')
    throw fileError(table, { file: uri, reason: 'is not an S3 object URI like s3://bucket/key' });
  return loc;
}

/** Why an object could not be read, for a LoadError naming it. */
const unreadable = (table: string, uri: string, err: unknown) =>
  fileError(
    table,
    {
      file: uri,
      reason: isNotFound(err)
        ? 'no such S3 object'
        : `cannot be read: ${(err as Error).name}: ${(err as Error).message}`,
    },
    err,
  );

/** HEAD one object; a missing one is a LoadError naming it. */
export async function headObject(client: S3Client, uri: string, table: string): Promise<S3Object> {
  const { bucket, key } = parseObjectUri(uri, table);
  let bytes: number | undefined;
  try {
    bytes = await objectSize(client, bucket, key);
  } catch (err) {
    throw unreadable(table, uri, err);
  }
  if (bytes === undefined) throw fileError(table, { file: uri, reason: 'no such S3 object' });
  return { uri, bucket, key, bytes };
}

/** The object's bytes as a stream (a range when given). */
export async function getObject(client: S3Client, uri: string, table: string, range?: string): Promise<Readable> {
  const { bucket, key } = parseObjectUri(uri, table);
  try {
    return await readObject(client, bucket, key, range);
  } catch (err) {
    throw unreadable(table, uri, err);
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
  try {
    for await (const page of listPages(client, { bucket: loc.bucket, prefix })) {
      for (const o of page.objects) {
        if (isDataKey(o.key.slice(prefix.length)))
          out.push({ uri: `s3://${loc.bucket}/${o.key}`, bucket: loc.bucket, key: o.key, bytes: o.bytes });
      }
    }
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
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    },
  };
}

/** Runs fn over items, at most `limit` at once, results in order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
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
