// Fault injection on S3: a proxy in front of s3rver fails uploads part-way (a multipart part cut
// off mid-body, the completion refused, the manifest cut off) and the emulator's COPY reads
// part-way (reset, or stalled: S3 going quiet mid-object). Each failure is tried once (the SDK's
// retry may recover: then the load must succeed) and for good (then it must fail cleanly).
// Each trial checks the table, the result and the audit row agree (trial.ts); counts are printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { PostgresDatabase, RedshiftDatabase, S3Stage } from '../../src/index.js';
import {
  FlakyS3,
  isCompleteUpload,
  isGetObject,
  isPutObject,
  isUploadPart,
  type S3Fault,
} from '../helpers/flaky-s3.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { printCounts, runTrial, trialRows, type LoadRow, type Reader, type TrialOutcome } from './trial.js';

const IAM_ROLE = 'arn:aws:iam::123456789012:role/upshift-test';
/** One file per load; 36,001 rows of ~380 random bytes gzip to ~7 MB: two multipart parts (5 MiB each at most). */
const stage = (endpoint: string, prefix: string) =>
  new S3Stage({ basePath: `s3://${TEST_BUCKET}/fault-s3/${prefix}`, client: testS3Client(endpoint), slices: 1 });
const BIG = () => trialRows(36_000, 370);
/** ~400 kB: a COPY read cut at 16 kB is cut mid-object. */
const MEDIUM = () => trialRows(1_000, 370);

interface Case {
  name: string;
  fault: S3Fault;
  rows?: () => LoadRow[];
  timeoutMs?: number;
}
const forGood = (f: Omit<S3Fault, 'times'>): S3Fault => ({ ...f, times: Infinity });

const UPLOAD_CASES: Case[] = [
  {
    name: 'part 1 cut off after 64 kB, once',
    fault: { match: isUploadPart(1), action: { kind: 'reset-request', afterBytes: 65_536 } },
    rows: BIG,
  },
  {
    name: 'part 2 cut off after 1 MB, for good',
    fault: forGood({ match: isUploadPart(2), action: { kind: 'reset-request', afterBytes: 1_000_000 } }),
    rows: BIG,
  },
  {
    name: 'part 1 answered 500, for good',
    fault: forGood({ match: isUploadPart(1), action: { kind: 'status', status: 500 } }),
    rows: BIG,
  },
  {
    name: 'CompleteMultipartUpload answered 500, once',
    fault: { match: isCompleteUpload, action: { kind: 'status', status: 500 } },
    rows: BIG,
  },
  {
    name: 'CompleteMultipartUpload answered 500, for good',
    fault: forGood({ match: isCompleteUpload, action: { kind: 'status', status: 500 } }),
    rows: BIG,
  },
  {
    name: 'a small file cut off mid-upload, for good',
    fault: forGood({ match: isPutObject(/\.csv(\.gz)?$/), action: { kind: 'reset-request', afterBytes: 1024 } }),
  },
  {
    name: 'the manifest cut off mid-upload, for good',
    fault: forGood({ match: isPutObject(/manifest\.json$/), action: { kind: 'reset-request', afterBytes: 10 } }),
  },
];
const READ_CASES: Case[] = [
  {
    name: 'COPY read reset after 16 kB, once',
    fault: { match: isGetObject(/\.csv(\.gz)?$/), action: { kind: 'reset-response', afterBytes: 16_384 } },
    rows: MEDIUM,
  },
  {
    name: 'COPY read reset after 16 kB, for good',
    fault: forGood({ match: isGetObject(/\.csv(\.gz)?$/), action: { kind: 'reset-response', afterBytes: 16_384 } }),
    rows: MEDIUM,
  },
  {
    name: 'COPY read answered 500, for good',
    fault: forGood({ match: isGetObject(/\.csv(\.gz)?$/), action: { kind: 'status', status: 500 } }),
    rows: MEDIUM,
  },
  {
    name: 'manifest read reset, for good',
    fault: forGood({ match: isGetObject(/manifest\.json$/), action: { kind: 'reset-response', afterBytes: 5 } }),
    rows: MEDIUM,
  },
  // S3 going quiet mid-object: the COPY must fail in bounded time, not hold the table's LOCK forever.
  {
    name: 'COPY read stalls after 16 kB',
    fault: { match: isGetObject(/\.csv(\.gz)?$/), action: { kind: 'stall-response', afterBytes: 16_384 } },
    rows: MEDIUM,
    timeoutMs: 20_000,
  },
];

let s: TestSchema;
let flaky: FlakyS3;
const outcomes: Record<string, TrialOutcome[]> = {};
const backend: Reader = { query: async (sql, params) => (await s.pool.query(sql, params)).rows };
beforeAll(async () => {
  s = await createTestSchema('fault_s3');
  flaky = await FlakyS3.start(testS3Endpoint());
});
afterAll(async () => {
  for (const [suite, list] of Object.entries(outcomes)) printCounts(suite, list);
  await flaky?.close();
  // A stalled COPY may still hold its session (the defect the stall case looks for): end those
  // sessions, found by the locks their COPY holds on this file's tables. Only COPYs: another test
  // file's database-wide VACUUM also locks these tables for a moment, and must not be killed.
  await s.pool.query(
    `select pg_terminate_backend(l.pid) from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
       join pg_stat_activity a on a.pid = l.pid
     where n.nspname = $1 and l.pid <> pg_backend_pid() and a.query ~* '^\\s*copy\\s'`,
    [s.schema],
  );
  await s.pool.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await s.drop();
}, 60_000);

let trialNo = 0;
function trials(suite: string, list: Case[], get: () => { db: PostgresDatabase | RedshiftDatabase; reader: Reader }) {
  outcomes[suite] = [];
  for (const c of list) {
    it(
      c.name,
      async () => {
        const { db, reader } = get();
        const outcome = await runTrial({
          name: c.name,
          db,
          reader,
          backend,
          schema: s.schema,
          table: `s3fault_${++trialNo}`,
          ...(c.rows ? { rows: c.rows() } : {}),
          ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}),
          arm: () => flaky.arm(c.fault),
        });
        if (flaky.hits === 0)
          outcome.problems.push(
            `the fault never fired (requests: ${flaky.seen.map((r) => `${r.method} ${r.url.slice(-50)}`).join(' | ')})`,
          );
        flaky.arm(undefined);
        outcomes[suite]!.push(outcome);
        expect(
          outcome.problems,
          `${c.name}: result ${outcome.result}${outcome.error ? ` (${outcome.error})` : ''}, table ${outcome.table}, audit [${outcome.audit.join(', ')}]`,
        ).toEqual([]);
      },
      (c.timeoutMs ?? 30_000) + 15_000,
    );
  }
}

describe('uploads to S3 failing, Postgres with an S3 stage', () => {
  let db: PostgresDatabase;
  beforeAll(() => {
    db = new PostgresDatabase({
      connectionString: s.url,
      auditSchema: `${s.schema}_audit`,
      stage: stage(flaky.endpoint, `pg/${s.schema}`),
    });
  });
  afterAll(() => db.close());
  trials('S3 upload faults (Postgres)', UPLOAD_CASES, () => ({ db, reader: backend }));
});

describe('the local Redshift emulator with S3 failing', () => {
  let emulator: RedshiftEmulator;
  let readsFlaky: RedshiftEmulator;
  let uploadsFlaky: RedshiftDatabase;
  let copyReadsFlaky: RedshiftDatabase;
  let direct: RedshiftDatabase;
  beforeAll(async () => {
    const creds = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
    emulator = await startRedshiftEmulator({
      port: 0,
      postgres: s.url,
      s3: { endpoint: testS3Endpoint(), credentials: creds },
    });
    // A short idle deadline keeps the stall case quick: the promise under test is that there is one.
    readsFlaky = await startRedshiftEmulator({
      port: 0,
      postgres: s.url,
      s3: { endpoint: flaky.endpoint, credentials: creds, timeouts: { idleMs: 3000 } },
    });
    const audit = `${s.schema}_audit`;
    uploadsFlaky = new RedshiftDatabase({
      connectionString: emulator.url,
      iamRole: IAM_ROLE,
      auditSchema: audit,
      stage: stage(flaky.endpoint, `rs/${s.schema}`),
    });
    copyReadsFlaky = new RedshiftDatabase({
      connectionString: readsFlaky.url,
      iamRole: IAM_ROLE,
      auditSchema: audit,
      stage: stage(testS3Endpoint(), `rs/${s.schema}`),
    });
    direct = new RedshiftDatabase({
      connectionString: emulator.url,
      iamRole: IAM_ROLE,
      auditSchema: audit,
      stage: stage(testS3Endpoint(), `rs/${s.schema}`),
    });
  });
  afterAll(async () => {
    const bounded = (p: Promise<unknown>) =>
      Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
    for (const db of [uploadsFlaky, copyReadsFlaky, direct]) await bounded(db?.close() ?? Promise.resolve());
    await bounded(emulator?.close() ?? Promise.resolve());
    await bounded(readsFlaky?.close() ?? Promise.resolve());
  }, 30_000);
  describe('uploads', () => {
    // The upload path is the S3 stage's, as on Postgres above: a few of its cases, to see the emulator's side.
    const some = UPLOAD_CASES.filter((c) =>
      /part 1 cut off|part 2|CompleteMultipartUpload answered 500, for good|manifest/.test(c.name),
    );
    trials('S3 upload faults (Redshift emulator)', some, () => ({ db: uploadsFlaky, reader: direct }));
  });
  describe('COPY reads', () => {
    trials('S3 read faults during COPY (Redshift emulator)', READ_CASES, () => ({
      db: copyReadsFlaky,
      reader: direct,
    }));
  });
});
