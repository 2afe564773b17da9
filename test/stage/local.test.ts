// LocalStage against real files: layout, manifest, part groups, small loads, failures that
// leave nothing behind, list/read/delete, writeFiles.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { t } from '../../src/model/index.js';
import type { NormalizedValue } from '../../src/model/index.js';
import {
  LocalStage,
  newLoadId,
  StageEncodeError,
  UpshiftStageError,
  type ChunkOrigin,
  type Progress,
  type WriteRowsOptions,
} from '../../src/stage/index.js';
import { readStaged, tempDir } from './support.js';

const tmp = tempDir('stage-local');
afterAll(() => tmp.remove());

const target = { schema: 'candy', name: 'candy_names' };
const columns = [t.bigint().spec, t.varchar(64).spec, t.decimal(12, 2).spec, t.timestamptz().spec, t.boolean().spec];
const columnNames = ['id', 'name', 'price', 'updated_at', 'active'];
const opts = (extra: Partial<WriteRowsOptions> = {}): WriteRowsOptions => ({
  target,
  columns,
  columnNames,
  ordinal: true,
  binary: 'postgres',
  ...extra,
});

function* rows(n: number): Generator<NormalizedValue[]> {
  for (let i = 0; i < n; i++)
    yield [BigInt(i), `name ${i}, "quoted"`, `${i}.25`, '2026-11-24 10:30:00.123456', i % 2 === 0];
}

/** All files (hidden ones too) under a folder, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

const loadFolder = (stage: LocalStage, loadId: string) => {
  const [, y, m, d] = /^(\d{4})(\d{2})(\d{2})/.exec(loadId)!;
  return join(stage.dir, `${target.schema}.${target.name}`, y!, m!, d!, loadId);
};

describe('LocalStage', () => {
  it('writes gzip parts and a Redshift manifest under <schema>.<table>/<yyyy>/<mm>/<dd>/<loadId>/', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'layout') });
    const loadId = newLoadId(new Date('2026-03-07T23:59:58.765Z'));
    const load = await stage.writeRows(rows(10), opts({ loadId }));
    const folder = join(stage.dir, 'candy.candy_names', '2026', '03', '07', loadId);
    expect(load.loadId).toBe(loadId);
    expect(load.compression).toBe('gzip');
    expect(load.rows).toBe(10);
    expect(load.files.map((f) => fileURLToPath(f.uri))).toEqual([join(folder, 'part-00000.csv.gz')]);
    expect(fileURLToPath(load.manifestUri)).toBe(join(folder, 'manifest.json'));
    const size = statSync(join(folder, 'part-00000.csv.gz')).size;
    expect(load.files[0]!.bytes).toBe(size);
    expect(load.bytes).toBe(size);
    const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      entries: [{ url: load.files[0]!.uri, mandatory: true, meta: { content_length: size, record_count: 10 } }],
      // What a replay needs to read the files back exactly (COPY reads only the entries).
      upshift: {
        version: 1,
        loadId,
        target: 'candy.candy_names',
        format: { kind: 'csv', gzip: true, delimiter: ',', quote: '"', nullAs: '\\N' },
        columns: columnNames,
        ordered: true,
        binary: 'postgres',
        rows: 10,
      },
    });
    expect(await stage.readManifest(load.manifestUri)).toEqual(manifest);
    const text = gunzipSync(readFileSync(join(folder, 'part-00000.csv.gz'))).toString('utf8');
    expect(text.split('\n').slice(0, 2)).toEqual([
      '0,"name 0, ""quoted""",0.25,2026-11-24 10:30:00.123456,t,1',
      '1,"name 1, ""quoted""",1.25,2026-11-24 10:30:00.123456,f,2',
    ]);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n').length - 1).toBe(10);
  });

  for (const compression of ['gzip', 'none'] as const) {
    it(`rolls parts in groups of \`slices\`, so the part count is a multiple of it (${compression})`, async () => {
      const stage = new LocalStage({ dir: join(tmp.dir, `groups-${compression}`), slices: 3, partBytes: 16 * 1024 });
      const n = 60_000;
      const load = await stage.writeRows(rows(n), opts({ compression }));
      expect(load.files.length).toBeGreaterThanOrEqual(6);
      expect(load.files.length % 3).toBe(0);
      expect(load.files.map((f) => f.uri.slice(f.uri.lastIndexOf('/') + 1))).toEqual(
        load.files.map((_, i) => `part-${String(i).padStart(5, '0')}.csv${compression === 'gzip' ? '.gz' : ''}`),
      );
      const seen = new Uint8Array(n + 1);
      let total = 0;
      for (const f of load.files) {
        expect(f.rows).toBeGreaterThan(0);
        expect(f.bytes).toBe(statSync(fileURLToPath(f.uri)).size);
        const lines = (await readStaged(stage, f.uri, compression)).toString('utf8').split('\n').slice(0, -1);
        expect(lines.length).toBe(f.rows);
        for (const line of lines) seen[Number(line.slice(line.lastIndexOf(',') + 1))]!++;
        total += lines.length;
      }
      expect(total).toBe(n);
      expect(seen.subarray(1).every((c) => c === 1)).toBe(true); // every ordinal exactly once
      expect((await stage.readManifest(load.manifestUri)).entries.map((e) => e.url)).toEqual(
        load.files.map((f) => f.uri),
      );
    });
  }

  it('onChunk gets every line once, as whole lines, with the part and line each chunk came from', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'tee'), slices: 3, partBytes: 16 * 1024 });
    const n = 60_000;
    const chunks: Array<{ text: string; at: ChunkOrigin }> = [];
    const load = await stage.writeRows(
      rows(n),
      opts({
        onChunk: (chunk, at) => {
          chunks.push({ text: chunk.toString('utf8'), at });
          return undefined;
        },
      }),
    );
    expect(load.files.length).toBeGreaterThanOrEqual(6);
    // Each chunk's lines are exactly the lines of its part at the lines it names.
    const partLines = new Map<string, string[]>();
    for (const f of load.files)
      partLines.set(f.uri, (await readStaged(stage, f.uri, 'gzip')).toString('utf8').split('\n').slice(0, -1));
    let total = 0;
    for (const { text, at } of chunks) {
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.split('\n').slice(0, -1);
      expect(lines.length).toBe(at.rows);
      expect(partLines.get(at.uri)!.slice(at.line - 1, at.line - 1 + at.rows)).toEqual(lines);
      total += lines.length;
    }
    expect(total).toBe(n);
  });

  it('a slow onChunk holds the writer back (backpressure) and its failure fails the load, leaving nothing', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'tee-slow'), slices: 2, partBytes: 8 * 1024 });
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 1));
      inFlight--;
    };
    const load = await stage.writeRows(rows(30_000), opts({ onChunk: () => slow() }));
    expect(load.rows).toBe(30_000);
    expect(maxInFlight).toBe(1); // never a second chunk while one is pending

    const loadId = newLoadId();
    let calls = 0;
    const refused = new Error('copy refused');
    const failing = stage.writeRows(
      rows(30_000),
      opts({ loadId, onChunk: () => (++calls === 3 ? Promise.reject(refused) : undefined) }),
    );
    await expect(failing).rejects.toBe(refused);
    expect(filesUnder(loadFolder(stage, loadId))).toEqual([]);
  });

  it('small loads: fewer rows than slices give one part per row; no rows give one empty part', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'small'), slices: 4 });
    const two = await stage.writeRows(rows(2), opts());
    expect(two.files.map((f) => f.rows)).toEqual([1, 1]);
    const none = await stage.writeRows([], opts());
    expect(none.rows).toBe(0);
    expect(none.files).toHaveLength(1);
    expect((await readStaged(stage, none.files[0]!.uri, 'gzip')).length).toBe(0);
    expect((await stage.readManifest(none.manifestUri)).entries).toHaveLength(1);
  });

  it('reads async iterables and reports progress', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'async') });
    async function* slow() {
      for (const r of rows(20_000)) yield r;
    }
    const seen: Progress[] = [];
    const load = await stage.writeRows(slow(), opts({ onProgress: (p) => seen.push({ ...p }) }));
    expect(load.rows).toBe(20_000);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.at(-1)).toMatchObject({ rows: 20_000, bytes: load.bytes });
    let text = 0;
    for (const f of load.files) text += (await readStaged(stage, f.uri, 'gzip')).length;
    expect(seen.at(-1)!.encodedBytes).toBe(text); // the CSV text, before gzip
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.rows).toBeGreaterThanOrEqual(seen[i - 1]!.rows);
  });

  it('a failing row source leaves no parts, temp files or manifest, and its error comes through', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'fail'), slices: 2, partBytes: 4096 });
    const loadId = newLoadId();
    const boom = new Error('source broke');
    async function* failing() {
      yield* rows(30_000);
      throw boom;
    }
    await expect(stage.writeRows(failing(), opts({ loadId }))).rejects.toBe(boom);
    expect(filesUnder(loadFolder(stage, loadId))).toEqual([]);
    expect(await stage.list(target, loadId)).toEqual([]);
  });

  it('a row that is not normalized fails with row, column, value and rule, and leaves nothing', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'encode-fail') });
    const loadId = newLoadId();
    const bad = [...rows(7000)];
    bad[6500] = [6500n, 'x', 12.5, '2026-11-24 10:30:00', true];
    const err = await stage.writeRows(bad, opts({ loadId })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageEncodeError);
    expect(err).toMatchObject({ rowIndex: 6500, column: 'price', value: 12.5, rule: 'normalized decimal' });
    expect((err as Error).message).toMatch(
      /^row 6500, column "price": is not a string.*value 12\.5; rule: normalized decimal/,
    );
    const short = await stage.writeRows([[1n, 'x']], opts()).catch((e: unknown) => e);
    expect((short as Error).message).toMatch(/row 0, column "\(row\)": has 2 values; the stage expects 5/);
    expect(filesUnder(loadFolder(stage, loadId))).toEqual([]);
  });

  it('lists, reads back and deletes a load', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'lrd'), slices: 2 });
    const load = await stage.writeRows(rows(100), opts());
    const listed = await stage.list(target, load.loadId);
    expect(listed).toEqual(load.files.map((f) => ({ uri: f.uri, bytes: f.bytes })));
    const back = Buffer.concat(await Promise.all(listed.map((f) => readStaged(stage, f.uri, 'gzip'))));
    expect(back.toString('utf8').split('\n').length - 1).toBe(100);
    await stage.delete(load);
    expect(await stage.list(target, load.loadId)).toEqual([]);
    expect(existsSync(fileURLToPath(load.manifestUri))).toBe(false);
    expect(existsSync(loadFolder(stage, load.loadId))).toBe(false);
    const err = await stage.read(load.files[0]!.uri).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpshiftStageError);
    expect(err).toMatchObject({ operation: 'read', key: fileURLToPath(load.files[0]!.uri) });
    await expect(stage.read('file:///etc/passwd')).rejects.toThrow(/only read files inside/);
  });

  it('stages already-encoded files as they are', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'files') });
    const a = Buffer.from('1,a\n2,b\n');
    const b = Buffer.from('3,c\n');
    const load = await stage.writeFiles([Readable.from([a]), Readable.from([b])], { target, extension: '.csv' });
    expect(load.compression).toBe('none');
    expect(load.rows).toBeUndefined();
    expect(load.files.map((f) => f.bytes)).toEqual([a.length, b.length]);
    expect(load.files.map((f) => readFileSync(fileURLToPath(f.uri)).toString())).toEqual([a.toString(), b.toString()]);
    expect(load.files[1]!.uri.endsWith('/part-00001.csv')).toBe(true);
    expect((await stage.readManifest(load.manifestUri)).entries.map((e) => e.meta?.content_length)).toEqual([
      a.length,
      b.length,
    ]);
    await expect(stage.writeFiles([], { target, extension: 'csv' })).rejects.toThrow(/must start with a dot/);
    await expect(stage.writeFiles([], { target, extension: '.csv' })).rejects.toThrow(/got no files/);
  });

  it('a storage failure names the file it was writing', async () => {
    const blocker = join(tmp.dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const stage = new LocalStage({ dir: blocker });
    const loadId = newLoadId();
    const err = await stage.writeRows(rows(10), opts({ loadId })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpshiftStageError);
    expect(err).toMatchObject({ operation: 'write', key: join(loadFolder(stage, loadId), 'part-00000.csv.gz') });
    expect((err as Error).message).toMatch(/ENOTDIR/);
  });

  it('refuses load ids it could not find again, and bad tuning', async () => {
    const stage = new LocalStage({ dir: join(tmp.dir, 'ids') });
    await expect(stage.writeRows(rows(1), opts({ loadId: '../../etc' }))).rejects.toThrow(/Use newLoadId\(\)/);
    expect(() => new LocalStage({ dir: tmp.dir, slices: 0 })).toThrow(/slices must be an integer from 1/);
    expect(() => new LocalStage({ dir: tmp.dir, gzipLevel: 11 })).toThrow(/gzipLevel/);
    await expect(stage.writeRows(rows(1), opts({ compression: 'zip' as 'gzip' }))).rejects.toThrow(
      /compression must be 'gzip', 'zstd' or 'none', got "zip"/,
    );
    await expect(stage.writeRows(rows(1), opts({ binary: 'hex' as 'postgres' }))).rejects.toThrow(
      /binary must be 'redshift' or 'postgres'/,
    );
  });
});

describe('newLoadId', () => {
  it('is unique and sorts in creation order, with the UTC date first', () => {
    const ids = Array.from({ length: 5000 }, () => newLoadId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    const fixed = newLoadId(new Date('2030-01-02T03:04:05.006Z'));
    expect(fixed.startsWith('20300102T030405006Z-')).toBe(true);
  });
});
