// The parallel path (parts compressed on zlib's thread pool while rows are encoded, S3 parts
// uploaded while the next fills) stages exactly what the serial path does, and a failure in
// one part stops and removes them all, with no manifest.
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t, type NormalizedValue } from '../../src/model/index.js';
import {
  LocalStage,
  newLoadId,
  S3Stage,
  StageEncodeError,
  UpshiftStageError,
  type Stage,
  type StagedLoad,
  type WriteRowsOptions,
} from '../../src/stage/index.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';
import { tempDir } from './support.js';
import type { UploadBuffers } from '../../src/s3/upload.js';
import { canWriteZstd } from '../../src/stage/codec.js';

/** node:zlib's zstd (Node 22.15 on; @types/node 20 does not describe it). */
const zstdDecompress = (b: Buffer): Buffer =>
  (zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }).zstdDecompressSync(b);

const target = { schema: 'candy', name: 'parallel' };
const columns = [t.bigint().spec, t.varchar('max').spec, t.decimal(12, 2).spec, t.boolean().spec];
const opts = (extra: Partial<WriteRowsOptions> = {}): WriteRowsOptions => ({
  target,
  columns,
  ordinal: true,
  binary: 'redshift',
  ...extra,
});

/** Text that compresses unevenly (so parts roll at different rows), with quoting cases mixed in. */
const text = (i: number): string =>
  i % 7 === 0
    ? `say "hi", ${i}`
    : createHash('sha1')
        .update(String(i))
        .digest('hex')
        .slice(0, 8 + (i % 29));
function* rows(n: number, bad?: number): Generator<NormalizedValue[]> {
  for (let i = 0; i < n; i++)
    yield i === bad
      ? [BigInt(i), 42, '1.00', true]
      : [BigInt(i), text(i), `${i % 1000}.${String(i % 100).padStart(2, '0')}`, i % 3 === 0];
}
/** Incompressible rows of ~180 bytes, for parts past S3's 5 MiB multipart threshold. */
const noise = (i: number): string => createHash('sha256').update(String(i)).digest('base64').repeat(4);
function* noisyRows(n: number, read: { count: number }, bad?: number): Generator<NormalizedValue[]> {
  for (let i = 0; i < n; i++) {
    read.count++;
    yield [BigInt(i), i === bad ? (Symbol('bad') as unknown as string) : noise(i), '0.00', false];
  }
}

/** Compared by digest: vitest compares (and diffs) big Buffers byte by byte, for minutes. */
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

async function bytesOf(stage: Stage, uri: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await stage.read(uri)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Everything a load staged: each part's stored bytes in manifest order, and the manifest with the stage's base cut out. */
async function snapshot(stage: Stage, load: StagedLoad, base: string) {
  const manifest = await stage.readManifest(load.manifestUri);
  const parts = await Promise.all(manifest.entries.map((e) => bytesOf(stage, e.url)));
  return {
    manifest: JSON.parse(JSON.stringify(manifest).replaceAll(base, '<base>')) as unknown,
    parts,
    rows: load.rows,
    files: load.files.map((f) => ({ ...f, uri: f.uri.replace(base, '<base>') })),
  };
}

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => void (tmp = tempDir('parallel')));
afterAll(() => tmp.remove());

describe('parallel staging writes what the serial path writes', () => {
  const cases = [
    { slices: 1, compression: 'gzip' as const, partBytes: 8 * 1024 },
    { slices: 3, compression: 'gzip' as const, partBytes: 16 * 1024 },
    { slices: 4, compression: 'none' as const, partBytes: 64 * 1024 },
    // zstd where node:zlib writes it (Node 22.15 on; test/e2e/zstd-staging.test.ts says so when not)
    ...(canWriteZstd() ? [{ slices: 3, compression: 'zstd' as const, partBytes: 16 * 1024 }] : []),
  ];
  for (const c of cases) {
    it(`local, slices ${c.slices}, ${c.compression}: same parts in the same order, same bytes, same manifest`, async () => {
      const loadId = newLoadId();
      const stageAt = (dir: string, compressAhead: number) =>
        new LocalStage({ dir: `${tmp.dir}/${dir}`, slices: c.slices, partBytes: c.partBytes, compressAhead });
      const serial = stageAt('serial', 1);
      const parallel = stageAt('parallel', 8);
      const a = await snapshot(
        serial,
        await serial.writeRows(rows(30_000), opts({ loadId, compression: c.compression })),
        serial.dir,
      );
      const b = await snapshot(
        parallel,
        await parallel.writeRows(rows(30_000), opts({ loadId, compression: c.compression })),
        parallel.dir,
      );
      expect(a.files.length).toBeGreaterThan(c.slices); // several groups rolled
      expect(a.files.length % c.slices).toBe(0);
      expect(b.manifest).toEqual(a.manifest);
      expect(b.files).toEqual(a.files);
      const text = (p: Buffer) =>
        (c.compression === 'gzip' ? gunzipSync(p) : c.compression === 'zstd' ? zstdDecompress(p) : p).toString('utf8');
      expect(b.parts.map(text).map(sha)).toEqual(a.parts.map(text).map(sha));
      // Stored bytes too: each part is exactly what zlib makes of its text in one go (no flushes, same level).
      expect(b.parts.map(sha)).toEqual(a.parts.map(sha));
      if (c.compression === 'gzip')
        for (const p of a.parts) expect(p.equals(gzipSync(gunzipSync(p), { level: 1 }))).toBe(true);
      // Row order within and across parts: round-robin over each group, ordinals intact.
      const ordinals = b.parts
        .map(text)
        .join('')
        .split('\n')
        .slice(0, -1)
        .map((l) => Number(l.slice(l.lastIndexOf(',') + 1)));
      expect(ordinals.sort((x, y) => x - y)).toEqual(Array.from({ length: 30_000 }, (_, i) => i + 1));
    });
  }

  it('S3, slices 2, multipart parts: same parts, bytes and manifest as the serial path', async () => {
    const client = testS3Client();
    const loadId = newLoadId();
    const prefix = `parallel-${randomBytes(4).toString('hex')}`;
    const stageAt = (dir: string, compressAhead: number) =>
      new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}/${dir}`, client, slices: 2, compressAhead });
    const serial = stageAt('serial', 1);
    const parallel = stageAt('parallel', 4);
    const load = (s: S3Stage) => s.writeRows(noisyRows(70_000, { count: 0 }), opts({ loadId, compression: 'none' }));
    const a = await snapshot(serial, await load(serial), serial.basePath);
    const b = await snapshot(parallel, await load(parallel), parallel.basePath);
    expect(a.files.every((f) => f.bytes > 5 * 1024 * 1024)).toBe(true); // each part went multipart
    expect(b.manifest).toEqual(a.manifest);
    expect(b.files).toEqual(a.files);
    expect(b.parts.map(sha)).toEqual(a.parts.map(sha));
  });
});

/** Records S3 commands (name, key, upload id); fails the ones `failWhen` picks. */
function recordCommands(client: S3Client, failWhen: (name: string, key: string, n: number) => boolean = () => false) {
  const log: Array<{ name: string; key: string; uploadId?: string; failed?: boolean }> = [];
  let n = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string; UploadId?: string };
      const entry: (typeof log)[number] = {
        name: context.commandName as string,
        key: input.Key ?? '',
        ...(input.UploadId ? { uploadId: input.UploadId } : {}),
      };
      log.push(entry);
      if (failWhen(entry.name, entry.key, ++n)) {
        entry.failed = true;
        throw Object.assign(new Error(`injected failure of ${entry.name} for ${entry.key}`), { name: 'InternalError' });
      }
      const result = await next(args);
      const made = (result.output as { UploadId?: string }).UploadId;
      if (made) entry.uploadId = made;
      return result;
    },
    { step: 'initialize', name: 'recordParallelCommands' },
  );
  return log;
}

async function keysUnder(client: S3Client, prefix: string): Promise<string[]> {
  const res = await client.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix }));
  return (res.Contents ?? []).map((o) => o.Key!);
}

describe('a failure in one part stops the others', () => {
  const N = 140_000; // ~26 MB of text: 2 parts of ~13 MB, each a multipart upload of 5 MiB parts

  async function failedLoad(failWhen: Parameters<typeof recordCommands>[1], bad?: number) {
    const client = testS3Client();
    const log = recordCommands(client, failWhen);
    const prefix = `parallel-fail-${randomBytes(4).toString('hex')}`;
    const stage = new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}`, client, slices: 2 });
    const loadId = newLoadId();
    const read = { count: 0 };
    const err = await stage
      .writeRows(noisyRows(N, read, bad), opts({ loadId, compression: 'none' }))
      .catch((e: unknown) => e);
    const loadKeys = `${prefix}/candy.parallel/`;
    return { err, log, read, left: await keysUnder(client, loadKeys), stage, loadId };
  }

  /** Every multipart upload the load started was aborted, none completed, no manifest was written and nothing is left. */
  function expectAllUndone(r: Awaited<ReturnType<typeof failedLoad>>) {
    const started = r.log.filter((e) => e.name === 'CreateMultipartUploadCommand' && e.uploadId).map((e) => e.uploadId);
    const aborted = r.log.filter((e) => e.name === 'AbortMultipartUploadCommand').map((e) => e.uploadId);
    expect(started.length).toBeGreaterThan(0);
    expect(aborted.sort()).toEqual([...started].sort());
    expect(r.log.filter((e) => e.name === 'CompleteMultipartUploadCommand')).toEqual([]);
    expect(r.log.filter((e) => e.key.endsWith('manifest.json'))).toEqual([]);
    expect(r.left).toEqual([]);
  }

  it('an upload error in one part aborts the other part too, stops reading rows, and names the key', async () => {
    const r = await failedLoad((name, key) => name === 'UploadPartCommand' && key.endsWith('part-00001.csv'));
    expect(r.err).toBeInstanceOf(UpshiftStageError);
    expect(r.err).toMatchObject({ operation: 'upload' });
    expect((r.err as UpshiftStageError).key).toMatch(/part-00001\.csv$/);
    expect((r.err as Error).message).toContain('injected failure of UploadPartCommand');
    expectAllUndone(r);
    // The row loop stopped soon after the failure, not at the end of the input.
    expect(r.read.count).toBeLessThan(N / 2);
  });

  it('an encoder error mid-load aborts every part already uploading, and names the row', async () => {
    const bad = 100_000; // each part has uploaded a 5 MiB part by then
    const r = await failedLoad(() => false, bad);
    expect(r.err).toBeInstanceOf(StageEncodeError);
    expect((r.err as Error).message).toContain(`row ${bad}, column "#2"`);
    expect(r.log.filter((e) => e.name === 'UploadPartCommand').length).toBeGreaterThanOrEqual(2);
    expectAllUndone(r);
    expect(r.read.count).toBe(bad + 1);
  });

  it('a failed load gives its upload buffers back: the next load on the same stage, needing them all, completes', async () => {
    const client = testS3Client();
    let failures = 0;
    recordCommands(
      client,
      (name, key) => name === 'UploadPartCommand' && key.endsWith('part-00001.csv') && failures++ === 0,
    );
    // One spare buffer: at the failure, files hold buffers they were filling.
    const stage = new S3Stage({
      basePath: `s3://${TEST_BUCKET}/parallel-reuse-${randomBytes(4).toString('hex')}`,
      client,
      slices: 2,
      uploadBuffers: 3,
    });
    const first = await stage
      .writeRows(noisyRows(N, { count: 0 }), opts({ compression: 'none' }))
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(UpshiftStageError);
    expect((stage as unknown as { backend: { buffers: UploadBuffers } }).backend.buffers.available).toBe(3);
    const load = await stage.writeRows(noisyRows(N, { count: 0 }), opts({ compression: 'none' }));
    expect(load.rows).toBe(N);
    const manifest = await stage.readManifest(load.manifestUri);
    const text = Buffer.concat(await Promise.all(manifest.entries.map((e) => bytesOf(stage, e.url)))).toString('utf8');
    expect(text.split('\n').length - 1).toBe(N);
  });
});
