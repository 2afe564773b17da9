// Every source, loaded the same way into each warehouse with a connection here (Postgres,
// PGlite): formats, matching, order rules, and wrong inputs that must leave the target unchanged.
import { expect, it } from 'vitest';
import type { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  tableFromArrays,
  vectorFromArray,
  TimestampMillisecond,
  Utf8,
  Bool,
  Float64,
  Int64,
  Table,
} from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  DuplicateKeyError,
  LoadError,
  fromDataFrame,
  fromLocalFile,
  fromManifest,
  fromPostgresQuery,
  fromS3File,
  fromS3Path,
  type BoundTable,
  type Source,
} from '../../src/index.js';
import type { Warehouse } from '../../src/warehouse/index.js';
import { CANDY_CSV, CANDY_ROWS, candyModel, compress, putObject, writeLocal } from './fixtures.js';

type Candy = ReturnType<typeof candyModel>;
type Row = Record<string, unknown>;

export interface SourceHarness {
  db: Warehouse & { table: <T extends Candy>(m: T) => BoundTable<T> };
  schema: string;
  s3: S3Client;
  bucket: string;
  /** A key prefix of this test file's own. */
  prefix: string;
  /** Options every S3 source gets here ({ client } when the stage is local). */
  s3Options: { client?: S3Client };
  /** The real Postgres holding query sources, and a schema there for their tables. */
  sourceUrl: string;
  sourceSchema: string;
}

export function sourcesBehaviour(get: () => SourceHarness) {
  let n = 0;
  const fresh = async (name: string) => {
    const h = get();
    const model = candyModel(h.schema, `${name}_${++n}`);
    const table = h.db.table(model);
    await table.create();
    const dir = mkdtempSync(join(tmpdir(), 'upshift-src-'));
    const key = (k: string) => `${h.prefix}/${model.name}/${k}`;
    const put = (k: string, body: string | Buffer) => putObject(h.s3, h.bucket, key(k), body);
    // SUPER reads back as JSON text over Redshift's wire protocol (parsed jsonb on Postgres).
    const rows = async () =>
      (
        await h.db.query<Row>(
          `select id, name, price, active, tags, updated_at from "${h.schema}"."${model.name}" order by id`,
        )
      ).map((r): Row =>
        h.db.dialect.name === 'redshift' && typeof r.tags === 'string'
          ? { ...r, tags: JSON.parse(r.tags) as unknown }
          : r,
      );
    const ids = async () =>
      (await h.db.query<Row>(`select id from "${h.schema}"."${model.name}" order by id`)).map((r) => r.id);
    return { ...h, model, table, dir, key, put, rows, ids, folder: `s3://${h.bucket}/${key('')}` };
  };
  const audit = async (db: Warehouse, table: string) =>
    db.query<Row>(
      `select status, source, error from "${db.auditSchema}".load_audit where target_table = $1 order by started_at`,
      [table],
    );

  /** The load fails with a LoadError matching `expected`; the target keeps its one seeded row; the failed audit row says why. */
  const failsCleanly = async (
    f: Awaited<ReturnType<typeof fresh>>,
    source: Source,
    expected: Partial<Record<'file' | 'line' | 'column' | 'value', unknown>>,
    message: RegExp,
  ) => {
    await f.table.upsert([{ id: 100n, name: 'seed', updated_at: '2026-01-01T00:00:00Z' }]);
    // partial: most inputs here give some columns only; a whole-row upsert would refuse them before their own errors.
    const err = await f.table.loadFrom(source, { partial: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect(err).toMatchObject(expected);
    expect((err as Error).message).toMatch(message);
    expect(await f.ids()).toEqual([100n]);
    const a = await audit(f.db, f.model.qualifiedName);
    expect(a.at(-1)).toMatchObject({ status: 'failed', source: source.describe() });
    expect(String(a.at(-1)!.error)).toMatch(message);
  };

  // ---- local files -------------------------------------------------------------------------------

  it('local CSV: header matched by name (any order, any case), quoting, NULL vs "", gzip detected by its bytes, last line wins', async () => {
    const f = await fresh('local_csv');
    const path = writeLocal(f.dir, 'candy.csv', compress.gzip(CANDY_CSV)); // gzip, though named .csv
    const progress: number[] = [];
    const r = await f.table.loadFrom(fromLocalFile(path), { onProgress: (p) => progress.push(p.rows) });
    expect(r).toMatchObject({ staged: 4, inserted: 3, duplicates: 1 });
    expect(await f.rows()).toEqual(CANDY_ROWS);
    expect(progress.at(-1)).toBe(4);
    expect((await audit(f.db, f.model.qualifiedName))[0]).toMatchObject({
      status: 'succeeded',
      source: `local file: ${path} (csv)`,
    });
  });

  it('local CSV without header: a column list, another delimiter and quote; zstd and bzip2 files', async () => {
    const f = await fresh('local_opts');
    const text = "7;'semi;colon';2026-11-24T00:00:00Z\n8;'it''s';2026-11-24T00:00:01Z\n";
    const opts = { header: false, columns: ['id', 'name', 'updated_at'], delimiter: ';', quote: "'" };
    await f.table.loadFrom(fromLocalFile(writeLocal(f.dir, 'a.csv.zst', compress.zstd(text)), opts), { partial: true });
    await f.table.loadFrom(
      fromLocalFile(
        writeLocal(f.dir, 'b.csv.bz2', compress.bzip2(text.replace(/^7/, '9').replace(/\n8/, '\n10'))),
        opts,
      ),
      { partial: true },
    );
    expect((await f.rows()).map((r) => [r.id, r.name])).toEqual([
      [7n, 'semi;colon'],
      [8n, "it's"],
      [9n, 'semi;colon'],
      [10n, "it's"],
    ]);
  });

  it('local JSON lines (format from the name): keys are columns, SUPER keeps JSON, bigint beyond 2^53 as a string', async () => {
    const f = await fresh('local_jsonl');
    const lines = [
      { id: '9007199254740993', name: 'big', tags: { nested: [1, 'two'] }, updated_at: '2026-11-24T00:00:00Z' },
      { id: 2, name: null, price: 3.5, active: false, updated_at: '2026-11-24T00:00:00Z' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    await f.table.loadFrom(fromLocalFile(writeLocal(f.dir, 'rows.jsonl.gz', compress.gzip(lines))));
    expect((await f.rows()).map((r) => [r.id, r.name, r.price, r.active, r.tags])).toEqual([
      [2n, null, '3.50', false, null],
      [9007199254740993n, 'big', null, null, { nested: [1, 'two'] }],
    ]);
  });

  it('local file errors: missing file', async () => {
    const f = await fresh('err_missing');
    const path = join(f.dir, 'nope.csv');
    await failsCleanly(f, fromLocalFile(path), { file: path }, /nope\.csv: no such file|nope\.csv.*no such file/);
  });

  it('local file errors: an unknown column and a missing required column name the column', async () => {
    const f = await fresh('err_columns');
    await failsCleanly(
      f,
      fromLocalFile(writeLocal(f.dir, 'u.csv', 'id,colour,updated_at\n1,red,2026-11-24T00:00:00Z\n')),
      { column: 'colour' },
      /column "colour".*is not a column of/,
    );
    // A header named like an Object.prototype member is not a column either.
    await failsCleanly(
      f,
      fromLocalFile(writeLocal(f.dir, 'proto.csv', 'id,constructor,updated_at\n1,red,2026-11-24T00:00:00Z\n')),
      { column: 'constructor' },
      /column "constructor".*is not a column of/,
    );
    await failsCleanly(
      f,
      fromLocalFile(writeLocal(f.dir, 'm.csv', 'id,name\n1,x\n')),
      { column: 'updated_at' },
      /column "updated_at".*missing from the file/,
    );
  });

  it('local file errors: malformed CSV and a type mismatch name file, line, column and value', async () => {
    const f = await fresh('err_rows');
    const bad = writeLocal(
      f.dir,
      'bad.csv',
      'id,name,updated_at\n1,ok,2026-11-24T00:00:00Z\n2,"unclosed,2026-11-24T00:00:00Z\n',
    );
    await failsCleanly(f, fromLocalFile(bad), { file: bad }, /malformed CSV/);
    const typed = writeLocal(
      f.dir,
      'typed.csv',
      'id,price,updated_at\n1,1.00,2026-11-24T00:00:00Z\n2,1.234,2026-11-24T00:00:00Z\n',
    );
    await failsCleanly(
      f,
      fromLocalFile(typed),
      { file: typed, line: 3, column: 'price', value: '1.234' },
      /line 3, column "price", value "1.234".*decimal\(10,2\) scale/,
    );
    const fields = writeLocal(f.dir, 'fields.csv', 'id,name,updated_at\n1,a,2026-11-24T00:00:00Z,extra\n');
    await failsCleanly(f, fromLocalFile(fields), { file: fields, line: 2 }, /has 4 fields; expected 3/);
  });

  it('local file errors: a file that claims gzip but is not', async () => {
    const f = await fresh('err_gzip');
    const broken = Buffer.concat([compress.gzip(CANDY_CSV).subarray(0, 20), Buffer.from('not gzip at all')]);
    const path = writeLocal(f.dir, 'broken.csv.gz', broken);
    await failsCleanly(f, fromLocalFile(path), { file: path }, /gzip-compressed.*cannot be decompressed/);
  });

  it('trusted local file: uploaded as is, no load order: duplicates fail naming keys, orderBy picks the winner', async () => {
    const f = await fresh('trusted');
    const csv =
      '1,a,\\N,\\N,\\N,2026-11-24 00:00:01\n1,b,\\N,\\N,\\N,2026-11-24 00:00:02\n2,"",1.00,t,"[1]",2026-11-24 00:00:00\n';
    const path = writeLocal(f.dir, 'stage-dialect.csv.gz', compress.gzip(csv));
    const err = await f.table.loadFrom(fromLocalFile(path, { trusted: true })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateKeyError);
    expect((err as Error).message).toMatch(/same upsert key \(id\).*"id":"1"/);
    const r = await f.table.loadFrom(fromLocalFile(path, { trusted: true }), { orderBy: 'updated_at' });
    expect(r).toMatchObject({ staged: 3, inserted: 2 });
    expect((await f.rows()).map((x) => [x.id, x.name, x.price, x.active, x.tags])).toEqual([
      [1n, 'b', null, null, null],
      [2n, '', '1.00', true, [1]],
    ]);
  });

  // ---- text encodings ----------------------------------------------------------------------------

  it('local CSV not in UTF-8 is refused naming file, line, column and byte offset (it was stored as U+FFFD); encoding: latin1 loads it exactly', async () => {
    const f = await fresh('enc_latin1');
    const body = Buffer.from(
      'id,name,updated_at\n1,"café",2026-11-24T00:00:00Z\n2,"Müller ß £",2026-11-24T00:00:00Z\n',
      'latin1',
    );
    const path = writeLocal(f.dir, 'latin1.csv', body);
    await failsCleanly(
      f,
      fromLocalFile(path),
      { file: path, line: 2, column: 'name' },
      new RegExp(
        `character 7 of the line \\(byte offset ${body.indexOf(0xe9)}\\) is not valid UTF-8.*encoding: 'latin1'`,
      ),
    );
    const gz = writeLocal(f.dir, 'latin1.csv.gz', compress.gzip(body));
    await failsCleanly(f, fromLocalFile(gz), { file: gz, line: 2, column: 'name' }, /is not valid UTF-8/);
    await failsCleanly(
      f,
      fromLocalFile(gz, { trusted: true, header: true, encoding: 'latin1' }),
      { file: gz },
      /trusted files are uploaded as they are.*drop trusted/,
    );
    await f.table.loadFrom(fromLocalFile(gz, { encoding: 'latin1' }), { partial: true });
    expect((await f.rows()).map((r) => [r.id, r.name])).toEqual([
      [1n, 'café'],
      [2n, 'Müller ß £'],
      [100n, 'seed'],
    ]);
  });

  it('local JSON lines: invalid UTF-8 refused by line; a UTF-8 BOM at the start is skipped (as in CSV); windows-1252 read when asked', async () => {
    const f = await fresh('enc_jsonl');
    const line = (id: number, name: string) => `{"id":${id},"name":"${name}","updated_at":"2026-11-24T00:00:00Z"}\n`;
    const cp1252 = Buffer.concat([
      Buffer.from(line(1, 'ok')),
      Buffer.from(line(2, '\u201Cquoted\u201D'), 'latin1').map((b) => (b === 0x1c ? 0x93 : b === 0x1d ? 0x94 : b)),
    ]);
    const bad = writeLocal(f.dir, 'cp1252.jsonl', cp1252);
    await failsCleanly(
      f,
      fromLocalFile(bad),
      { file: bad, line: 2 },
      /character 17 of the line .* is not valid UTF-8: bytes 0x93/,
    );
    await f.table.loadFrom(fromLocalFile(bad, { encoding: 'windows-1252' }), { partial: true });
    await f.table.loadFrom(
      fromLocalFile(
        writeLocal(
          f.dir,
          'bom.jsonl',
          Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(line(3, 'after a BOM'))]),
        ),
      ),
      { partial: true },
    );
    expect((await f.rows()).map((r) => [r.id, r.name])).toEqual([
      [1n, 'ok'],
      [2n, '“quoted”'],
      [3n, 'after a BOM'],
      [100n, 'seed'],
    ]);
  });

  it('local files: a UTF-16 file and a NUL byte are refused by place, and the failed load has its audit row', async () => {
    const f = await fresh('enc_nul');
    const utf16 = writeLocal(
      f.dir,
      'utf16.csv',
      Buffer.from('id,name,updated_at\n1,a,2026-11-24T00:00:00Z\n', 'utf16le'),
    );
    await failsCleanly(
      f,
      fromLocalFile(utf16),
      { file: utf16, line: 1 },
      /byte offset 1, field 1 of the header\) is a NUL byte.*UTF-16/,
    );
    const nul = writeLocal(f.dir, 'nul.csv', 'id,name,updated_at\n1,"a\u0000b",2026-11-24T00:00:00Z\n');
    await failsCleanly(f, fromLocalFile(nul), { file: nul, line: 2, column: 'name' }, /is a NUL byte/);
  });

  it('local CSV: a lone CR between a closing quote and the delimiter is malformed (it loaded "a\\r"); CRLF files load', async () => {
    const f = await fresh('csv_cr');
    const bad = writeLocal(
      f.dir,
      'cr.csv',
      'id,name,updated_at\r\n1,"ok",2026-11-24T00:00:00Z\r\n2,"a"\r,2026-11-24T00:00:00Z\r\n',
    );
    await failsCleanly(
      f,
      fromLocalFile(bad),
      { file: bad, line: 3, column: 'name' },
      /malformed CSV: characters after a closing quote/,
    );
    await f.table.loadFrom(
      fromLocalFile(
        writeLocal(
          f.dir,
          'crlf.csv',
          'id,name,updated_at\r\n1,"a",2026-11-24T00:00:00Z\r\n2,"b\r\nc",2026-11-24T00:00:00Z\r\n',
        ),
      ),
      { partial: true },
    );
    expect((await f.rows()).map((r) => [r.id, r.name])).toEqual([
      [1n, 'a'],
      [2n, 'b\r\nc'],
      [100n, 'seed'],
    ]);
  });

  it('S3 files: encoding other than UTF-8 is decoded and re-staged on every warehouse; validate: true decodes strictly (CSV, JSON lines, Parquet strings)', async () => {
    const f = await fresh('enc_s3');
    const cp1252 = Buffer.concat([
      Buffer.from('id,name,updated_at\n1,"'),
      Buffer.from([0x93, 0x68, 0x69, 0x94, 0x20, 0x80]),
      Buffer.from('",2026-11-24T00:00:00Z\n'),
    ]);
    const uri = await f.put('cp1252.csv.gz', compress.gzip(cp1252));
    await f.table.loadFrom(fromS3File(uri, { ...f.s3Options, encoding: 'windows-1252' }), { partial: true });
    expect((await f.rows()).map((r) => [r.id, r.name])).toEqual([[1n, '“hi” €']]);
    const g = await fresh('enc_s3_strict');
    await failsCleanly(
      g,
      fromS3File(uri, { ...f.s3Options, validate: true }),
      { file: uri, line: 2, column: 'name' },
      /character 4 of the line .* is not valid UTF-8: bytes 0x93/,
    );
    const jsonl = await f.put(
      'bad.jsonl',
      Buffer.concat([
        Buffer.from('{"id":1,"name":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('","updated_at":"2026-11-24T00:00:00Z"}\n'),
      ]),
    );
    await failsCleanly(
      g,
      fromS3File(jsonl, { ...f.s3Options, validate: true }),
      { file: jsonl, line: 1 },
      /byte offset 19\) is not valid UTF-8/,
    );
    const parquet = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: [1n, 2n], type: 'INT64' },
          { name: 'name', data: ['fine', Buffer.from([0x63, 0x61, 0x66, 0xe9]) as unknown as string], type: 'STRING' },
          { name: 'updated_at', data: [new Date(0), new Date(0)], type: 'TIMESTAMP' },
        ],
      }),
    );
    const pq = await f.put('bad.parquet', parquet);
    await failsCleanly(
      g,
      fromS3File(pq, { ...f.s3Options, validate: true }),
      { file: pq, line: 2, column: 'name' },
      /line 2, column "name", value "caf.": byte 3 of the value is not valid UTF-8.*0xE9/,
    );
    await expect(f.table.loadFrom(fromS3File(pq, { ...f.s3Options, encoding: 'latin1' }))).rejects.toThrow(
      /Parquet.*encoding option \(latin1\) is for CSV and JSON lines/,
    );
  });

  it('S3 CSV read by COPY itself (not re-staged): invalid UTF-8 is refused by the warehouse, naming the S3 file and line', async () => {
    const f = await fresh('enc_s3_copy');
    const uri = await f.put(
      'bad.csv',
      Buffer.concat([
        Buffer.from('id,name,updated_at\n1,"ok",2026-11-24T00:00:00Z\n2,"caf'),
        Buffer.from([0xe9]),
        Buffer.from('",2026-11-24T00:00:00Z\n'),
      ]),
    );
    await failsCleanly(
      f,
      fromS3File(uri, f.s3Options),
      { file: uri, line: 3 },
      /invalid byte sequence for encoding "UTF8"|invalid or unsupported UTF8/,
    );
  });

  // ---- S3 ----------------------------------------------------------------------------------------

  it('S3 file: gzip CSV streamed into COPY, header matched by name, no load order (orderBy decides)', async () => {
    const f = await fresh('s3_file');
    const uri = await f.put('candy.csv.gz', compress.gzip(CANDY_CSV));
    const source = fromS3File(uri, f.s3Options);
    await expect(f.table.loadFrom(source)).rejects.toThrow(DuplicateKeyError);
    const progress: number[] = [];
    const r = await f.table.loadFrom(source, { orderBy: 'updated_at', onProgress: (p) => progress.push(p.bytes) });
    expect(r).toMatchObject({ staged: 4, inserted: 3, duplicates: 1, stageUris: [uri] });
    expect(await f.rows()).toEqual(CANDY_ROWS);
    expect(progress.at(-1)).toBeGreaterThan(0);
    expect((await audit(f.db, f.model.qualifiedName)).at(-1)).toMatchObject({
      status: 'succeeded',
      source: `S3 file: ${uri}`,
    });
  });

  it('S3 path: every file under the folder (nested too), never the sibling prefix_old, _SUCCESS skipped; zstd and bzip2 read', async () => {
    const f = await fresh('s3_path');
    const header = 'id,name,updated_at\n';
    await f.put('data/part-1.csv.zst', compress.zstd(`${header}1,one,2026-11-24T00:00:00Z\n`));
    await f.put('data/day=2/part-2.csv.bz2', compress.bzip2(`${header}2,two,2026-11-24T00:00:00Z\n`));
    await f.put('data/part-3.csv', `${header}3,three,2026-11-24T00:00:00Z\n`);
    await f.put('data/_SUCCESS', '');
    await f.put('data_old/part-1.csv', `${header}666,old,2026-11-24T00:00:00Z\n`);
    if (f.db.dialect.name === 'redshift') {
      // One Redshift COPY takes one compression option: mixed files are refused before COPY, by name.
      await expect(f.table.loadFrom(fromS3Path(`${f.folder}data`, f.s3Options), { partial: true })).rejects.toThrow(
        /is (zstd|bzip2|uncompressed), unlike/,
      );
      expect(await f.ids()).toEqual([]);
      return;
    }
    const r = await f.table.loadFrom(fromS3Path(`${f.folder}data`, f.s3Options), { partial: true });
    expect(r.staged).toBe(3);
    expect(await f.ids()).toEqual([1n, 2n, 3n]);
  });

  it('S3 manifest: exactly the files it names; a missing mandatory file fails naming it', async () => {
    const f = await fresh('s3_manifest');
    const header = 'id,name,updated_at\n';
    const a = await f.put('m/a.csv', `${header}1,a,2026-11-24T00:00:00Z\n`);
    await f.put('m/b.csv', `${header}2,b,2026-11-24T00:00:00Z\n`);
    const c = await f.put('m/c.csv.gz', compress.gzip(`${header}3,c,2026-11-24T00:00:00Z\n`));
    // Redshift: one COPY, one compression, so the manifest names files compressed alike there.
    const second = f.db.dialect.name === 'redshift' ? await f.put('m/c.csv', `${header}3,c,2026-11-24T00:00:00Z\n`) : c;
    const manifest = await f.put(
      'm/load.manifest',
      JSON.stringify({
        entries: [
          { url: a, mandatory: true },
          { url: second, mandatory: true },
          { url: `${f.folder}m/optional-missing.csv`, mandatory: false },
        ],
      }),
    );
    await f.table.loadFrom(fromManifest(manifest, f.s3Options), { partial: true });
    expect(await f.ids()).toEqual([1n, 3n]);
    const missing = `${f.folder}m/gone.csv`;
    const bad = await f.put(
      'm/bad.manifest',
      JSON.stringify({
        entries: [
          { url: a, mandatory: true },
          { url: missing, mandatory: true },
        ],
      }),
    );
    const g = await fresh('s3_manifest_bad');
    await failsCleanly(g, fromManifest(bad, f.s3Options), { file: missing }, /gone\.csv.*mandatory.*no such S3 object/);
  });

  it('S3 errors: a missing object, an empty folder, a type mismatch caught by COPY (file, line, column, value)', async () => {
    const f = await fresh('s3_errors');
    await failsCleanly(
      f,
      fromS3File(`${f.folder}absent.csv`, f.s3Options),
      { file: `${f.folder}absent.csv` },
      /absent\.csv: no such S3 object|absent\.csv.*no such S3 object/,
    );
    await f.put('empty_old/x.csv', 'id\n');
    await failsCleanly(
      f,
      fromS3Path(`${f.folder}empty`, f.s3Options),
      { file: `${f.folder}empty/` },
      /has no data files/,
    );
    const uri = await f.put(
      'typed.csv.gz',
      compress.gzip('id,price,updated_at\n1,1.00,2026-11-24T00:00:00Z\n2,abc,2026-11-24T00:00:00Z\n'),
    );
    await failsCleanly(
      f,
      fromS3File(uri, f.s3Options),
      { file: uri, line: 3, column: 'price', value: 'abc' },
      /line 3, column "price", value "abc"/,
    );
  });

  it('S3 CSV is read by COPY under its own rules (extra decimals rounded); validate: true refuses them, naming file and line', async () => {
    const f = await fresh('s3_validate');
    const uri = await f.put('round.csv', 'id,price,updated_at\n1,1.234,2026-11-24T00:00:00Z\n');
    await f.table.loadFrom(fromS3File(uri, f.s3Options), { partial: true });
    expect((await f.rows()).map((r) => r.price)).toEqual(['1.23']);
    const g = await fresh('s3_validate_strict');
    await failsCleanly(
      g,
      fromS3File(uri, { ...f.s3Options, validate: true }),
      { file: uri, line: 2, column: 'price', value: '1.234' },
      /scale/,
    );
  });

  it('S3 JSON lines and Parquet: parsed, validated and re-staged (COPY reads neither)', async () => {
    const f = await fresh('s3_formats');
    const jsonl = [
      { id: 1, name: 'j', tags: ['x'], updated_at: '2026-11-24T00:00:00Z' },
      { id: 2, price: '1.5', updated_at: '2026-11-24T00:00:00Z' },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n');
    // Lines with different keys (absent is NULL): append, since an upsert needs every column given somewhere and a partial one the same keys per line.
    await f.table.loadFrom(fromS3File(await f.put('rows.ndjson.gz', compress.gzip(jsonl)), f.s3Options), {
      mode: 'append',
    });
    const parquet = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: [3n, 4n], type: 'INT64' },
          { name: 'name', data: ['p', null], type: 'STRING' },
          { name: 'price', data: [1.25, 2], type: 'DOUBLE' },
          {
            name: 'updated_at',
            data: [new Date('2026-11-24T00:00:00Z'), new Date('2026-11-24T01:00:00Z')],
            type: 'TIMESTAMP',
          },
        ],
      }),
    );
    const r = await f.table.loadFrom(fromS3File(await f.put('rows.parquet', parquet), f.s3Options), { partial: true });
    expect(r.staged).toBe(2);
    expect((await f.rows()).map((x) => [x.id, x.name, x.price, x.tags, x.updated_at])).toEqual([
      [1n, 'j', null, ['x'], new Date('2026-11-24T00:00:00Z')],
      [2n, null, '1.50', null, new Date('2026-11-24T00:00:00Z')],
      [3n, 'p', '1.25', null, new Date('2026-11-24T00:00:00Z')],
      [4n, null, '2.00', null, new Date('2026-11-24T01:00:00Z')],
    ]);
    const wrong = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: ['x'], type: 'STRING' },
          { name: 'updated_at', data: [new Date(0)], type: 'TIMESTAMP' },
        ],
      }),
    );
    const uri = await f.put('wrong.parquet', wrong);
    const g = await fresh('s3_parquet_bad');
    await failsCleanly(
      g,
      fromS3File(uri, f.s3Options),
      { file: uri, line: 1, column: 'id', value: 'x' },
      /not a bigint|Invalid digit/,
    ); // upshift's check, or Redshift's COPY reading Parquet in place
  });

  // ---- Arrow data frames -------------------------------------------------------------------------

  it('data frame: columns by name, Arrow types read exactly (Int64, decimals as text, timestamps), row order wins', async () => {
    const f = await fresh('frame');
    const frame = new Table({
      id: vectorFromArray([1n, 2n, 1n], new Int64()),
      name: vectorFromArray(['a', null, 'a2'], new Utf8()),
      price: vectorFromArray(['1.10', '2', null], new Utf8()),
      active: vectorFromArray([true, false, null], new Bool()),
      updated_at: vectorFromArray(
        [new Date('2026-11-24T00:00:00Z'), new Date('2026-11-24T00:00:01Z'), new Date('2026-11-24T00:00:02Z')],
        new TimestampMillisecond(),
      ),
    });
    const r = await f.table.loadFrom(fromDataFrame(frame), { partial: true });
    expect(r).toMatchObject({ staged: 3, inserted: 2, duplicates: 1 });
    expect((await f.rows()).map((x) => [x.id, x.name, x.price, x.active, x.updated_at])).toEqual([
      [1n, 'a2', null, null, new Date('2026-11-24T00:00:02Z')],
      [2n, null, '2.00', false, new Date('2026-11-24T00:00:01Z')],
    ]);
  });

  it('data frame: the docs example (tableFromArrays: BigInt64Array, dictionary-encoded strings)', async () => {
    const f = await fresh('frame_docs');
    const frame = tableFromArrays({
      id: BigInt64Array.from([1n, 2n]),
      name: ['Gummy', 'Taffy'],
      updated_at: ['2026-11-24T10:00:00Z', '2026-11-24T11:00:00Z'],
    });
    await f.table.loadFrom(fromDataFrame(frame), { partial: true });
    expect((await f.rows()).map((x) => [x.id, x.name, x.updated_at])).toEqual([
      [1n, 'Gummy', new Date('2026-11-24T10:00:00Z')],
      [2n, 'Taffy', new Date('2026-11-24T11:00:00Z')],
    ]);
  });

  it('data frame errors: an Arrow type the column cannot take, an unknown column', async () => {
    const f = await fresh('frame_err');
    const wrongType = tableFromArrays({ id: new Float64Array([1.5]), updated_at: ['2026-11-24T00:00:00Z'] });
    await failsCleanly(
      f,
      fromDataFrame(wrongType),
      { column: 'id' },
      /column "id".*is Arrow Float64, which a BIGINT column cannot take/,
    );
    const unknown = new Table({
      id: vectorFromArray([1n], new Int64()),
      colour: vectorFromArray(['red'], new Utf8()),
      updated_at: vectorFromArray(['2026-11-24T00:00:00Z'], new Utf8()),
    });
    await failsCleanly(f, fromDataFrame(unknown), { column: 'colour' }, /"colour".*is not a column/);
    const badValue = new Table({
      id: vectorFromArray([1n, 2n], new Int64()),
      price: vectorFromArray([1, 1.001], new Float64()),
      updated_at: vectorFromArray(['2026-11-24T00:00:00Z', '2026-11-24T00:00:00Z'], new Utf8()),
    });
    await failsCleanly(
      f,
      fromDataFrame(badValue, { name: 'prices frame' }),
      { file: 'prices frame', line: 2, column: 'price' },
      /line 2, column "price".*scale/,
    );
  });

  // ---- Postgres queries --------------------------------------------------------------------------

  it('Postgres query: COPY (query) TO STDOUT streamed, columns by name, params inlined safely, ORDER BY is the load order', async () => {
    const f = await fresh('query');
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ connectionString: f.sourceUrl, max: 2 });
    try {
      const src = `"${f.sourceSchema}"."qsrc_${n}"`;
      await pool.query(
        `create table ${src} (k bigint, label text, amount numeric(12,4), flag boolean, info jsonb, at timestamptz)`,
      );
      await pool.query(`insert into ${src} values (1, 'one', 1.5, true, '{"a":[1]}', '2026-11-24 12:00:00+02'), (2, 'it''s \\ two', null, false, null, '2026-11-24 00:00:00Z'),
        (1, 'one again', 2, null, null, '2026-11-25 00:00:00Z'), (3, '', 3, true, '"s"', '2026-11-24 00:00:00Z')`);
      const sql = `select k as id, label as name, amount::numeric(10,2) as price, flag as active, info as tags, at as updated_at from ${src}
        where label <> $1 and k < $2 -- a comment with $3
        order by at`;
      const r = await f.table.loadFrom(fromPostgresQuery(sql, { pool, params: ["it's \\ two';drop table x;--", 10] }));
      expect(r).toMatchObject({ staged: 4, inserted: 3, duplicates: 1 });
      expect(await f.rows()).toEqual([
        {
          id: 1n,
          name: 'one again',
          price: '2.00',
          active: null,
          tags: null,
          updated_at: new Date('2026-11-25T00:00:00Z'),
        },
        {
          id: 2n,
          name: "it's \\ two",
          price: null,
          active: false,
          tags: null,
          updated_at: new Date('2026-11-24T00:00:00Z'),
        },
        { id: 3n, name: '', price: '3.00', active: true, tags: 's', updated_at: new Date('2026-11-24T00:00:00Z') },
      ]);
      // The param is a literal, not SQL: excluding row 2 by its exact text works too.
      const only = await f.table.loadFrom(
        fromPostgresQuery(`select k as id, label as name, at as updated_at from ${src} where label = $1`, {
          connectionString: f.sourceUrl,
          params: ["it's \\ two"],
        }),
        { mode: 'replace' },
      );
      expect(only).toMatchObject({ staged: 1, deleted: 3 });
      expect((await audit(f.db, f.model.qualifiedName)).at(-1)!.source).toMatch(/^postgres query: select k as id/);
    } finally {
      await pool.end();
    }
  });

  it('Postgres query errors: an unknown column, a type mismatch, bad SQL', async () => {
    const f = await fresh('query_err');
    const url = f.sourceUrl;
    await failsCleanly(
      f,
      fromPostgresQuery(`select 1 as id, 'x' as colour, now() as updated_at`, { connectionString: url }),
      { column: 'colour' },
      /"colour".*is not a column/,
    );
    await failsCleanly(
      f,
      fromPostgresQuery(
        `select g as id, case when g = 3 then 'x' else '1' end as price, now() as updated_at from generate_series(1, 5) g`,
        { connectionString: url },
      ),
      { line: 4, column: 'price', value: 'x' },
      /line 4, column "price", value "x"/,
    );
    await failsCleanly(f, fromPostgresQuery('select nonsense from nowhere', { connectionString: url }), {}, /nowhere/);
  });
}
