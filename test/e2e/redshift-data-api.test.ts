// RedshiftDataApiDatabase end to end: the real RedshiftDataClient against the emulator's Data API
// endpoint (never AWS: the endpoint is always the loopback one), the emulator's Redshift over the
// test Postgres, S3 on s3rver. The engine's behaviour suite, as on the wire path, plus what only
// the Data API has: results as the wire path types them, paging, UNLOAD, load errors by query id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import {
  LoadError,
  RedshiftDataApiDatabase,
  RedshiftDatabase,
  S3Stage,
  defineTable,
  t,
  type Source,
} from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { engineBehaviour } from '../engine/shared-behaviour.js';

let s: TestSchema;
let emulator: RedshiftEmulator;
let db: RedshiftDataApiDatabase;
let wire: RedshiftDatabase;
type Row = Record<string, unknown>;

export const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:upshift-loader';

beforeAll(async () => {
  s = await createTestSchema('e2e_dapi');
  emulator = await startRedshiftEmulator({
    port: 0,
    postgres: s.url,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    dataApi: { clusters: ['sweets'] },
  });
  const stage = new S3Stage({ basePath: `s3://${TEST_BUCKET}/dapi/${s.schema}`, client: testS3Client() });
  db = new RedshiftDataApiDatabase({
    clusterIdentifier: 'sweets',
    database: 'test',
    secretArn: SECRET,
    region: 'us-east-1',
    endpoint: emulator.dataApiEndpoint!,
    awsCredentials: { accessKeyId: 'loader', secretAccessKey: 'not-checked' },
    iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
    auditSchema: `${s.schema}_audit`,
    stage,
  });
  wire = new RedshiftDatabase({
    connectionString: emulator.url,
    iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
    auditSchema: `${s.schema}_audit`,
    stage,
  });
});
afterAll(async () => {
  await wire?.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
  await db?.close();
  await wire?.close();
  await emulator?.close();
  await s.drop();
});

describe('RedshiftDataApiDatabase through the emulator', () => {
  it('talks to something that says it is Redshift', async () => {
    const [v] = await db.query<{ version: string }>('select version()');
    expect(v!.version).toMatch(/Redshift/);
  });

  engineBehaviour(() => ({ db, schema: s.schema }));

  it("runs as the cluster dbUser, or on a workgroup as the caller's IAM identity", async () => {
    const as = async (target: { clusterIdentifier: string; dbUser: string } | { workgroupName: string }) => {
      const other = new RedshiftDataApiDatabase({
        ...target,
        database: 'test',
        region: 'us-east-1',
        endpoint: emulator.dataApiEndpoint!,
        awsCredentials: { accessKeyId: 'carol', secretAccessKey: 'not-checked' },
      });
      try {
        return (await other.query<{ who: string }>('select current_user as who'))[0]!.who;
      } finally {
        await other.close();
      }
    };
    expect(await as({ clusterIdentifier: 'sweets', dbUser: 'postgres' })).toBe('postgres');
    expect(await as({ workgroupName: 'candy-wg' })).toBe('IAM:carol');
  });

  it('returns the JS values the wire path returns, bigints exact past 2^53', async () => {
    const sql = `select 9007199254740993::bigint as big, (-9223372036854775807)::bigint as min, 7::int as i, 2::smallint as small,
      1.5::float8 as f, 12.50::numeric(10,2) as n, true as b, 'x'::varchar as v, null::int as nothing,
      '2026-11-24 10:00:00.123456'::timestamp as ts, '2026-11-24 10:00:00+02'::timestamptz as tz, '2026-11-24'::date as d`;
    const [viaApi] = await db.query<Row>(sql);
    const [viaWire] = await wire.query<Row>(sql);
    expect(viaApi).toEqual(viaWire);
    expect(viaApi!.big).toBe(9007199254740993n);
    expect(viaApi!.min).toBe(-9223372036854775807n);
  });

  it('parameters are bound as literals of their type, quotes and backslashes intact', async () => {
    const at = new Date('2026-11-24T10:00:00.5Z');
    const [r] = await db.query<Row>(
      'select $1::varchar as s, $2::bigint as n, $3::timestamptz as at, $4 is null as none',
      ["it's a \\ test", 1234567890123456789n, at, null],
    );
    expect(r).toEqual({ s: "it's a \\ test", n: 1234567890123456789n, at, none: true });
  });

  it('reads results of many pages (GetStatementResult NextToken)', async () => {
    const rows = await db.query<{ n: number }>('select generate_series(1, 25000) as n');
    expect(rows).toHaveLength(25000);
    expect(rows[24999]).toEqual({ n: 25000 });
  });

  it('a COPY Redshift rejects is decoded by its query id into the same LoadError as on the wire', async () => {
    const table = db.table(
      defineTable(`${s.schema}.rejected`, { id: t.bigint().notNull(), qty: t.integer() }, { upsertKey: ['id'] }),
    );
    await table.create();
    await table.upsert([{ id: 1n, qty: 1 }]);
    const bad: Source = {
      describe: () => 'hand-written csv',
      async prepare(ctx) {
        const staged = await ctx.stage.writeFiles([Readable.from(['2,5\n3,not-a-number\n'])], {
          target: ctx.model,
          loadId: ctx.loadId,
          extension: '.csv',
        });
        return { staged, format: { kind: 'csv', gzip: false, nullAs: '\\N' }, ordered: false };
      },
    };
    const err = (await table.loadFrom(bad).catch((e: unknown) => e)) as LoadError;
    expect(err).toBeInstanceOf(LoadError);
    expect(err.file).toMatch(/^s3:\/\/upshift-test\/.*\.csv$/);
    expect(err).toMatchObject({ line: 2, column: 'qty', value: 'not-a-number' });
    expect(await db.query<Row>(`select id, qty from "${s.schema}".rejected`)).toEqual([{ id: 1n, qty: 1 }]);
  });

  it('replays a load from its staged files, and cancels one with an aborted signal before its transaction', async () => {
    const model = defineTable(
      `${s.schema}.replayed`,
      { id: t.bigint().notNull(), v: t.varchar(8) },
      { upsertKey: ['id'] },
    );
    const table = db.table(model);
    await table.create();
    const first = await table.upsert([{ id: 1n, v: 'a' }]);
    await db.query(`delete from "${s.schema}".replayed`);
    const again = await db.replay(first.loadId, { into: model, force: true });
    expect(again).toMatchObject({ inserted: 1 });
    expect(await db.query<Row>(`select id, v from "${s.schema}".replayed`)).toEqual([{ id: 1n, v: 'a' }]);
    await expect(
      table.upsert([{ id: 2n, v: 'b' }], { signal: AbortSignal.abort(new Error('not today')) }),
    ).rejects.toThrow('not today');
    expect(await db.query<Row>(`select count(*)::int as n from "${s.schema}".replayed`)).toEqual([{ n: 1 }]);
  });

  it('unloads with UNLOAD to S3, as the wire path does', async () => {
    const table = db.table(defineTable(`${s.schema}.unload_me`, { id: t.bigint().notNull(), v: t.varchar(8) }));
    await table.create();
    await table.append([
      { id: 1n, v: 'a' },
      { id: 2n, v: 'b' },
    ]);
    const r = await db.unload(`select id, v from "${s.schema}".unload_me order by id`, 'unloads/dapi/', {
      parallel: false,
    });
    expect(r.rows).toBe(2);
    expect(r.files.length).toBeGreaterThan(0);
  });
});
