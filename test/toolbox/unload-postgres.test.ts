// unload() on the real Postgres with S3 on the local s3rver: single and parallel, CSV and
// Parquet, the round trip back through fromManifest, quoting and parameters, overwrite refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PostgresDatabase, S3Stage, fromManifest, type Source } from '../../src/index.js';
import { S3Files } from '../../src/toolbox/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';
import { everyType, everyTypeRows, NASTY } from './fixtures.js';

let s: TestSchema;
let db: PostgresDatabase;
let files: S3Files;
type Row = Record<string, unknown>;

beforeAll(async () => {
  s = await createTestSchema('unload_pg');
  const stage = new S3Stage({
    basePath: `s3://${TEST_BUCKET}/unload-pg/${s.schema}`,
    client: testS3Client(),
    slices: 3,
  });
  db = new PostgresDatabase({ connectionString: s.url, stage, auditSchema: `${s.schema}_audit` });
  files = S3Files.forStage(stage);
  const source = db.table(everyType(s.schema, 'src'));
  await source.create();
  await source.upsert(everyTypeRows(2000));
});
afterAll(async () => {
  await db.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await db.close();
  await s.drop();
});

const text = async (uri: string) => {
  const raw = Buffer.from(await (await files.download(uri)).toArray().then((c) => Buffer.concat(c as Buffer[])));
  return (uri.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
};
/** Rows in one table and not the other, both ways: empty when the two hold exactly the same rows. */
const difference = async (a: string, b: string) =>
  db.query<Row>(
    `(select * from ${a} except all select * from ${b}) union all (select * from ${b} except all select * from ${a})`,
  );

describe('unload on Postgres', () => {
  it('parallel (default): one file per slice, rows dealt evenly, manifest naming exactly them with sizes and row counts', async () => {
    const r = await db.unload(`select * from "${s.schema}".src order by id`, 'exports/parallel');
    expect(r.files.map((f) => f.uri)).toEqual(
      [0, 1, 2].map((i) => `s3://${TEST_BUCKET}/unload-pg/${s.schema}/exports/parallel/part-0000${i}.csv`),
    );
    expect(r.rows).toBe(2003);
    expect(r.files.map((f) => f.rows)).toEqual([668, 668, 667]);
    for (const f of r.files) expect(await files.size(f.uri)).toBe(f.bytes);
    const manifest = JSON.parse(await files.readText(r.manifestUri));
    expect(manifest.entries).toEqual(
      r.files.map((f) => ({ url: f.uri, mandatory: true, meta: { content_length: f.bytes, record_count: f.rows } })),
    );
    expect(manifest.meta).toEqual({ content_length: r.bytes, record_count: 2003 });
    const listed = (await files.list(r.target)).map((o) => o.uri).sort();
    expect(listed).toEqual([...r.files.map((f) => f.uri), r.manifestUri].sort());
  });

  it('single file, gzip, header and a custom delimiter', async () => {
    const r = await db.unload(
      `select id, vc from "${s.schema}".src where id < 3 order by id`,
      `s3://${TEST_BUCKET}/unload-pg/${s.schema}/single/`,
      { parallel: false, gzip: true, header: true, delimiter: '|' },
    );
    expect(r.files).toHaveLength(1);
    expect(r.files[0]!.uri).toMatch(/\/single\/part-00000\.csv\.gz$/);
    expect(await text(r.files[0]!.uri)).toBe('"id"|"vc"\n"0"|\\N\n"1"|""\n');
    expect(r.copyFormat).toEqual({ kind: 'csv', gzip: true, delimiter: '|', quote: '"', nullAs: '\\N', skipHeader: 1 });
  });

  it('maxFileSize rolls a file over at the limit', async () => {
    const r = await db.unload(`select * from "${s.schema}".src`, 'exports/small-files', {
      parallel: false,
      maxFileSize: 64 * 1024,
    });
    expect(r.files.length).toBeGreaterThan(3);
    expect(r.rows).toBe(2003);
    // Each file closes at the first row boundary past the limit (writes are ~64 KiB).
    for (const f of r.files.slice(0, -1)) expect(f.bytes).toBeGreaterThanOrEqual(64 * 1024);
  });

  it('round trip: unload a table, load the manifest into a twin, every value identical (NULL vs empty, bigint, decimals, timestamps, bytes)', async () => {
    const r = await db.unload(`select * from "${s.schema}".src`, 'exports/roundtrip', { gzip: true, header: true });
    const twin = db.table(everyType(s.schema, 'twin'));
    await twin.create();
    const loaded = await twin.loadFrom(fromManifest(r.manifestUri, { nullAs: '\\N' }), { mode: 'append' });
    expect(loaded.inserted).toBe(2003);
    expect(await difference(`"${s.schema}".src`, `"${s.schema}".twin`)).toEqual([]);
    // Spot checks, so "identical" is not vacuous.
    const [row1] = await db.query<Row>(`select vc, dec::text, tsz from "${s.schema}".twin where id = 1`);
    expect(row1).toEqual({
      vc: '',
      dec: '-1234567890123456789012345678.0123456789',
      tsz: new Date('2026-11-24T08:00:00.123Z'),
    });
    const nullsAndEmpties = `select count(*) filter (where vc is null)::int as nulls, count(*) filter (where vc = '')::int as empties from`;
    expect(await db.query<Row>(`${nullsAndEmpties} "${s.schema}".twin`)).toEqual([{ nulls: 1, empties: 135 }]);
    expect(await db.query<Row>(`select id from "${s.schema}".twin where id > 9007199254740992`)).toEqual([
      { id: 9007199254740993n },
    ]);
  });

  it('round trip through a Source of our own that COPYs the unloaded files as they are', async () => {
    const r = await db.unload(`select * from "${s.schema}".src`, 'exports/roundtrip-own', { gzip: true });
    const manifestSource: Source = {
      describe: () => `manifest ${r.manifestUri}`,
      async prepare(ctx) {
        const staged = {
          loadId: ctx.loadId,
          target: ctx.model,
          files: r.files.map((f) => ({ uri: f.uri, bytes: f.bytes })),
          manifestUri: r.manifestUri,
          bytes: r.bytes,
          compression: 'gzip' as const,
        };
        return { staged, format: r.copyFormat!, ordered: false, read: (uri) => files.download(uri) };
      },
    };
    const twin = db.table(everyType(s.schema, 'twin_own'));
    await twin.create();
    await twin.loadFrom(manifestSource, { mode: 'append' });
    expect(await difference(`"${s.schema}".src`, `"${s.schema}".twin_own`)).toEqual([]);
  });

  it('Parquet: typed columns (INT64, DECIMAL, TIMESTAMP micros, DATE, BOOLEAN, bytes), read back exactly, and loaded back', async () => {
    const r = await db.unload(
      `select id, i4, money, b, d, ts, tsz, vc, vb from "${s.schema}".src where id <= 1 or id = 105 order by id`,
      'exports/parquet',
      { format: 'parquet', parallel: false },
    );
    expect(r.files).toHaveLength(1);
    const buf = Buffer.concat((await (await files.download(r.files[0]!.uri)).toArray()) as Buffer[]);
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const meta = parquetMetadata(file);
    const types = Object.fromEntries(
      meta.schema.slice(1).map((e) => [e.name, [e.type, e.converted_type].filter(Boolean).join('/')]),
    );
    expect(types).toEqual({
      id: 'INT64',
      i4: 'INT32',
      money: 'INT64/DECIMAL',
      b: 'BOOLEAN',
      d: 'INT32/DATE',
      ts: 'INT64/TIMESTAMP_MICROS',
      tsz: 'INT64/TIMESTAMP_MICROS',
      vc: 'BYTE_ARRAY/UTF8',
      vb: 'BYTE_ARRAY',
    });
    const rows = await parquetReadObjects({ file, utf8: false });
    expect(rows.map((x) => x.id)).toEqual([0n, 1n, 105n]);
    expect(rows[0]).toMatchObject({ i4: null, money: null, b: null, vc: null, vb: null });
    expect(rows[1]).toMatchObject({
      i4: 2147483647,
      money: 9999999999.99,
      b: false,
      vc: '',
      d: new Date('0001-01-01T00:00:00Z'),
      vb: new Uint8Array([]),
    });
    expect(rows[2]).toMatchObject({
      i4: -5,
      money: 5.05,
      b: false,
      vc: NASTY[5],
      tsz: new Date(Date.UTC(2026, 10, 24, 0, 0, 5, 5)),
      vb: new Uint8Array([5, 0, 92]),
    });
    expect(r.rows).toBe(3);
    // Timestamps keep their microseconds (read as raw INT64 micros here).
    const micros = await parquetReadObjects({
      file,
      columns: ['ts', 'tsz'],
      parsers: { timestampFromMicroseconds: ((v: bigint) => v) as never },
    });
    expect(micros[1]).toEqual({
      ts: BigInt(Date.UTC(1999, 11, 31, 23, 59, 59)) * 1000n + 999999n,
      tsz: BigInt(Date.UTC(2026, 10, 24, 8)) * 1000n + 123456n,
    });
    // ...and fromManifest reads the Parquet back into a table: the same rows, decimals exact,
    // timestamps with their microseconds, bytes as bytes (the sources read Parquet exactly).
    const cols = 'id, i2, i4, dec, money, r4, f8, b, ch, d, ts, tsz, vc, sup, vb';
    const pq = await db.unload(`select ${cols} from "${s.schema}".src`, 'exports/parquet-all', { format: 'parquet' });
    const back = db.table(everyType(s.schema, 'from_parquet'));
    await back.create();
    await back.loadFrom(fromManifest(pq.manifestUri), { mode: 'append' });
    const diff = await difference(
      `(select ${cols} from "${s.schema}".src) a`,
      `(select ${cols} from "${s.schema}".from_parquet) b`,
    );
    expect(diff).toEqual([]);
  });

  it('a query with quotes, a $1 inside a string, comments and parameters: parameters inlined, literals left alone', async () => {
    const r = await db.unload(
      `select id, vc, '$1 stays' as lit, $2::text as p2 /* $1 in a comment */ from "${s.schema}".src where vc = $1 -- and $2 here\n order by id limit 1`,
      'exports/params',
      { params: ["it's", "a 'quoted' \\ value"], parallel: false },
    );
    expect(await text(r.files[0]!.uri)).toBe(`"104","it's","$1 stays","a 'quoted' \\ value"\n`);
  });

  it('a Kysely query: compiled and its parameters inlined', async () => {
    const k = new Kysely<Record<string, { id: bigint; vc: string | null }>>({
      dialect: new PostgresDialect({ pool: s.pool }),
    });
    const q = k
      .selectFrom(`${s.schema}.src` as never)
      .select(['id', sql<string>`vc || ${'!'}`.as('shout')] as never)
      .where('vc' as never, '=', 'say "hi"' as never)
      .orderBy('id' as never)
      .limit(2);
    const r = await db.unload(q, 'exports/kysely', { parallel: false });
    expect(await text(r.files[0]!.uri)).toBe('"105","say ""hi""!"\n"120","say ""hi""!"\n');
  });

  it('refuses a target that already holds objects unless allowOverwrite', async () => {
    const q = `select id from "${s.schema}".src where id = 1`;
    await db.unload(q, 'exports/twice', { parallel: false });
    await expect(db.unload(q, 'exports/twice', { parallel: false })).rejects.toThrow(
      /exports\/twice\/ is not empty \(it holds .*\); pass allowOverwrite|allowOverwrite: true/,
    );
    const again = await db.unload(`select id from "${s.schema}".src where id = 0`, 'exports/twice', {
      parallel: false,
      allowOverwrite: true,
    });
    expect(await text(again.files[0]!.uri)).toBe('"0"\n');
    // A prefix is S3's: 'exports/twic' is not empty either; but 'exports/twice2' is.
    await expect(db.unload(q, `s3://${TEST_BUCKET}/unload-pg/${s.schema}/exports/twic`)).resolves.toBeDefined();
  });

  it('clear errors: bad options, a bad query, a relative path escaping the base', async () => {
    await expect(db.unload('select 1', 'x/y', { format: 'parquet', gzip: true })).rejects.toThrow(
      /gzip, header and delimiter apply to CSV only/,
    );
    await expect(db.unload('select 1', 'x/y', { delimiter: '||' })).rejects.toThrow(/delimiter must be one character/);
    await expect(db.unload('select 1', '../up')).rejects.toThrow(/no empty, '.' or '..' segments/);
    await expect(db.unload('select $1, $2', 'x/z', { params: [1] })).rejects.toThrow(/uses \$2 but 1 parameter/);
    await expect(db.unload('select nope from nowhere', 'x/q')).rejects.toThrow(/nowhere/);
    // The pool still works after a failed export.
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
  });
});
