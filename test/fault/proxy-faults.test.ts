// Fault injection on the database connection: a proxy between the loader and the server breaks
// the connection at every phase of a load (each statement: before it reaches the server, or after
// it ran but before its reply reaches the client — for COMMIT, the server committed and the
// client sees a drop), during COPY data, and delays statements. On Postgres (COPY while staging
// and COPY in the merge) and on the local Redshift emulator. Each trial checks the table, the
// load's result and the audit row agree (see trial.ts); the counts are printed at the end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { LocalStage, PostgresDatabase, RedshiftDatabase, S3Stage } from '../../src/index.js';
import { FaultProxy, sqlStarts, type Fault, type Frame } from '../helpers/fault-proxy.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { printCounts, runTrial, type Reader, type TrialOutcome } from './trial.js';

/** The statements of a load, by the SQL they start with; some only on one kind of warehouse. */
const STATEMENTS: Array<[string, RegExp, ('postgres' | 'redshift')?]> = [
  ['BEGIN', /^BEGIN/i],
  ['CREATE TEMP TABLE (stage)', /^CREATE TEMP TABLE/i],
  ['COPY (stage)', /^COPY /i],
  ['stl_load_commits query', /^SELECT TRIM\(filename\)/i, 'redshift'],
  ['LOCK (target)', /^LOCK /i],
  ['ANALYZE (stage)', /^ANALYZE/i, 'postgres'],
  ['DELETE duplicates (stage)', /^DELETE FROM "upshift_stage/i],
  ['DELETE matched (target)', /^DELETE FROM "t_[^"]*"\."/i],
  ['INSERT (target)', /^INSERT INTO (?!.*load_audit)/i],
  // The audit: a 'running' row when the load starts, the 'succeeded' row in the merge, then the running row dropped.
  ['INSERT running audit row', /^INSERT INTO .*load_audit/i],
  ['INSERT succeeded audit row', /^INSERT INTO .*load_audit/i],
  ['DELETE running audit row', /^DELETE FROM .*load_audit/i],
  ['DROP TABLE (stage)', /^DROP TABLE "upshift_stage/i],
  ['COMMIT', /^COMMIT/i],
];

/**
 * The merge's COMMIT is the one after the INSERT into the target (a COPY while staging commits
 * the stage table's creation first): a matcher with memory, made fresh for each trial.
 */
const mergeCommit = (): ((f: Frame) => boolean) => {
  let merged = false;
  return (f) => {
    if (sqlStarts(/^INSERT INTO (?!.*load_audit)/i)(f)) merged = true;
    return merged && sqlStarts(/^COMMIT/i)(f);
  };
};
/** The audit INSERT inside the merge: the one after the INSERT into the target. */
const mergeAuditInsert = (): ((f: Frame) => boolean) => {
  let merged = false;
  return (f) => {
    if (sqlStarts(/^INSERT INTO (?!.*load_audit)/i)(f)) merged = true;
    return merged && sqlStarts(/^INSERT INTO .*load_audit/i)(f);
  };
};
const matcher = (name: string, re: RegExp) =>
  name === 'COMMIT' ? mergeCommit() : name === 'INSERT succeeded audit row' ? mergeAuditInsert() : sqlStarts(re);

interface Case {
  name: string;
  fault: () => Fault;
}
function cases(warehouse: 'postgres' | 'redshift'): Case[] {
  const withCopyData = warehouse === 'postgres';
  const list: Case[] = [];
  for (const [name, re, only] of STATEMENTS) {
    if (only && only !== warehouse) continue;
    list.push({ name: `drop before ${name}`, fault: () => ({ kind: 'drop-before', match: matcher(name, re) }) });
    list.push({ name: `drop the reply to ${name}`, fault: () => ({ kind: 'drop-reply', match: matcher(name, re) }) });
  }
  if (withCopyData) {
    list.push({ name: 'drop at the first COPY data', fault: () => ({ kind: 'drop-mid-copy', afterBytes: 1 }) });
    list.push({ name: 'drop after 4 kB of COPY data', fault: () => ({ kind: 'drop-mid-copy', afterBytes: 4096 }) });
  }
  list.push({ name: 'delay COPY 300 ms', fault: () => ({ kind: 'delay', match: sqlStarts(/^COPY /i), ms: 300 }) });
  list.push({ name: 'delay COMMIT 300 ms', fault: () => ({ kind: 'delay', match: mergeCommit(), ms: 300 }) });
  return list;
}

let s: TestSchema;
let dir: string;
const outcomes: Record<string, TrialOutcome[]> = {};
beforeAll(async () => {
  s = await createTestSchema('fault_proxy');
  dir = mkdtempSync(join(tmpdir(), 'upshift-fault-'));
});
afterAll(async () => {
  for (const [suite, list] of Object.entries(outcomes)) printCounts(suite, list);
  await s.pool.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await s.drop();
  rmSync(dir, { recursive: true, force: true });
});

let trialNo = 0;
function trials(
  suite: string,
  warehouse: 'postgres' | 'redshift',
  get: () => { db: PostgresDatabase | RedshiftDatabase; proxy: FaultProxy; reader: Reader },
) {
  outcomes[suite] = [];
  for (const c of cases(warehouse)) {
    it(
      c.name,
      async () => {
        const { db, proxy, reader } = get();
        const outcome = await runTrial({
          name: c.name,
          db,
          reader,
          backend: { query: async (sql, params) => (await s.pool.query(sql, params)).rows },
          schema: s.schema,
          table: `fault_${++trialNo}`,
          arm: () => proxy.arm(c.fault()),
        });
        if (!proxy.fired)
          outcome.problems.push(
            `the fault never fired: the load sent no such statement (it sent: ${proxy.seen.map((q) => q.slice(0, 40)).join(' | ')})`,
          );
        proxy.arm(undefined);
        outcomes[suite]!.push(outcome);
        expect(
          outcome.problems,
          `${c.name}: result ${outcome.result}${outcome.error ? ` (${outcome.error})` : ''}, table ${outcome.table}, audit [${outcome.audit.join(', ')}]`,
        ).toEqual([]);
      },
      30_000,
    );
  }
}

const pgUpstream = () => {
  const u = new URL(s.url);
  return { host: u.hostname, port: Number(u.port || 5432) };
};
const viaProxy = (url: string, proxy: FaultProxy) => {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return u.toString();
};

for (const copyWhileStaging of [true, false]) {
  describe(`Postgres, ${copyWhileStaging ? 'COPY while staging' : 'COPY in the merge'}`, () => {
    let proxy: FaultProxy;
    let db: PostgresDatabase;
    beforeAll(async () => {
      proxy = await FaultProxy.start(pgUpstream());
      db = new PostgresDatabase({
        connectionString: viaProxy(s.url, proxy),
        copyWhileStaging,
        auditSchema: `${s.schema}_audit`,
        stage: new LocalStage({ dir: join(dir, `pg-${copyWhileStaging}`) }),
      });
    });
    afterAll(async () => {
      await db.close();
      await proxy.close();
    });
    const reader: Reader = { query: async (sql, params) => (await s.pool.query(sql, params)).rows };
    trials(
      `Postgres proxy faults (${copyWhileStaging ? 'COPY while staging' : 'COPY in the merge'})`,
      'postgres',
      () => ({ db, proxy, reader }),
    );
  });
}

describe('local Redshift emulator', () => {
  let emulator: RedshiftEmulator;
  let proxy: FaultProxy;
  let db: RedshiftDatabase;
  let direct: RedshiftDatabase;
  beforeAll(async () => {
    emulator = await startRedshiftEmulator({
      port: 0,
      postgres: s.url,
      s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    });
    const u = new URL(emulator.url);
    proxy = await FaultProxy.start({ host: u.hostname, port: Number(u.port) });
    db = new RedshiftDatabase({
      connectionString: viaProxy(emulator.url, proxy),
      iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
      auditSchema: `${s.schema}_audit`,
      stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/fault/${s.schema}`, client: testS3Client() }),
      retry: { attempts: 2, baseDelayMs: 10 },
    });
    direct = new RedshiftDatabase({
      connectionString: emulator.url,
      iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
      stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/fault/${s.schema}`, client: testS3Client() }),
    });
  });
  afterAll(async () => {
    await db?.close();
    await direct?.close();
    await proxy?.close();
    await emulator?.close();
  });
  trials('Redshift emulator proxy faults', 'redshift', () => ({ db, proxy, reader: direct }));
});
