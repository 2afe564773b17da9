// The S3 helpers against the local S3 server: resolve, upload (text, bytes, stream, file, JSON,
// model rows), download, size, list (S3 prefix semantics, paging), delete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { S3Stage, UpshiftConfigError, RowValidationError, defineTable, t } from '../../src/index.js';
import { S3Files } from '../../src/toolbox/index.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';

let dir: string;
const base = `s3://${TEST_BUCKET}/s3-helpers/${randomBytes(4).toString('hex')}`;
const files = new S3Files({ client: testS3Client(), basePath: base });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'upshift-s3-'));
});
afterAll(async () => {
  await files.deletePrefix(`${base}/`);
  rmSync(dir, { recursive: true, force: true });
});

const readAll = async (uri: string) => Buffer.concat((await (await files.download(uri)).toArray()) as Buffer[]);

describe('S3Files', () => {
  it('resolves relative paths under the base path; s3:// URIs stay; no base path is the same helpful error as S3Stage', () => {
    expect(files.resolve('a/b.csv')).toBe(`${base}/a/b.csv`);
    expect(files.resolve('/a/b.csv')).toBe(`${base}/a/b.csv`);
    expect(files.resolve('s3://other-bucket/k')).toBe('s3://other-bucket/k');
    expect(() => files.resolve('a/../b')).toThrow(/'\.' or '\.\.' segment/);
    expect(() => files.resolve('s3://No_Such/k')).toThrow(/not an s3:\/\/bucket\/key URI/);
    const bare = new S3Files({ client: testS3Client() });
    const saved = process.env.UPSHIFT_S3_BASE_PATH;
    delete process.env.UPSHIFT_S3_BASE_PATH;
    try {
      expect(() => bare.resolve('x')).toThrow(UpshiftConfigError);
      expect(() => bare.resolve('x')).toThrow(/basePath option .* config object .* UPSHIFT_S3_BASE_PATH/);
    } finally {
      if (saved !== undefined) process.env.UPSHIFT_S3_BASE_PATH = saved;
    }
    const stage = new S3Stage({ basePath: base, client: testS3Client() });
    expect(S3Files.forStage(stage).resolve('x/y')).toBe(`${base}/x/y`);
  });

  it('uploads text, bytes, a stream (multipart, 12 MiB) and a local file; downloads and sizes them back exactly', async () => {
    expect(await files.upload('héllo', 'up/text.txt')).toBe(`${base}/up/text.txt`);
    await files.upload(new Uint8Array([0, 1, 255]), 'up/bytes.bin');
    const big = randomBytes(12 * 1024 * 1024);
    await files.upload(
      Readable.from(
        (function* () {
          for (let i = 0; i < big.length; i += 1 << 20) yield big.subarray(i, i + (1 << 20));
        })(),
      ),
      'up/big.bin',
    );
    const local = join(dir, 'local.csv');
    writeFileSync(local, 'a,b\n1,2\n');
    await files.uploadFile(local, 'up/local.csv');
    expect((await readAll(`${base}/up/text.txt`)).toString()).toBe('héllo');
    expect([...(await readAll('up/bytes.bin'))]).toEqual([0, 1, 255]);
    expect((await readAll('up/big.bin')).equals(big)).toBe(true);
    expect(await files.readText('up/local.csv')).toBe('a,b\n1,2\n');
    expect(await files.size('up/big.bin')).toBe(big.length);
    expect(await files.size('up/text.txt')).toBe(Buffer.byteLength('héllo'));
    expect(await files.size('up/missing')).toBeUndefined();
    await files.downloadToFile('up/big.bin', join(dir, 'nested/down/big.bin'));
    expect(readFileSync(join(dir, 'nested/down/big.bin')).equals(big)).toBe(true);
  });

  it('uploads a JSON value (bigints exact) and model rows as upshift CSV', async () => {
    await files.uploadJson({ id: 2n ** 63n - 1n, tags: ['a', null] }, 'json/v.json');
    expect(await files.readText('json/v.json')).toBe('{"id":"9223372036854775807","tags":["a",null]}');
    const model = defineTable('s.rows', { id: t.bigint().notNull(), name: t.varchar(20), at: t.timestamptz() });
    const r = await files.uploadRows(
      model,
      [
        { id: 1n, name: '', at: '2026-11-24T10:00:00+02:00' },
        { id: 2n, name: null },
        { id: 3n, name: 'a,"b"' },
      ],
      'rows/r.csv.gz',
    );
    expect(r).toEqual({ uri: `${base}/rows/r.csv.gz`, rows: 3, columns: ['id', 'name', 'at'] });
    expect(gunzipSync(await readAll('rows/r.csv.gz')).toString()).toBe(
      '1,"",2026-11-24 08:00:00.000000\n2,\\N,\\N\n3,"a,""b""",\\N\n',
    );
    const bad = files.uploadRows(model, [{ id: 1n }, { id: 2n, name: 'x'.repeat(21) }], 'rows/bad.csv', {
      gzip: false,
    });
    await expect(bad).rejects.toBeInstanceOf(RowValidationError);
    await expect(bad).rejects.toThrow(/row 1, column "name"/);
    expect(await files.size('rows/bad.csv')).toBeUndefined();
  });

  it('lists with S3 prefix semantics through every page, and deletes', async () => {
    // s3rver keeps objects as files (no key is also a folder here) and pages in file-system order,
    // which matches S3's byte order only for names sorting after '/'; these do.
    const keys = [
      'list/xz',
      'list/x1',
      'list/x_old/y',
      'list/xa/z',
      'list/y',
      ...Array.from({ length: 23 }, (_, i) => `list/x/p${String(i).padStart(2, '0')}`),
    ];
    await Promise.all(keys.map((k) => files.upload(k, k)));
    const under = await files.list('list/x', { pageSize: 5 });
    expect(under.map((o) => o.key.slice(under[0]!.key.indexOf('list/')))).toEqual(
      keys.filter((k) => k.startsWith('list/x')).sort(),
    );
    const folder = await files.list('list/x/', { pageSize: 7 });
    expect(folder).toHaveLength(23);
    expect(folder[0]).toMatchObject({ uri: `${base}/list/x/p00`, bytes: 'list/x/p00'.length });
    expect(await files.delete(['list/xz', 'list/y', 'list/never-existed'])).toBe(3);
    expect(await files.size('list/xz')).toBeUndefined();
    expect(await files.deletePrefix('list/x/')).toBe(23);
    expect((await files.list('list/')).map((o) => o.key.replace(/^.*\/list\//, ''))).toEqual(['x1', 'x_old/y', 'xa/z']);
    expect(await files.list('list/nothing-here')).toEqual([]);
  });
});
