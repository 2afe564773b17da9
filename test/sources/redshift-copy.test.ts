// Golden tests of the COPY each source makes Redshift run (no cluster here): the sources are
// prepared for real against s3rver, so the manifests they write are read back and checked too.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vectorFromArray, Int64, Utf8, Table } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import {
  LoadError,
  RedshiftDatabase,
  S3Stage,
  fromDataFrame,
  fromLocalFile,
  fromManifest,
  fromS3File,
  fromS3Path,
  type Source,
} from '../../src/index.js';
import { buildLoadPlan } from '../../src/engine/index.js';
import { newLoadId } from '../../src/stage/index.js';
import type { CopyStep } from '../../src/warehouse/index.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';
import { candyModel, compress, putObject, writeLocal } from './fixtures.js';

const s3 = testS3Client();
const prefix = `sources-rs-${randomBytes(4).toString('hex')}`;
const stage = new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}/stage`, client: s3 });
const role = new RedshiftDatabase({
  host: 'example.redshift.amazonaws.com',
  stage,
  iamRole: 'arn:aws:iam::123456789012:role/Loader',
});
const keys = new RedshiftDatabase({
  host: 'h',
  stage,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
});
const model = candyModel('candy', 'candy_names');
const folder = `s3://${TEST_BUCKET}/${prefix}/data/`;
const put = (key: string, body: string | Buffer) => putObject(s3, TEST_BUCKET, `${prefix}/data/${key}`, body);

/** Prepares a source as the engine does for Redshift and returns the plan's COPY, its manifest, and the plan. */
async function copyOf(source: Source, db = role, orderBy?: string) {
  const loadId = newLoadId();
  const prepared = await source.prepare({ model, stage, binary: 'redshift', copiesFromS3: true, loadId });
  // partial: most files here give some columns only (a whole-row upsert refuses them); the COPY is the same either way.
  const plan = buildLoadPlan({
    warehouse: db,
    model,
    mode: 'upsert',
    loadId,
    prepared,
    partial: true,
    ...(orderBy ? { orderBy } : {}),
  });
  const step = plan.steps.find((s): s is CopyStep => s.kind === 'copy')!;
  const manifest = await stage.readManifest(step.load.manifestUri);
  return {
    sql: db.copySql(step, true),
    manifestUri: step.load.manifestUri,
    manifest: manifest.entries,
    plan,
    stageTable: step.table.name,
  };
}

const tail = ["TIMEFORMAT 'auto' DATEFORMAT 'auto'", 'COMPUPDATE OFF STATUPDATE OFF'];

describe('Redshift COPY per source (golden)', () => {
  it('S3 file: COPY reads it in place through a manifest in the stage; header order kept; NULL AS empty; GZIP; IGNOREHEADER', async () => {
    const body = compress.gzip('updated_at,name,id\n2026-11-24T00:00:00Z,a,1\n');
    const uri = await put('one/candy.csv.gz', body);
    const c = await copyOf(fromS3File(uri));
    expect(c.manifestUri).toBe(stage.manifestUri(model, c.manifestUri.split('/').at(-2)!));
    expect(c.manifestUri.startsWith(`s3://${TEST_BUCKET}/${prefix}/stage/candy.candy_names/`)).toBe(true);
    expect(c.sql).toBe(
      [
        `COPY "${c.stageTable}" ("updated_at", "name", "id")`,
        `FROM '${c.manifestUri}'`,
        "IAM_ROLE 'arn:aws:iam::123456789012:role/Loader'",
        'MANIFEST',
        `FORMAT AS CSV QUOTE AS '"' DELIMITER ','`,
        "NULL AS ''",
        'GZIP',
        'IGNOREHEADER 1',
        ...tail,
      ].join('\n'),
    );
    expect(c.manifest).toEqual([{ url: uri, mandatory: true, meta: { content_length: body.length } }]);
    // No load order in the files: no ordinal column; duplicates are checked (or decided by orderBy).
    expect(c.plan.steps.map((s) => s.kind)).toContain('check');
    expect(c.sql).not.toContain('__upshift_ord');
  });

  it("S3 path: the manifest names exactly the folder's files (never prefix_old/..., never _SUCCESS); ZSTD; access keys redacted", async () => {
    const header = 'id,name,updated_at\n';
    const a = await put('path/x/part-1.csv.zst', compress.zstd(`${header}1,a,2026-11-24T00:00:00Z\n`));
    const b = await put('path/x/sub/part-2.csv.zst', compress.zstd(`${header}2,b,2026-11-24T00:00:00Z\n`));
    await put('path/x/_SUCCESS', 'done');
    await put('path/x_old/part-1.csv.zst', compress.zstd(`${header}9,z,2026-11-24T00:00:00Z\n`));
    const c = await copyOf(fromS3Path(`${folder}path/x`), keys);
    expect(c.manifest.map((e) => e.url)).toEqual([a, b]);
    expect(c.sql).toBe(
      [
        `COPY "${c.stageTable}" ("id", "name", "updated_at")`,
        `FROM '${c.manifestUri}'`,
        "ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***'",
        'MANIFEST',
        `FORMAT AS CSV QUOTE AS '"' DELIMITER ','`,
        "NULL AS ''",
        'ZSTD',
        'IGNOREHEADER 1',
        ...tail,
        "REGION 'eu-west-1'",
      ].join('\n'),
    );
  });

  it('S3 path errors: files of mixed compression, headers that disagree, an empty folder', async () => {
    const header = 'id,name,updated_at\n';
    await put('mixed/a.csv.gz', compress.gzip(`${header}1,a,2026-11-24T00:00:00Z\n`));
    await put('mixed/b.csv.bz2', compress.bzip2(`${header}2,b,2026-11-24T00:00:00Z\n`));
    await expect(copyOf(fromS3Path(`${folder}mixed`))).rejects.toThrow(
      /mixed\/b\.csv\.bz2.*is bzip2, unlike .*a\.csv\.gz \(gzip\): one Redshift COPY reads one compression/,
    );
    await put('headers/a.csv', `${header}1,a,2026-11-24T00:00:00Z\n`);
    await put('headers/b.csv', 'name,id,updated_at\nb,2,2026-11-24T00:00:00Z\n');
    await expect(copyOf(fromS3Path(`${folder}headers`))).rejects.toThrow(
      /headers\/b\.csv.*has the header name, id, updated_at, unlike/,
    );
    await put('nothing_here_old/a.csv', header);
    const err = await copyOf(fromS3Path(`${folder}nothing_here`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect((err as LoadError).file).toBe(`${folder}nothing_here/`);
  });

  it('manifest: its existing entries are re-listed in the stage with sizes; BZIP2; a header-less file with a column list', async () => {
    const body = compress.bzip2('1|a|2026-11-24T00:00:00Z\n');
    const a = await put('man/a.csv.bz2', body);
    const user = await put(
      'man/user.manifest',
      JSON.stringify({
        entries: [
          { url: a, mandatory: true },
          { url: `${folder}man/missing.csv.bz2`, mandatory: false },
        ],
      }),
    );
    const c = await copyOf(
      fromManifest(user, { header: false, columns: ['id', 'name', 'updated_at'], delimiter: '|' }),
    );
    expect(c.manifest).toEqual([{ url: a, mandatory: true, meta: { content_length: body.length } }]);
    expect(c.sql).toContain(`COPY "${c.stageTable}" ("id", "name", "updated_at")`);
    expect(c.sql).toContain(`FORMAT AS CSV QUOTE AS '"' DELIMITER '|'\nNULL AS ''\nBZIP2\n${tail[0]}`);
    expect(c.sql).not.toContain('IGNOREHEADER');
  });

  it("JSON lines: FORMAT AS JSON 'auto' over every load column, GZIP, TIMEFORMAT", async () => {
    const uri = await put('json/rows.jsonl.gz', compress.gzip('{"id":1,"updated_at":"2026-11-24T00:00:00Z"}\n'));
    const c = await copyOf(fromS3File(uri));
    expect(c.sql).toBe(
      [
        `COPY "${c.stageTable}" ("id", "name", "price", "active", "tags", "updated_at")`,
        `FROM '${c.manifestUri}'`,
        "IAM_ROLE 'arn:aws:iam::123456789012:role/Loader'",
        'MANIFEST',
        "FORMAT AS JSON 'auto'",
        'GZIP',
        ...tail,
      ].join('\n'),
    );
  });

  it('JSON lines on Redshift: the first object of each file is checked as Postgres checks them all (unknown keys fail)', async () => {
    const ok = await put('json2/ok.jsonl', '\n{"id":1,"updated_at":"2026-11-24T00:00:00Z"}\n');
    await expect(copyOf(fromS3File(ok))).resolves.toMatchObject({ manifest: [{ url: ok }] });
    const uri = await put(
      'json3/rows.jsonl.zst',
      compress.zstd('{"id":1,"colour":"red","updated_at":"2026-11-24T00:00:00Z"}\n{"id":2}\n'),
    );
    const err = await copyOf(fromS3Path(`${folder}json3`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoadError);
    expect(err).toMatchObject({ file: uri, column: 'colour' });
  });

  it("Parquet: columns listed in the file's order (Redshift maps them by position), only the parameters columnar COPY takes", async () => {
    const buf = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'updated_at', data: [new Date(0)], type: 'TIMESTAMP' },
          { name: 'id', data: [1n], type: 'INT64' },
        ],
      }),
    );
    const uri = await put('pq/rows.parquet', buf);
    const c = await copyOf(fromS3File(uri), keys, 'updated_at');
    expect(c.sql).toBe(
      [
        `COPY "${c.stageTable}" ("updated_at", "id")`,
        `FROM '${c.manifestUri}'`,
        "ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***'",
        'MANIFEST',
        'FORMAT AS PARQUET',
        'STATUPDATE OFF',
      ].join('\n'),
    );
    expect(c.manifest).toEqual([{ url: uri, mandatory: true, meta: { content_length: buf.length } }]);
  });

  it('validate: true re-stages S3 objects as upshift CSV parts (validated) instead of reading them in place', async () => {
    const uri = await put('strict/a.csv', 'id,updated_at\n1,2026-11-24T00:00:00Z\n');
    const c = await copyOf(fromS3File(uri, { validate: true }));
    expect(c.manifest[0]!.url).toMatch(/\/stage\/candy\.candy_names\/.*\/part-00000\.csv\.gz$/);
    expect(c.sql).toContain("NULL AS '\\\\N'\nGZIP");
    expect(c.sql).not.toContain('__upshift_ord');
  });

  it('local files and data frames are re-staged as upshift CSV parts with load order; a trusted file is uploaded as is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'upshift-rs-'));
    const local = await copyOf(fromLocalFile(writeLocal(dir, 'a.csv', 'id,updated_at\n1,2026-11-24T00:00:00Z\n')));
    expect(local.sql).toBe(
      [
        `COPY "${local.stageTable}" ("id", "name", "price", "active", "tags", "updated_at", "__upshift_ord")`,
        `FROM '${local.manifestUri}'`,
        "IAM_ROLE 'arn:aws:iam::123456789012:role/Loader'",
        'MANIFEST',
        `FORMAT AS CSV QUOTE AS '"' DELIMITER ','`,
        "NULL AS '\\\\N'",
        'GZIP',
        ...tail,
      ].join('\n'),
    );
    expect(local.manifest[0]!.url).toMatch(
      new RegExp(`^s3://${TEST_BUCKET}/${prefix}/stage/candy\\.candy_names/.*/part-00000\\.csv\\.gz$`),
    );
    const frame = await copyOf(
      fromDataFrame(
        new Table({
          id: vectorFromArray([1n], new Int64()),
          updated_at: vectorFromArray(['2026-11-24T00:00:00Z'], new Utf8()),
        }),
      ),
    );
    expect(frame.sql).toContain('"__upshift_ord")');
    const trusted = await copyOf(
      fromLocalFile(writeLocal(dir, 't.csv.gz', compress.gzip('1,a,\\N,\\N,\\N,2026-11-24 00:00:00\n')), {
        trusted: true,
      }),
    );
    expect(trusted.sql).toContain(
      `COPY "${trusted.stageTable}" ("id", "name", "price", "active", "tags", "updated_at")\nFROM '${trusted.manifestUri}'`,
    );
    expect(trusted.sql).toContain("NULL AS '\\\\N'\nGZIP");
    expect(trusted.manifest).toHaveLength(1);
    expect(trusted.manifest[0]!.url).toMatch(/\/part-00000\.csv\.gz$/);
  });
});
