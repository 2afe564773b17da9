// Telling the truth about what happened: the result a load returns and its audit row agree,
// whatever breaks (the COMMIT's answer lost, retries, a NUL in an error, a killed process), and
// errors name what the user knows (the target, the staged part and its line, the S3 key).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  CommitUnconfirmedError,
  LoadError,
  LocalStage,
  PostgresDatabase,
  RedshiftDatabase,
  S3Stage,
  SerializationConflictError,
  defineTable,
  fromLocalFile,
  t,
  type Source,
  type TableModel,
} from '../../src/index.js';
import { buildLoadPlan } from '../../src/engine/index.js';
import { type PreparedSource } from '../../src/sources/index.js';
import { type PgSession } from '../../src/warehouse/index.js';
import type { LoadPlan, PlanResult, PlanStep } from '../../src/warehouse/plan.js';
import { main } from '../../src/cli/main.js';
import { scriptedPgSession } from '../helpers/scripted-session.js';
import { UpshiftStageError } from '../../src/stage/errors.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { startRedshiftEmulator } from '../../src/emulator/index.js';
import { tempDir } from '../stage/support.js';

let s: TestSchema;
const tmp = tempDir('audit-truth');
type Row = Record<string, unknown>;
const auditSchema = () => `${s.schema}_audit`;

beforeAll(async () => {
  s = await createTestSchema('audit_truth');
});
afterAll(async () => {
  await s.pool.query(`drop schema if exists "${auditSchema()}" cascade`);
  await s.drop();
  tmp.remove();
});

const model = (name: string) =>
  defineTable(`${s.schema}.${name}`, { id: t.bigint().notNull(), qty: t.integer() }, { upsertKey: ['id'] });
function* rows(n: number, start = 0, qty = (i: number) => i % 100): Generator<{ id: bigint; qty: number }> {
  for (let i = start; i < start + n; i++) yield { id: BigInt(i), qty: qty(i) };
}
const auditRows = async (table: string) =>
  (
    await s.pool.query(
      `select load_id, status, attempts, error, source, started_at from "${auditSchema()}".load_audit where target_table = $1 order by started_at`,
      [table],
    )
  ).rows as Row[];
const count = async (table: string) =>
  (await s.pool.query(`select count(*)::int as n from "${s.schema}"."${table}"`)).rows[0].n as number;
const options = (extra: Record<string, unknown> = {}) => ({
  connectionString: s.url,
  auditSchema: auditSchema(),
  stage: new LocalStage({ dir: tmp.dir, slices: 2, partBytes: 16 * 1024 }),
  ...extra,
});

/**
 * A TCP proxy in front of Postgres that, once armed, cuts the connection at the next COMMIT:
 * 'after' lets the COMMIT reach the server and drops its answer (the commit happened, the
 * client can't know); 'before' drops the COMMIT itself (the transaction never commits).
 */
class CommitCutter {
  constructor(private readonly upstreamUrl: () => string = () => s.url) {}
  armed: 'after' | 'before' | undefined;
  cuts = 0;
  private readonly server = net.createServer((client) => this.relay(client));
  private readonly sockets = new Set<net.Socket>();

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const url = new URL(this.upstreamUrl());
    url.host = `127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
    return url.toString();
  }

  private relay(client: net.Socket): void {
    const target = new URL(this.upstreamUrl());
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    let dropAnswer = false;
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const sock of [client, upstream]) {
      this.sockets.add(sock);
      sock.on('error', cut).on('close', () => {
        this.sockets.delete(sock);
        cut();
      });
    }
    client.on('data', (buf: Buffer) => {
      const at = buf.indexOf('COMMIT\0');
      if (this.armed && at >= 5 && buf[at - 5] === 0x51 /* Query message */) {
        const mode = this.armed;
        this.armed = undefined;
        this.cuts++;
        if (mode === 'before') return cut();
        dropAnswer = true;
      }
      upstream.write(buf);
    });
    upstream.on('data', (buf: Buffer) => (dropAnswer ? cut() : client.write(buf)));
  }

  async stop(): Promise<void> {
    for (const sock of this.sockets) sock.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Arms the proxy as the load's merge transaction starts (a live COPY commits its stage table before). */
class CutRedshiftAtMerge extends RedshiftDatabase {
  constructor(
    opts: ConstructorParameters<typeof RedshiftDatabase>[0],
    readonly cutter: CommitCutter,
    readonly mode: 'after' | 'before',
  ) {
    super(opts);
  }
  override runPlan(plan: LoadPlan, on?: PgSession): Promise<PlanResult> {
    this.cutter.armed = this.mode;
    return super.runPlan(plan, on);
  }
}

class CutAtMerge extends PostgresDatabase {
  constructor(
    opts: ConstructorParameters<typeof PostgresDatabase>[0],
    readonly cutter: CommitCutter,
    readonly mode: 'after' | 'before',
  ) {
    super(opts);
  }
  override runPlan(plan: LoadPlan, on?: PgSession): Promise<PlanResult> {
    this.cutter.armed = this.mode;
    return super.runPlan(plan, on);
  }
}

describe('the result and the audit agree', () => {
  it('the connection drops after COMMIT was sent: the database is asked, and result, target and audit agree (every trial)', async () => {
    const cutter = new CommitCutter();
    const url = await cutter.start();
    const trials = 5;
    const tally: string[] = [];
    try {
      for (const live of [false, true]) {
        for (const mode of ['after', 'before'] as const) {
          const name = `commit_${mode}_${live ? 'live' : 'files'}`;
          const db = new CutAtMerge(options({ connectionString: url, copyWhileStaging: live }), cutter, mode);
          const table = db.table(model(name));
          await table.create();
          let held = 0;
          for (let trial = 0; trial < trials; trial++) {
            const before = await count(name);
            const outcome = await table.upsert(rows(20_000, trial * 20_000)).then(
              (r) => ({ r }),
              (err: unknown) => ({ err }),
            );
            const after = await count(name);
            const audit = (await auditRows(`${s.schema}.${name}`)).slice(trial);
            // Held: the result, the target and the audit tell one story.
            const agrees =
              mode === 'after'
                ? 'r' in outcome &&
                  after === before + 20_000 &&
                  audit.length === 1 &&
                  audit[0]!.status === 'succeeded' &&
                  audit[0]!.load_id === outcome.r.loadId
                : 'err' in outcome && after === before && audit.length === 1 && audit[0]!.status === 'failed';
            if (agrees) held++;
            if ('r' in outcome) {
              expect(outcome.r.notes).toEqual([
                expect.stringMatching(/connection broke after COMMIT was sent .*confirmed the load committed/),
              ]);
              expect(audit[0]!.attempts).toBe(1);
            } else if (mode === 'before') {
              expect(outcome.err).toBeInstanceOf(CommitUnconfirmedError);
              expect(outcome.err).toMatchObject({ committed: false });
              expect(String(audit[0]?.error)).toMatch(/CommitUnconfirmedError: .*did not commit/);
            }
          }
          tally.push(`${name}: ${held}/${trials} held`);
          await db.close();
        }
      }
    } finally {
      await cutter.stop();
    }
    console.log(`commit-drop trials (${cutter.cuts} cuts): ${tally.join(', ')}`);
    expect(cutter.cuts).toBe(4 * trials);
    expect(tally).toEqual(
      ['commit_after_files', 'commit_before_files', 'commit_after_live', 'commit_before_live'].map(
        (n) => `${n}: ${trials}/${trials} held`,
      ),
    );
  }, 120_000);

  it('Redshift (the local emulator): the same, COMMIT answer lost or COMMIT lost, decided by the audit row after LOCK', async () => {
    const emulator = await startRedshiftEmulator({
      port: 0,
      postgres: s.url,
      s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    });
    const cutter = new CommitCutter(() => emulator.url);
    const url = await cutter.start();
    const tally: string[] = [];
    const trials = 3;
    try {
      for (const mode of ['after', 'before'] as const) {
        const name = `rs_commit_${mode}`;
        const db = new CutRedshiftAtMerge(
          {
            connectionString: url,
            iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
            auditSchema: auditSchema(),
            stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/audit-truth/${s.schema}`, client: testS3Client() }),
          },
          cutter,
          mode,
        );
        const table = db.table(model(name));
        await table.create();
        let held = 0;
        for (let trial = 0; trial < trials; trial++) {
          const before = await count(name);
          const outcome = await table.upsert(rows(1000, trial * 1000)).then(
            (r) => ({ r }),
            (err: unknown) => ({ err }),
          );
          const after = await count(name);
          const audit = (await auditRows(`${s.schema}.${name}`)).slice(trial);
          const agrees =
            mode === 'after'
              ? 'r' in outcome &&
                after === before + 1000 &&
                audit.length === 1 &&
                audit[0]!.status === 'succeeded' &&
                /confirmed the load committed/.test(outcome.r.notes?.join() ?? '')
              : 'err' in outcome &&
                outcome.err instanceof CommitUnconfirmedError &&
                after === before &&
                audit.length === 1 &&
                audit[0]!.status === 'failed';
          if (agrees) held++;
        }
        tally.push(`${name}: ${held}/${trials} held`);
        await db.close();
      }
    } finally {
      await cutter.stop();
      await emulator.close();
    }
    console.log(`Redshift emulator commit-drop trials (${cutter.cuts} cuts): ${tally.join(', ')}`);
    expect(tally).toEqual(['rs_commit_after', 'rs_commit_before'].map((n) => `${n}: ${trials}/${trials} held`));
  }, 120_000);

  /** Postgres whose merge hits a serialization conflict at the DELETE, `conflicts` times. */
  class Conflicting extends PostgresDatabase {
    conflicts = 0;
    protected override async runStep(
      session: PgSession,
      step: PlanStep,
      counts: Record<string, number>,
    ): Promise<void> {
      if (step.kind === 'sql' && step.label === 'updated' && this.conflicts > 0) {
        this.conflicts--;
        throw Object.assign(new Error('could not serialize access due to read/write dependencies among transactions'), {
          code: '40001',
          severity: 'ERROR',
          detail: 'Reason code: Canceled on identification as a pivot, during write.',
        });
      }
      await super.runStep(session, step, counts);
    }
  }

  it('records attempts in the audit row, for retried loads that succeed and that fail; the exhausted conflict keeps its detail', async () => {
    for (const live of [false, true]) {
      const db = new Conflicting(options({ copyWhileStaging: live, retry: { attempts: 3, baseDelayMs: 1 } }));
      const name = `retried_${live}`;
      const table = db.table(model(name));
      await table.create();
      db.conflicts = 1;
      const ok = await table.upsert(rows(100));
      expect(ok.attempts).toBe(2);
      db.conflicts = 5;
      const err = await table.upsert(rows(10, 1000)).catch((e: unknown) => e);
      const audit = await auditRows(`${s.schema}.${name}`);
      expect(audit.map((a) => [a.status, a.attempts])).toEqual([
        ['succeeded', 2],
        ['failed', 3],
      ]);
      expect(String(audit[1]!.error)).toContain('Canceled on identification as a pivot');
      expect(err).toBeInstanceOf(SerializationConflictError);
      expect(String(err)).toMatch(/on each of 3 attempts.*could not serialize.*Canceled on identification as a pivot/);
      expect(await count(name)).toBe(100);
      await db.close();
    }
  });

  it('Redshift: retries that run out keep the 1023 detail', async () => {
    const m = defineTable('candy.names', { id: t.bigint().notNull(), name: t.varchar(64) }, { upsertKey: ['id'] });
    const stage = new S3Stage({ basePath: 's3://bucket/base', client: testS3Client() });
    const prepared: PreparedSource = {
      staged: {
        loadId: 'L1',
        target: m,
        files: [{ uri: 's3://bucket/base/p.csv.gz', bytes: 1 }],
        manifestUri: 's3://bucket/base/manifest.json',
        bytes: 1,
        compression: 'gzip',
      },
      format: { kind: 'csv', gzip: true },
      ordered: true,
    };
    class AlwaysConflicting extends RedshiftDatabase {
      protected override async withSession<T>(fn: (s: PgSession) => Promise<T>): Promise<T> {
        return fn(
          scriptedPgSession((sql) => {
            if (sql.startsWith('COPY'))
              throw Object.assign(new Error('1023'), {
                code: 'XX000',
                severity: 'ERROR',
                detail:
                  'Serializable isolation violation on table - 100, transactions forming the cycle are: 1, 2 (pid:3)',
              });
            return { rows: [], rowCount: 0 };
          }),
        );
      }
    }
    const db = new AlwaysConflicting({ host: 'h', stage, iamRole: 'arn', retry: { attempts: 2, baseDelayMs: 1 } });
    const err = (await db
      .runPlan(buildLoadPlan({ warehouse: db, model: m, mode: 'append', loadId: 'L1', prepared }))
      .catch((e: unknown) => e)) as SerializationConflictError;
    expect(err).toBeInstanceOf(SerializationConflictError);
    expect(err.message).toBe(
      'Load into candy.names failed: a serialization conflict on each of 2 attempts; the last: 1023 (Serializable isolation violation on table - 100, transactions forming the cycle are: 1, 2 (pid:3))',
    );
    expect(err.sqlState).toBe('XX000');
    expect(err.code).toBe('SERIALIZATION_CONFLICT');
    await db.close();
  });

  it('an error text with U+0000 or a lone surrogate still gets its failed audit row (escaped)', async () => {
    const db = new PostgresDatabase(options());
    const table = db.table(model('nul_error'));
    await table.create();
    const source: Source = {
      describe: () => 'file with a bad\u0000header',
      prepare: async () => {
        throw new Error('column "a\u0000b" is not in the model; also \uD800 alone');
      },
    };
    await expect(table.loadFrom(source)).rejects.toThrow(/is not in the model/);
    // A real file: UTF-16 text is full of NULs, and the error names its header.
    const utf16 = join(tmp.dir, 'utf16.csv');
    writeFileSync(utf16, Buffer.from('\uFEFFid,qty\n1,2\n', 'utf16le'));
    await expect(table.loadFrom(fromLocalFile(utf16))).rejects.toThrow();
    const audit = await auditRows(`${s.schema}.nul_error`);
    expect(audit.map((a) => a.status)).toEqual(['failed', 'failed']);
    expect(audit[0]!.error).toBe('Error: column "a\\u0000b" is not in the model; also \\ud800 alone');
    expect(audit[0]!.source).toBe('file with a bad\\u0000header');
    expect(String(audit[1]!.error)).not.toContain('\u0000');
    await db.close();
  });

  it('a finished load has one audit row; a running row left beside it (its cleanup failed) is not shown as running', async () => {
    const db = new PostgresDatabase(options());
    const table = db.table(model('one_row'));
    await table.create();
    const r = await table.upsert([...rows(3)]);
    expect((await auditRows(`${s.schema}.one_row`)).map((a) => a.status)).toEqual(['succeeded']);
    // What a lost DELETE of the running row would leave.
    await s.pool.query(
      `insert into "${auditSchema()}".load_audit (load_id, target_table, mode, source, stage_uris, attempts, started_at, status)
      values ($1, $2, 'upsert', 'x', '[]', 0, now(), 'running')`,
      [r.loadId, `${s.schema}.one_row`],
    );
    const printed: string[] = [];
    const io = { out: (x: string) => void printed.push(x), err: (x: string) => void printed.push(x), isTTY: false };
    expect(
      await main(
        [
          'audit',
          '--database-url',
          s.url,
          '--schema',
          auditSchema(),
          '--status',
          'running',
          '--table',
          `${s.schema}.one_row`,
        ],
        { cwd: tmp.dir, env: {}, io },
      ),
    ).toBe(0);
    expect(printed.join('')).toBe('no loads match\n');
    printed.length = 0;
    expect(
      await main(
        ['audit', '--database-url', s.url, '--schema', auditSchema(), '--table', `${s.schema}.one_row`, '--json'],
        { cwd: tmp.dir, env: {}, io },
      ),
    ).toBe(0);
    expect(printed.map((l) => (JSON.parse(l) as Row).status)).toEqual(['succeeded']);
    await db.close();
  });

  it('a load SIGKILLed while staging leaves a running row; `upshift audit` shows it, its age and the replay hint', async () => {
    const name = 'killed';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./audit-kill-child.ts', import.meta.url))],
      {
        env: {
          ...process.env,
          KILL_URL: s.url,
          KILL_AUDIT: auditSchema(),
          KILL_TABLE: `${s.schema}.${name}`,
          KILL_DIR: tmp.dir,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('staging')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before staging: ${out}`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    const audit = await auditRows(`${s.schema}.${name}`);
    expect(audit.map((a) => a.status)).toEqual(['running']);
    const loadId = String(audit[0]!.load_id);
    expect(out).toContain(loadId);

    const printed: string[] = [];
    const io = { out: (x: string) => void printed.push(x), err: (x: string) => void printed.push(x), isTTY: false };
    const code = await main(
      ['audit', '--database-url', s.url, '--schema', auditSchema(), '--table', `${s.schema}.${name}`],
      { cwd: tmp.dir, env: {}, io },
    );
    const text = printed.join('');
    expect(code).toBe(0);
    expect(text).toMatch(new RegExp(`running .*${s.schema}\\.${name}.*started \\d+ s ago.*\\[${loadId}\\]`));
    expect(text).toContain(`upshift replay ${loadId}`);
    const asJson: string[] = [];
    expect(
      await main(['audit', '--database-url', s.url, '--schema', auditSchema(), '--status', 'running', '--json'], {
        cwd: tmp.dir,
        env: {},
        io: { ...io, out: (x) => void asJson.push(x) },
      }),
    ).toBe(0);
    expect(asJson.map((l) => JSON.parse(l) as Row)).toEqual([
      expect.objectContaining({ loadId, status: 'running', finishedAt: null, attempts: 0 }),
    ]);
  }, 60_000);
});

describe('audit tables made by an older upshift', () => {
  it('keep working: a load opens and closes its row in a table without the newer columns, old rows untouched', async () => {
    const old = `${s.schema}_oldaudit`;
    await s.pool.query(`create schema "${old}"`);
    try {
      // load_audit as the first upshift created it (no load_commits), with one of its rows.
      await s.pool
        .query(`create table "${old}".load_audit (load_id varchar(64) not null, target_table varchar(300) not null, mode varchar(16) not null,
        source varchar(65535), stage_uris varchar(65535), rows_staged bigint, rows_inserted bigint, rows_updated bigint, rows_deleted bigint, attempts integer,
        started_at timestamptz not null, finished_at timestamptz, duration_ms bigint, status varchar(16) not null, error varchar(65535))`);
      await s.pool.query(
        `insert into "${old}".load_audit (load_id, target_table, mode, started_at, status) values ('old-1', 'x.y', 'upsert', now(), 'succeeded')`,
      );
      const db = new PostgresDatabase(options({ auditSchema: old }));
      const table = db.table(model('old_audit'));
      await table.create();
      const r = await table.upsert(rows(10));
      const audit = (
        await s.pool.query(
          `select load_id, status, attempts, rows_inserted from "${old}".load_audit order by started_at`,
        )
      ).rows as Row[];
      expect(audit).toEqual([
        { load_id: 'old-1', status: 'succeeded', attempts: null, rows_inserted: null },
        { load_id: r.loadId, status: 'succeeded', attempts: 1, rows_inserted: '10' },
      ]);
      await db.close();
    } finally {
      await s.pool.query(`drop schema "${old}" cascade`);
    }
  });
});

describe('errors name what the user knows', () => {
  /** Postgres whose stage table refuses qty >= 1000: a rejection only the server can make. */
  class CheckingDatabase extends PostgresDatabase {
    override createTempTableSql(
      name: string,
      table: TableModel,
      columns: readonly string[],
      withOrdinal: boolean,
    ): string {
      return super.createTempTableSql(name, table, columns, withOrdinal).replace(/\)$/, ', CHECK (qty < 1000))');
    }
  }
  /** Postgres whose stage table reads `note` as jsonb: its parse errors nest a "JSON data, line 1" context inside COPY's. */
  class JsonNoteDatabase extends PostgresDatabase {
    override createTempTableSql(
      name: string,
      table: TableModel,
      columns: readonly string[],
      withOrdinal: boolean,
    ): string {
      return super.createTempTableSql(name, table, columns, withOrdinal).replace('"note" VARCHAR(20)', '"note" jsonb');
    }
  }
  const lineOf = (file: string, line: number) =>
    gunzipSync(readFileSync(fileURLToPath(file)))
      .toString('utf8')
      .split('\n')[line - 1];

  it('a COPY of the staged files that fails names the target table, not the stage table', async () => {
    const db = new CheckingDatabase(options({ copyWhileStaging: false }));
    const table = db.table(model('named_target'));
    await table.create();
    const err = (await table
      .upsert(rows(5000, 0, (i) => (i === 4321 ? 5000 : 1)))
      .catch((e: unknown) => e)) as LoadError;
    expect(err).toBeInstanceOf(LoadError);
    expect(err.message).toMatch(
      new RegExp(`^Load into ${s.schema}\\.named_target failed at file file://.*/part-0000\\d\\.csv\\.gz, line \\d+`),
    );
    expect(err.table).toBe(`${s.schema}.named_target`);
    expect(lineOf(err.file!, err.line!)).toBe('4321,5000,4322');
    await db.close();
  });

  it('live COPY: a bad row deep in a later part of a 300k-row load is named by that part and its own line, and the target', async () => {
    const db = new JsonNoteDatabase(
      options({ stage: new LocalStage({ dir: tmp.dir, slices: 2, partBytes: 64 * 1024 }) }),
    );
    const m = defineTable(`${s.schema}.deep`, { id: t.bigint().notNull(), note: t.varchar(20) }, { upsertKey: ['id'] });
    const table = db.table(m);
    await table.create();
    const bad = 287_654;
    function* notes() {
      for (let i = 0; i < 300_000; i++) yield { id: BigInt(i), note: i === bad ? 'not json' : String(i % 1000) };
    }
    const err = (await table.upsert(notes()).catch((e: unknown) => e)) as LoadError;
    expect(err).toBeInstanceOf(LoadError);
    expect(err.reason).toMatch(/invalid input syntax for type json/);
    expect(lineOf(err.file!, err.line!)).toBe(`${bad},not json,${bad + 1}`);
    expect(err.table).toBe(`${s.schema}.deep`);
    expect(err.message).toMatch(
      new RegExp(
        `^Load into ${s.schema}\\.deep failed at file .*part-000(0[2-9]|[1-9]\\d)\\.csv\\.gz, line \\d{4,}, column "note", value "not json"`,
      ),
    );
    await db.close();
  }, 60_000);

  it('a part upload that fails (no live COPY) names the S3 key and the cause, not a bare AbortError', async () => {
    const client = testS3Client();
    let uploads = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (/^(UploadPart|PutObject)Command$/.test(context.commandName ?? '') && ++uploads === 2)
          throw Object.assign(new Error('socket hang up (injected)'), { code: 'ECONNRESET' });
        return next(args);
      },
      { step: 'initialize', name: 'failSecondUploadPart' },
    );
    const db = new PostgresDatabase(
      options({
        copyWhileStaging: false,
        stage: new S3Stage({
          basePath: `s3://${TEST_BUCKET}/audit-truth`,
          client,
          slices: 2,
          partBytes: 6 * 1024 * 1024,
        }),
      }),
    );
    const table = db.table(model('upload_fails'));
    await table.create();
    const err = await table.upsert(rows(3_000_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpshiftStageError);
    expect(String(err)).toMatch(
      new RegExp(
        `S3 upload of s3://${TEST_BUCKET}/audit-truth/.*part-0000\\d\\.csv\\.gz failed: ECONNRESET: socket hang up \\(injected\\)`,
      ),
    );
    expect((err as UpshiftStageError).key).toMatch(/part-0000\d\.csv\.gz$/);
    const audit = await auditRows(`${s.schema}.upload_fails`);
    expect(audit.map((a) => a.status)).toEqual(['failed']);
    expect(String(audit[0]!.error)).toContain('socket hang up (injected)');
    expect(await count('upload_fails')).toBe(0);
    await db.close();
  }, 60_000);
});
