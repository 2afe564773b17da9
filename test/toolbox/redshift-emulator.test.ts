// The Redshift path end to end through the local Redshift emulator (wire protocol, UNLOAD and
// COPY through s3rver, stl_load_commits, VACUUM): unload, load back, audit load commits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { RedshiftDatabase, S3Stage, defineTable, fromManifest, t, type AuditRecord } from '../../src/index.js';
import { decodeLoadCommits } from '../../src/engine/index.js';
import { S3Files } from '../../src/toolbox/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';

let s: TestSchema;
let emulator: RedshiftEmulator;
let db: RedshiftDatabase;
let files: S3Files;
const records: AuditRecord[] = [];
const logged: string[] = [];
type Row = Record<string, unknown>;

const model = (name: string) =>
  defineTable(
    `${s.schema}.${name}`,
    {
      id: t.bigint().notNull(),
      name: t.varchar(64),
      price: t.decimal(12, 2),
      at: t.timestamptz(),
    },
    { upsertKey: ['id'] },
  );

beforeAll(async () => {
  s = await createTestSchema('tb_rs');
  emulator = await startRedshiftEmulator({
    port: 0,
    postgres: s.url,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    slices: 2,
  });
  const stage = new S3Stage({ basePath: `s3://${TEST_BUCKET}/toolbox-rs/${s.schema}`, client: testS3Client() });
  db = new RedshiftDatabase({
    connectionString: emulator.url,
    iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
    auditSchema: `${s.schema}_audit`,
    stage,
    hooks: {
      afterLoad: (r) => {
        records.push(r);
      },
    },
    log: (m) => logged.push(m),
  });
  files = S3Files.forStage(stage);
  const src = db.table(model('src'));
  await src.create();
  await src.upsert([
    { id: 1n, name: "it's", price: '1.10', at: '2026-11-24T10:00:00.123456Z' },
    { id: 2n, name: '', price: null, at: null },
    { id: 3n, name: null, price: '-99999.99', at: new Date(0) },
    { id: 9007199254740993n, name: 'back\\slash, "quoted"', price: '0.01', at: '2026-01-01T00:00:00Z' },
  ]);
});
afterAll(async () => {
  await db?.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
  await db?.close();
  await emulator?.close();
  await s?.drop();
});

describe('Redshift toolbox through the emulator', () => {
  it("loadCommitsSql reads what stl_load_commits recorded for the session's last COPY", async () => {
    // The emulator writes stl_load_commits from its own connection, so a serializable load
    // transaction can't see it (its snapshot predates the COPY): check the SQL on one session
    // with autocommit, as the plan runs it. The in-transaction wiring is covered by the golden
    // plan test and the Postgres hooks test.
    const last = records.at(-1)!;
    expect(last.status).toBe('succeeded');
    const client = await db.pool.connect();
    try {
      const manifest = last.manifestUri!;
      await client.query(
        `create temp table lc (id bigint, name varchar(64), price decimal(12,2), at timestamptz, ord bigint)`,
      );
      await client.query(
        `copy lc from '${manifest}' iam_role default manifest format as csv null as '\\\\N' gzip timeformat 'auto'`,
      );
      const commits = decodeLoadCommits((await client.query(db.loadCommitsSql())).rows);
      expect(commits.map((c) => c.file)).toEqual(last.stageUris);
      expect(commits.reduce((n, c) => n + c.linesScanned, 0)).toBe(4);
      expect(commits.every((c) => c.errors === 0)).toBe(true);
    } finally {
      client.release();
    }
  });

  it('UNLOAD with a quoted, parameterized query, then the manifest loads back into a twin exactly', async () => {
    const r = await db.unload(
      `select id, name, price, at from "${s.schema}".src where name is distinct from $1 order by id`,
      'exports/rt',
      { params: ['never'], gzip: true, header: true },
    );
    expect(r.manifestUri).toBe(`s3://${TEST_BUCKET}/toolbox-rs/${s.schema}/exports/rt/manifest`);
    expect(r.rows).toBe(4);
    expect(r.files.length).toBeGreaterThan(0);
    for (const f of r.files) expect(await files.size(f.uri)).toBe(f.bytes);
    const twin = db.table(model('twin'));
    await twin.create();
    const loaded = await twin.loadFrom(fromManifest(r.manifestUri, { nullAs: '\\N' }), { mode: 'append' });
    expect(loaded.inserted).toBe(4);
    const diff = await db.query<Row>(
      `(select * from "${s.schema}".src except all select * from "${s.schema}".twin) union all (select * from "${s.schema}".twin except all select * from "${s.schema}".src)`,
    );
    expect(diff).toEqual([]);
    expect(await db.query<Row>(`select count(*)::int as n from "${s.schema}".twin where name = ''`)).toEqual([
      { n: 1 },
    ]);
  });

  it('a single file with PARALLEL OFF; an existing prefix is refused without allowOverwrite', async () => {
    const q = `select id from "${s.schema}".src where id < 3 order by id`;
    const r = await db.unload(q, 'exports/single', { parallel: false });
    expect(r.files).toHaveLength(1);
    const body = await files.readText(r.files[0]!.uri);
    expect(
      (r.files[0]!.uri.endsWith('.gz') ? gunzipSync(Buffer.from(body)).toString() : body).trim().split('\n'),
    ).toEqual(['1', '2']);
    await expect(db.unload(q, 'exports/single', { parallel: false })).rejects.toThrow(/not empty|ALLOWOVERWRITE/i);
    await expect(db.unload(q, 'exports/single', { parallel: false, allowOverwrite: true })).resolves.toMatchObject({
      rows: 2,
    });
  });

  it('VACUUM and ANALYZE after the load, outside its transaction', async () => {
    const r = await db.table(model('src')).upsert([{ id: 4n, name: 'x' }], { vacuum: 'delete only', analyze: true });
    expect(r.maintenance.map((m) => [m.sql, m.status])).toEqual([
      [`VACUUM DELETE ONLY "${s.schema}"."src"`, 'done'],
      [`ANALYZE "${s.schema}"."src"`, 'done'],
    ]);
  });
});
