// The toolbox on embedded PGlite: unload (cursor-streamed) to S3 and to a local stage, the round
// trip, Parquet, hooks and ANALYZE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parquetReadObjects } from 'hyparquet';
import {
  LocalStage,
  LoadVetoedError,
  PgliteDatabase,
  S3Stage,
  fromManifest,
  type AuditRecord,
} from '../../src/index.js';
import { S3Files } from '../../src/toolbox/index.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';
import { everyType, everyTypeRows } from './fixtures.js';

let dir: string;
let db: PgliteDatabase;
let files: S3Files;
const records: AuditRecord[] = [];
type Row = Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upshift-tb-pglite-'));
  const stage = new S3Stage({
    basePath: `s3://${TEST_BUCKET}/toolbox-pglite/${Date.now().toString(36)}`,
    client: testS3Client(),
    slices: 2,
  });
  db = new PgliteDatabase({
    stage,
    hooks: {
      afterLoad: (r) => {
        records.push(r);
      },
    },
  });
  files = S3Files.forStage(stage);
  const src = db.table(everyType('tb', 'src'));
  await src.create();
  await src.upsert(everyTypeRows(3000));
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const difference = (a: string, b: string) =>
  db.query<Row>(
    `(select * from ${a} except all select * from ${b}) union all (select * from ${b} except all select * from ${a})`,
  );

describe('toolbox on PGlite', () => {
  it('unloads through a cursor in batches, parallel across slices, and loads back exactly', async () => {
    const r = await db.unload('select * from tb.src', 'exports/rt', { gzip: true, header: true });
    expect(r.rows).toBe(3003);
    expect(r.files.map((f) => f.rows)).toEqual([1502, 1501]);
    const twin = db.table(everyType('tb', 'twin'));
    await twin.create();
    await twin.loadFrom(fromManifest(r.manifestUri, { nullAs: '\\N' }), { mode: 'append' });
    expect(await difference('tb.src', 'tb.twin')).toEqual([]);
    expect(await db.query<Row>(`select count(*)::int as n from tb.twin where vc = ''`)).toEqual([{ n: 201 }]);
  });

  it('an in-memory PgliteDatabase keeps its type parsers (int8 as bigint even when small)', async () => {
    expect(await db.query('select 1::int8 as a')).toEqual([{ a: 1n }]);
  });

  it('writes the same bytes as Postgres COPY would: every value quoted, NULL as \\N', async () => {
    const r = await db.unload(`select id, vc, b, d from tb.src where id < 2 order by id`, 'exports/bytes', {
      parallel: false,
    });
    expect(await files.readText(r.files[0]!.uri)).toBe('"0",\\N,\\N,\\N\n"1","","f","0001-01-01"\n');
  });

  it('keeps a value that starts with U+FEFF (PGlite drops it from every text field it returns), and columns with one name', async () => {
    const r = await db.unload(`select U&'\\FEFFbom' as a, 'x' as a, null::text as b, 7::int8 as n`, 'exports/bom', {
      parallel: false,
    });
    expect(await files.readText(r.files[0]!.uri)).toBe('"\uFEFFbom","x",\\N,"7"\n');
  });

  it('Parquet from PGlite (no typmods: decimals as exact text)', async () => {
    const r = await db.unload('select id, money, tsz, sup from tb.src where id = 1', 'exports/pq', {
      format: 'parquet',
    });
    const buf = Buffer.concat((await (await files.download(r.files[0]!.uri)).toArray()) as Buffer[]);
    const rows = await parquetReadObjects({
      file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength),
    });
    expect(rows).toEqual([
      {
        id: 1n,
        money: '9999999999.99',
        tsz: new Date('2026-11-24T08:00:00.123Z'),
        sup: { a: [1, 'x'], n: null, s: '' },
      },
    ]);
  });

  it('to a local stage folder when the stage is a LocalStage', async () => {
    const local = new PgliteDatabase({ pglite: db.db, stage: new LocalStage({ dir: join(dir, 'stage') }) });
    const r = await local.unload('select id from tb.src where id < 2 order by id', 'out/ids', { parallel: false });
    expect(r.files[0]!.uri).toBe(`file://${join(dir, 'stage', 'out', 'ids', 'part-00000.csv')}`);
    expect(readFileSync(fileURLToPath(r.files[0]!.uri), 'utf8')).toBe('"0"\n"1"\n');
    expect(JSON.parse(readFileSync(fileURLToPath(r.manifestUri), 'utf8')).entries).toHaveLength(1);
    await expect(local.unload('select 1', 'out/ids')).rejects.toThrow(/is not empty/);
  });

  it('hooks and ANALYZE on PGlite: a veto leaves the table as it was; ANALYZE runs', async () => {
    const table = db.table(everyType('tb', 'hooked'), {
      hooks: {
        beforeLoad: (c) => {
          if (c.mode === 'replace') throw new Error('no replaces today');
        },
      },
    });
    await table.create();
    const ok = await table.upsert([{ id: 1n, vc: 'a' }], { analyze: true });
    expect(ok.maintenance).toMatchObject([{ operation: 'analyze', status: 'done' }]);
    expect(records.at(-1)).toMatchObject({ loadId: ok.loadId, status: 'succeeded' });
    await expect(table.replace([{ id: 2n }])).rejects.toBeInstanceOf(LoadVetoedError);
    expect(records.at(-1)).toMatchObject({ status: 'failed', mode: 'replace', stageUris: [] });
    expect(await db.query<Row>('select id, vc from tb.hooked')).toEqual([{ id: 1n, vc: 'a' }]);
    const [analyzed] = await db.query<Row>(
      `select count(*)::int as n from pg_stats where schemaname = 'tb' and tablename = 'hooked'`,
    );
    expect(analyzed!.n).toBeGreaterThan(0);
  });
});
