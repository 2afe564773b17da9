// The same upsert over the wire protocol (RedshiftDatabase) and over the Data API
// (RedshiftDataApiDatabase), both against the local emulator (S3 on s3rver), alternating, median
// of 3 each; printed as ms and the ratio Data API / wire. The Data API adds one HTTPS call per
// statement plus its DescribeStatement polls, and a page call per 1000 result rows... of which a
// load reads few: the figure is what a load pays for having no connection.
// Usage: npm run bench -- data-api   (UPSHIFT_BENCH_ROWS=200000 by default; UPSHIFT_BENCH_PG: the Postgres URL)
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { startRedshiftEmulator } from '../src/emulator/index.js';
import { RedshiftDataApiDatabase, RedshiftDatabase, S3Stage, defineTable, t } from '../src/index.js';
import { s3Client, s3rver } from './s3rver.js';

const N = Number(process.env.UPSHIFT_BENCH_ROWS ?? 200_000);
const url = process.env.UPSHIFT_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `bench_dapi_${randomBytes(3).toString('hex')}`;

const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`create schema ${schema}`);
const s3 = await s3rver();
await s3Client(s3.endpoint).send(
  new (await import('@aws-sdk/client-s3')).CreateBucketCommand({ Bucket: 'upshift-bench' }),
);
const emulator = await startRedshiftEmulator({
  postgres: url,
  port: 0,
  s3: { endpoint: s3.endpoint, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
  dataApi: { clusters: ['bench'] },
});
const stage = new S3Stage({ basePath: `s3://upshift-bench/${schema}`, client: s3Client(s3.endpoint) });
const common = { iamRole: 'arn:aws:iam::123456789012:role/bench', auditSchema: `${schema}_audit`, stage };
const wire = new RedshiftDatabase({ connectionString: emulator.url, ...common });
const dataApi = new RedshiftDataApiDatabase({
  clusterIdentifier: 'bench',
  database: new URL(url).pathname.slice(1) || 'postgres',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench',
  region: 'us-east-1',
  endpoint: emulator.dataApiEndpoint!,
  awsCredentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  ...common,
});

const STAMP = new Date('2026-11-24T00:00:00Z');
function* rows() {
  for (let i = 0; i < N; i++) yield { id: BigInt(i), name: `candy ${i}`, price: `${i % 1000}.25`, at: STAMP };
}

let run = 0;
async function upsertMs(db: RedshiftDatabase | RedshiftDataApiDatabase): Promise<number> {
  const model = defineTable(
    `${schema}.candy_${run++}`,
    { id: t.bigint().notNull(), name: t.varchar(32), price: t.decimal(10, 2), at: t.timestamptz() },
    { upsertKey: ['id'], distKey: 'id' },
  );
  const table = db.table(model);
  await table.create();
  const t0 = performance.now();
  const r = await table.upsert(rows());
  const ms = performance.now() - t0;
  if (r.inserted !== N) throw new Error(`expected ${N} rows, got ${r.inserted}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  await upsertMs(wire); // warm-up: audit table, translations, SDK
  await upsertMs(dataApi);
  const times = { wire: [] as number[], dataApi: [] as number[] };
  for (let i = 0; i < 3; i++) {
    times.wire.push(await upsertMs(wire));
    const from = emulator.aws!.requests.length;
    times.dataApi.push(await upsertMs(dataApi));
    if (i === 0) {
      const calls = emulator.aws!.requests.slice(from);
      const count = (action: string) => calls.filter((c) => c.action === action).length;
      console.log(
        `Data API calls for one upsert: ExecuteStatement ${count('ExecuteStatement')}, DescribeStatement ${count('DescribeStatement')}, GetStatementResult ${count('GetStatementResult')}`,
      );
    }
  }
  const w = median(times.wire);
  const d = median(times.dataApi);
  console.log(
    `upsert ${N} rows: wire ${w.toFixed(0)} ms, Data API ${d.toFixed(0)} ms, ratio Data API / wire ${(d / w).toFixed(2)}`,
  );
} finally {
  await dataApi.close();
  await wire.close();
  await emulator.close();
  await admin.query(`drop schema if exists ${schema} cascade`);
  await admin.query(`drop schema if exists ${schema}_audit cascade`);
  await admin.end();
  await s3.stop();
}
