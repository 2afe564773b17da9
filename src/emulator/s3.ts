// S3 access for COPY and UNLOAD: the configured client (or one built for an endpoint).
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

export interface S3Options {
  client?: S3Client;
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export function makeS3Client(opts: S3Options): S3Client {
  if (opts.client) return opts.client;
  return new S3Client({
    region: opts.region ?? 'us-east-1',
    ...(opts.endpoint ? { endpoint: opts.endpoint, forcePathStyle: true } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface S3Url { bucket: string; key: string }

export function parseS3Url(url: string): S3Url | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

export interface S3Object { url: string; key: string; size: number }

export async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<S3Object[]> {
  const out: S3Object[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of r.Contents ?? []) {
      if (o.Key === undefined || o.Key.endsWith('/')) continue;
      out.push({ url: `s3://${bucket}/${o.Key}`, key: o.Key, size: o.Size ?? 0 });
    }
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export const isNotFound = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

export async function getStream(s3: S3Client, url: string): Promise<Readable> {
  const u = parseS3Url(url)!;
  const r = await s3.send(new GetObjectCommand({ Bucket: u.bucket, Key: u.key }));
  return r.Body as Readable;
}

export async function getBuffer(s3: S3Client, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await getStream(s3, url)) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export async function putObject(s3: S3Client, url: string, body: Buffer): Promise<void> {
  const u = parseS3Url(url)!;
  await s3.send(new PutObjectCommand({ Bucket: u.bucket, Key: u.key, Body: body, ContentLength: body.length }));
}
