// stl_load_commits through the emulator: a load by RedshiftDatabase reports, per staged file,
// what the COPY scanned (read right after the COPY inside the load's own transaction).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { RedshiftDatabase, S3Stage, defineTable, t } from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { ROLE } from './setup.js';

let s: TestSchema;
let emulator: RedshiftEmulator;
let db: RedshiftDatabase;

const model = () =>
  defineTable(`${s.schema}.commits`, { id: t.bigint().notNull(), name: t.varchar(32) }, { upsertKey: ['id'] });

/** Lines in one staged (gzip CSV) file, read back from S3. */
async function linesIn(uri: string): Promise<number> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri)!;
  const r = await testS3Client().send(new GetObjectCommand({ Bucket: m[1], Key: m[2] }));
  const text = gunzipSync(Buffer.from(await r.Body!.transformToByteArray())).toString('utf8');
  return text.split('\n').filter((l) => l !== '').length;
}

beforeAll(async () => {
  s = await createTestSchema('emu_lc');
  emulator = await startRedshiftEmulator({
    postgres: s.url,
    slices: 3,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
  });
  db = new RedshiftDatabase({
    connectionString: emulator.url,
    iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
    auditSchema: `${s.schema}_audit`,
    stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/emu-lc/${s.schema}`, client: testS3Client(), slices: 3 }),
  });
  await db.table(model()).create();
});
afterAll(async () => {
  await db?.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
  await db?.close();
  await emulator?.close();
  await s?.drop();
});

describe('stl_load_commits through the emulator', () => {
  it("a load reports one loadCommit per staged file, with that file's line count", async () => {
    const rows = Array.from({ length: 250 }, (_, i) => ({ id: BigInt(i), name: `n${i}` }));
    const r = await db.table(model()).upsert(rows);
    expect(r.stageUris.length).toBeGreaterThan(1);
    expect(r.loadCommits).not.toBeNull();
    const expected = await Promise.all(
      [...r.stageUris].sort().map(async (file) => ({ file, linesScanned: await linesIn(file), errors: 0 })),
    );
    expect(r.loadCommits).toEqual(expected);
    expect(expected.reduce((n, c) => n + c.linesScanned, 0)).toBe(250);
  });

  it("stl_load_commits has Redshift's columns, one row per file, for a COPY inside a serializable transaction", async () => {
    const part = `emu-lc/${s.schema}/hand/part-0.csv`;
    await testS3Client().send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: part, Body: '1,a\n2,b\n3,c\n' }));
    const client = await db.pool.connect();
    try {
      // The snapshot is taken before the COPY: the rows must still be there for this session.
      await client.query('begin');
      await client.query(`select count(*) from "${s.schema}".commits`);
      await client.query(`copy "${s.schema}".commits from 's3://${TEST_BUCKET}/emu-lc/${s.schema}/hand/' ${ROLE} csv`);
      const { rows } =
        await client.query(`select query, slice, trim(name) as name, trim(filename) as filename, byte_offset,
        lines_scanned, errors, curtime, status, trim(file_format) as file_format from stl_load_commits where query = pg_last_copy_id()`);
      // Aliased, qualified, under a WITH of the query's own.
      const aliased = await client.query(`with mine as (select pg_last_copy_id() as q)
        select c.lines_scanned from pg_catalog.stl_load_commits c join mine on c.query = mine.q`);
      await client.query('rollback');
      expect(aliased.rows).toEqual([{ lines_scanned: 3 }]);
      // Out of the transaction the catalog's row is visible too: still one row, not two.
      const after = await client.query(
        'select count(*)::int as n from stl_load_commits where query = pg_last_copy_id()',
      );
      expect(after.rows).toEqual([{ n: 1 }]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        slice: 0,
        name: `s3://${TEST_BUCKET}/${part}`,
        filename: `s3://${TEST_BUCKET}/${part}`,
        byte_offset: 0,
        lines_scanned: 3,
        errors: 0,
        status: 1,
        file_format: 'Text',
      });
      expect(rows[0].query).toBeGreaterThan(0);
      expect(rows[0].curtime).toBeInstanceOf(Date);
    } finally {
      client.release();
    }
  });
});
