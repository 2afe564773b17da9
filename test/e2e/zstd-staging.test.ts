// zstd-compressed staging (issue 18): where node:zlib can write zstd (Node 22.15 on), a load
// staged as .csv.zst parts lands exactly on the real Postgres (parts decompressed in Node) and
// through the Redshift emulator (COPY ... ZSTD from s3rver), keeps last-write-wins across parts,
// and replays from its manifest. On an older Node the stage refuses zstd when it is made, before
// any row, naming the Node it needs.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { LocalStage, PostgresDatabase, RedshiftDatabase, S3Stage, UnsupportedError } from '../../src/index.js';
import { canWriteZstd } from '../../src/stage/codec.js';
import { sweetsModel } from '../engine/fixtures.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';

const zstd = canWriteZstd();
if (!zstd)
  console.warn(
    `zstd-staging: loads staged as zstd are not run on Node ${process.version} (node:zlib writes zstd from 22.15); only the refusal is`,
  );

const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
type Row = Record<string, unknown>;

/** Staged 3 parts wide (row i in part i % 3): key 9's last row (part 0) is COPYed before its first (part 2). */
const batch = [
  { id: 1n, flavour: 'lemon', qty: 1 },
  { id: 7n, flavour: 'first', qty: 2 },
  { id: 9n, flavour: 'early', qty: 3 },
  { id: 9n, flavour: 'late', qty: 4 },
  { id: 7n, flavour: 'second,"quoted"', qty: null },
];
const expected = [
  { id: 1n, flavour: 'lemon', qty: 1 },
  { id: 7n, flavour: 'second,"quoted"', qty: null },
  { id: 9n, flavour: 'late', qty: 4 },
];
const many = Array.from({ length: 20_000 }, (_, i) => ({ id: BigInt(i), flavour: `candy ${i % 97}`, qty: i % 50 }));

describe.runIf(zstd)('loads staged as zstd', () => {
  let s: TestSchema;
  let dir: string;
  let pgDb: PostgresDatabase;
  let emulator: RedshiftEmulator;
  let rsDb: RedshiftDatabase;
  const prefix = () => `zstd/${s.schema}`;

  beforeAll(async () => {
    s = await createTestSchema('zstd');
    dir = mkdtempSync(join(tmpdir(), 'upshift-zstd-'));
    pgDb = new PostgresDatabase({
      connectionString: s.url,
      stage: new LocalStage({ dir, slices: 3, compression: 'zstd' }),
      auditSchema: `${s.schema}_audit`,
    });
    emulator = await startRedshiftEmulator({
      port: 0,
      postgres: s.url,
      s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    });
    rsDb = new RedshiftDatabase({
      connectionString: emulator.url,
      iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
      auditSchema: `${s.schema}_rs_audit`,
      stage: new S3Stage({
        basePath: `s3://${TEST_BUCKET}/${prefix()}`,
        client: testS3Client(),
        slices: 3,
        compression: 'zstd',
      }),
    });
  });
  afterAll(async () => {
    await rsDb?.query(`drop schema if exists "${s.schema}_rs_audit" cascade`).catch(() => undefined);
    await rsDb?.close();
    await emulator?.close();
    await pgDb?.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
    await pgDb?.close();
    await s?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const rowsOf = (db: PostgresDatabase | RedshiftDatabase, table: string) =>
    db.query<Row>(`select id, flavour, qty from ${table} order by id`);

  it('Postgres: the parts are zstd files, the upsert lands exactly, and a replay from the manifest lands it again', async () => {
    const table = pgDb.table(sweetsModel(s.schema));
    await table.create();
    const result = await table.upsert(batch);
    expect(await rowsOf(pgDb, table.model.qualifiedName)).toEqual(expected);

    const parts = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.includes(result.loadId));
    const zst = parts.filter((f) => f.endsWith('.csv.zst'));
    expect(zst).toHaveLength(3);
    for (const f of zst) expect(readFileSync(join(dir, f)).subarray(0, 4)).toEqual(ZSTD_MAGIC);

    await pgDb.query(`truncate ${table.model.qualifiedName}`);
    await table.replay(result.loadId, { force: true });
    expect(await rowsOf(pgDb, table.model.qualifiedName)).toEqual(expected);
  });

  it('Postgres: 20,000 rows over two loads land exactly', async () => {
    const model = sweetsModel(s.schema, 'many');
    const table = pgDb.table(model);
    await table.create();
    await table.upsert(many.slice(0, 12_000));
    await table.upsert(many.slice(8_000).map((r) => ({ ...r, qty: r.qty + 1 })));
    const [agg] = await pgDb.query<Row>(`select count(*)::int as n, sum(qty)::int as q from ${model.qualifiedName}`);
    const q = many.reduce((sum, r, i) => sum + r.qty + (i >= 8_000 ? 1 : 0), 0);
    expect(agg).toEqual({ n: 20_000, q });
  });

  it('Redshift (emulator): COPY reads the zstd parts from S3, last write wins across parts, and a replay lands it again', async () => {
    const table = rsDb.table(sweetsModel(s.schema));
    await table.create();
    const result = await table.upsert(batch);
    expect(await rowsOf(rsDb, table.model.qualifiedName)).toEqual(expected);

    const listed = await testS3Client().send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: `${prefix()}/` }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!).filter((k) => k.includes(result.loadId));
    expect(keys.filter((k) => k.endsWith('.csv.zst'))).toHaveLength(3);

    await rsDb.query(`truncate ${table.model.qualifiedName}`);
    await table.replay(result.loadId, { force: true });
    expect(await rowsOf(rsDb, table.model.qualifiedName)).toEqual(expected);
  });
});

describe.runIf(!zstd)('zstd staging on a Node without node:zlib zstd', () => {
  it('is refused when the stage is made, naming the Node it needs', () => {
    for (const make of [
      () => new LocalStage({ dir: tmpdir(), compression: 'zstd' }),
      () => new S3Stage({ basePath: `s3://${TEST_BUCKET}/zstd`, client: testS3Client(), compression: 'zstd' }),
    ]) {
      expect(make).toThrow(UnsupportedError);
      expect(make).toThrow(
        `compression 'zstd' needs node:zlib's zstd (Node 22.15 or later); this is Node ${process.version}`,
      );
    }
  });
});

describe('stage compression option', () => {
  it('refuses an unknown compression, naming the ones it takes', () => {
    // @ts-expect-error -- not a Compression
    expect(() => new LocalStage({ dir: tmpdir(), compression: 'lz4' })).toThrow(
      `compression must be 'gzip', 'zstd' or 'none', got "lz4"`,
    );
  });
});
