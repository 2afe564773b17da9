// S3Stage against the local s3rver: keys, manifest and content lengths, multipart for large
// parts, abort on failure with no manifest left, list/read/delete; base path resolution.
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveS3BasePath, S3_BASE_PATH_ENV, UpshiftConfigError } from '../../src/config.js';
import { t, type NormalizedValue } from '../../src/model/index.js';
import {
  encodeCsvChunks,
  newLoadId,
  S3Stage,
  UpshiftStageError,
  type WriteRowsOptions,
} from '../../src/stage/index.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';
import { readStaged } from './support.js';

const target = { schema: 'candy', name: 'candy_names' };
const columns = [t.bigint().spec, t.varchar('max').spec, t.decimal(12, 2).spec, t.timestamptz().spec, t.boolean().spec];
const opts = (extra: Partial<WriteRowsOptions> = {}): WriteRowsOptions => ({
  target,
  columns,
  ordinal: true,
  binary: 'redshift',
  ...extra,
});
const uniquePrefix = () => `stage-${randomBytes(4).toString('hex')}`;

function* rows(n: number, text = (i: number) => `name ${i}`): Generator<NormalizedValue[]> {
  for (let i = 0; i < n; i++) yield [BigInt(i), text(i), `${i}.25`, '2026-11-24 10:30:00.123456', i % 3 === 0];
}

async function listKeys(client: S3Client, prefix: string): Promise<Map<string, number>> {
  const res = await client.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix }));
  return new Map((res.Contents ?? []).map((o) => [o.Key!, o.Size!]));
}

async function getText(client: S3Client, key: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
  return res.Body!.transformToString();
}

/** Records every command the client sends (name, input, output or error). */
function recordCommands(client: S3Client, failWhen?: (name: string, n: number) => boolean) {
  const log: Array<{
    name: string;
    input: Record<string, unknown>;
    output?: Record<string, unknown>;
    error?: unknown;
  }> = [];
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName as string;
      const n = (counts.get(name) ?? 0) + 1;
      counts.set(name, n);
      const entry: (typeof log)[number] = { name, input: args.input as Record<string, unknown> };
      log.push(entry);
      try {
        if (failWhen?.(name, n))
          throw Object.assign(new Error(`injected failure of ${name} #${n}`), { name: 'InternalError' });
        const result = await next(args);
        entry.output = result.output as unknown as Record<string, unknown>;
        return result;
      } catch (e) {
        entry.error = e;
        throw e;
      }
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return log;
}

const loadPrefix = (prefix: string, loadId: string) =>
  `${prefix}/candy.candy_names/${loadId.slice(0, 4)}/${loadId.slice(4, 6)}/${loadId.slice(6, 8)}/${loadId}/`;

describe('S3Stage', () => {
  it('stages parts and a manifest at <basePath>/<schema>.<table>/<yyyy>/<mm>/<dd>/<loadId>/', async () => {
    const client = testS3Client();
    const prefix = uniquePrefix();
    const stage = new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}/`, client, slices: 2 });
    expect(stage.basePath).toBe(`s3://${TEST_BUCKET}/${prefix}`);
    const loadId = newLoadId(new Date('2026-02-03T04:05:06.007Z'));
    const load = await stage.writeRows(rows(1000), opts({ loadId }));
    const dir = loadPrefix(prefix, loadId);
    expect(dir).toContain('/2026/02/03/');
    expect(load.files.map((f) => f.uri)).toEqual([
      `s3://${TEST_BUCKET}/${dir}part-00000.csv.gz`,
      `s3://${TEST_BUCKET}/${dir}part-00001.csv.gz`,
    ]);
    expect(load.manifestUri).toBe(`s3://${TEST_BUCKET}/${dir}manifest.json`);
    const stored = await listKeys(client, dir);
    expect([...stored.keys()].sort()).toEqual([
      `${dir}manifest.json`,
      `${dir}part-00000.csv.gz`,
      `${dir}part-00001.csv.gz`,
    ]);
    for (const f of load.files) expect(stored.get(f.uri.slice(`s3://${TEST_BUCKET}/`.length))).toBe(f.bytes);
    const manifest = JSON.parse(await getText(client, `${dir}manifest.json`));
    expect(manifest).toEqual({
      entries: load.files.map((f) => ({
        url: f.uri,
        mandatory: true,
        meta: { content_length: f.bytes, record_count: 500 },
      })),
      // No columnNames given: the manifest says what it knows, without columns.
      upshift: {
        version: 1,
        loadId,
        target: 'candy.candy_names',
        format: { kind: 'csv', gzip: true, delimiter: ',', quote: '"', nullAs: '\\N' },
        ordered: true,
        binary: 'redshift',
        rows: 1000,
      },
    });
    expect(await stage.readManifest(load.manifestUri)).toEqual(manifest);
    const text = (await Promise.all(load.files.map((f) => readStaged(stage, f.uri, 'gzip')))).map(String).join('');
    expect(text.split('\n').length - 1).toBe(1000);
    expect(load.files.map((f) => f.rows)).toEqual([500, 500]);
  });

  it('uploads a part larger than 5 MiB as a multipart upload, byte for byte', async () => {
    const client = testS3Client();
    const log = recordCommands(client);
    const stage = new S3Stage({
      basePath: `s3://${TEST_BUCKET}/${uniquePrefix()}`,
      client,
      slices: 1,
      uploadPartBytes: 5 * 1024 * 1024,
    });
    // Incompressible text, no gzip: ~12 MiB of CSV in one part.
    const noise = (i: number) => createHash('sha256').update(String(i)).digest('base64').repeat(4);
    const n = 70_000;
    const load = await stage.writeRows(rows(n, noise), opts({ compression: 'none' }));
    expect(load.files).toHaveLength(1);
    expect(load.bytes).toBeGreaterThan(11 * 1024 * 1024);
    const names = log.map((e) => e.name);
    expect(names.filter((x) => x === 'CreateMultipartUploadCommand')).toHaveLength(1);
    expect(names.filter((x) => x === 'UploadPartCommand').length).toBe(Math.ceil(load.bytes / (5 * 1024 * 1024)));
    expect(names.filter((x) => x === 'CompleteMultipartUploadCommand')).toHaveLength(1);
    expect(names.at(-1)).toBe('PutObjectCommand'); // the manifest, last
    const want = createHash('sha256');
    for await (const chunk of encodeCsvChunks(rows(n, noise), { columns, ordinal: true, binary: 'redshift' }))
      want.update(chunk);
    const got = createHash('sha256').update(await readStaged(stage, load.files[0]!.uri, 'none'));
    expect(got.digest('hex')).toBe(want.digest('hex'));
  });

  it('a failed UploadPart aborts the multipart upload, writes no manifest and names the key', async () => {
    const client = testS3Client();
    const log = recordCommands(client, (name, n) => name === 'UploadPartCommand' && n === 2);
    const prefix = uniquePrefix();
    const stage = new S3Stage({
      basePath: `s3://${TEST_BUCKET}/${prefix}`,
      client,
      slices: 1,
      uploadPartBytes: 5 * 1024 * 1024,
    });
    const loadId = newLoadId();
    const noise = (i: number) => createHash('sha256').update(String(i)).digest('base64').repeat(4);
    const err = await stage
      .writeRows(rows(70_000, noise), opts({ loadId, compression: 'none' }))
      .catch((e: unknown) => e);
    const key = `${loadPrefix(prefix, loadId)}part-00000.csv`;
    expect(err).toBeInstanceOf(UpshiftStageError);
    expect(err).toMatchObject({ operation: 'upload', key, uri: `s3://${TEST_BUCKET}/${key}` });
    expect((err as Error).message).toContain(`s3://${TEST_BUCKET}/${key}`);
    expect((err as Error).message).toContain('injected failure of UploadPartCommand #2');
    const created = log.find((e) => e.name === 'CreateMultipartUploadCommand')!;
    const abort = log.find((e) => e.name === 'AbortMultipartUploadCommand');
    expect(abort?.input).toMatchObject({ Bucket: TEST_BUCKET, Key: key, UploadId: created.output!.UploadId });
    // s3rver answers AbortMultipartUpload with 405 MethodNotAllowed: the upload's own error stays
    // the main one and the abort's failure rides along (lib-storage alone would replace it).
    expect((err as UpshiftStageError).cleanupError).toBe(abort!.error);
    expect(log.some((e) => e.name === 'CompleteMultipartUploadCommand')).toBe(false);
    expect(log.some((e) => e.name === 'PutObjectCommand')).toBe(false); // no manifest
    expect([...(await listKeys(client, loadPrefix(prefix, loadId))).keys()]).toEqual([]);
    expect(await stage.list(target, loadId)).toEqual([]);
  });

  it('a missing bucket fails with the key and the S3 error, and no manifest', async () => {
    const client = testS3Client();
    const log = recordCommands(client);
    const stage = new S3Stage({ basePath: 's3://upshift-no-such-bucket/x', client });
    const loadId = newLoadId();
    const err = await stage.writeRows(rows(10), opts({ loadId })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpshiftStageError);
    // Four parts upload at once (slices 4): whichever fails first is named.
    expect([0, 1, 2, 3].map((i) => `${loadPrefix('x', loadId)}part-0000${i}.csv.gz`)).toContain(
      (err as UpshiftStageError).key,
    );
    expect((err as Error).message).toMatch(/NoSuchBucket/);
    expect(log.filter((e) => e.name === 'PutObjectCommand' && String(e.input.Key).endsWith('manifest.json'))).toEqual(
      [],
    );
  });

  it('lists, reads back and deletes a load; stages files as they are', async () => {
    const client = testS3Client();
    const prefix = uniquePrefix();
    const stage = new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}`, client, slices: 3 });
    const load = await stage.writeRows(rows(30), opts());
    expect(await stage.list(target, load.loadId)).toEqual(load.files.map((f) => ({ uri: f.uri, bytes: f.bytes })));
    const first = gunzipSync(await readStaged(stage, load.files[0]!.uri, 'none')).toString();
    expect(first.split('\n')[0]).toBe('0,name 0,0.25,2026-11-24 10:30:00.123456,t,1');
    await stage.delete(load);
    expect(await stage.list(target, load.loadId)).toEqual([]);
    expect([...(await listKeys(client, loadPrefix(prefix, load.loadId))).keys()]).toEqual([]);
    const missing = await stage.read(load.manifestUri).catch((e: unknown) => e);
    expect(missing).toMatchObject({
      name: 'UpshiftStageError',
      operation: 'read',
      key: load.manifestUri.slice(`s3://${TEST_BUCKET}/`.length),
    });

    const files = await stage.writeFiles(
      [Readable.from([Buffer.from('a,1\n')]), Readable.from([Buffer.from('b,2\n')])],
      { target, extension: '.csv' },
    );
    expect((await stage.readManifest(files.manifestUri)).entries).toEqual(
      files.files.map((f) => ({ url: f.uri, mandatory: true, meta: { content_length: 4 } })),
    );
    expect(String(await readStaged(stage, files.files[1]!.uri, 'none'))).toBe('b,2\n');
  });
});

describe('S3 base path', () => {
  const saved = process.env[S3_BASE_PATH_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[S3_BASE_PATH_ENV];
    else process.env[S3_BASE_PATH_ENV] = saved;
  });

  it('comes from the option, then the config object, then UPSHIFT_S3_BASE_PATH', () => {
    const env = { [S3_BASE_PATH_ENV]: 's3://env-bucket/e' };
    expect(resolveS3BasePath('s3://opt-bucket/a/b/', { s3BasePath: 's3://cfg-bucket' }, env)).toEqual({
      bucket: 'opt-bucket',
      prefix: 'a/b',
    });
    expect(resolveS3BasePath(undefined, { s3BasePath: 's3://cfg-bucket' }, env)).toEqual({
      bucket: 'cfg-bucket',
      prefix: '',
    });
    expect(resolveS3BasePath(undefined, {}, env)).toEqual({ bucket: 'env-bucket', prefix: 'e' });
    process.env[S3_BASE_PATH_ENV] = `s3://${TEST_BUCKET}/from-env`;
    expect(new S3Stage({ client: testS3Client() }).basePath).toBe(`s3://${TEST_BUCKET}/from-env`);
  });

  it('missing or malformed: an error naming all three ways to set it', () => {
    const ways = [/basePath option/, /s3BasePath/, /UPSHIFT_S3_BASE_PATH=/];
    const missing = () => resolveS3BasePath(undefined, undefined, {});
    expect(missing).toThrow(UpshiftConfigError);
    for (const w of ways) expect(missing).toThrow(w);
    for (const [bad, source] of [
      ['my-bucket/prefix', 'the basePath option'],
      ['s3://My_Bucket/x', 'the basePath option'],
      ['s3://ok-bucket/a//b', 'the basePath option'],
      ['s3://ok-bucket/../x', 'the basePath option'],
    ] as const) {
      const f = () => resolveS3BasePath(bad, undefined, {});
      expect(f).toThrow(`(from ${source}) is malformed`);
      for (const w of ways) expect(f).toThrow(w);
    }
    expect(() => resolveS3BasePath(undefined, undefined, { [S3_BASE_PATH_ENV]: 'https://x' })).toThrow(
      /from the environment variable UPSHIFT_S3_BASE_PATH\) is malformed/,
    );
    delete process.env[S3_BASE_PATH_ENV];
    expect(() => new S3Stage({ client: testS3Client() })).toThrow(/No S3 base path/);
  });
});
