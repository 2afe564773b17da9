// One fault-injection trial: a table seeded outside upshift, one upsert through a faulty path,
// then the checks every trial must pass whatever broke:
// - the table holds exactly its old rows (the load threw) or exactly old + new (it returned);
// - the load's result agrees with what the table holds;
// - the audit log has exactly one final row for the load, its status matching (a stale
//   'running' row is allowed only beside 'succeeded': dropping it after the commit is best effort).
import { randomBytes } from 'node:crypto';
import { defineTable, t, type BoundTable } from '../../src/index.js';
import type { Warehouse } from '../../src/warehouse/index.js';

export const faultModel = (schema: string, name: string) =>
  defineTable(
    `${schema}.${name}`,
    { id: t.bigint().notNull(), v: t.varchar(400), n: t.integer() },
    { upsertKey: ['id'] },
  );
type FaultModel = ReturnType<typeof faultModel>;
export type LoadRow = { id: bigint; v: string; n: number };

export interface TrialOutcome {
  name: string;
  /** 'returned' or 'threw', and what the table and the audit said. */
  result: 'returned' | 'threw' | 'hung';
  table: 'unchanged' | 'new rows' | 'something else';
  audit: string[];
  error?: string;
  problems: string[];
}

const SEED_ROWS = 50;

/** The rows a trial loads: overlapping the seed (updates) and new keys, one key given twice (the later wins). */
export function trialRows(count = 100, pad = 60): LoadRow[] {
  const rows: LoadRow[] = [];
  // Random hex padding: gzip can't shrink it, so the staged size is predictable (multipart uploads).
  for (let i = 0; i < count; i++)
    rows.push({
      id: BigInt(SEED_ROWS / 2 + i),
      v: `new ${i} ${randomBytes(Math.ceil(pad / 2))
        .toString('hex')
        .slice(0, pad)}`,
      n: i,
    });
  rows.splice(10, 0, { id: BigInt(SEED_ROWS / 2 + 20), v: 'loses to the later row', n: -1 });
  return rows;
}

/** Reads the table the same way before and after: every column as text, in key order. */
async function snapshot(reader: Reader, table: string): Promise<string> {
  const rows = await reader.query<{ id: string }>(`select id::text as id, v, n from ${table}`);
  return JSON.stringify(rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)));
}

/** Runs SQL around the fault (a plain pool, or a second warehouse object without the proxy). */
export interface Reader {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

function expectedAfter(before: string, rows: LoadRow[]): string {
  const byId = new Map<string, { id: string; v: string | null; n: number | null }>();
  for (const r of JSON.parse(before) as Array<{ id: string; v: string | null; n: number | null }>) byId.set(r.id, r);
  for (const r of rows) byId.set(String(r.id), { id: String(r.id), v: r.v, n: r.n });
  return JSON.stringify([...byId.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)));
}

export interface TrialSetup {
  name: string;
  /** The warehouse the load runs through (behind the fault); its auditSchema is read back. */
  db: Warehouse & { table<T extends FaultModel>(m: T): BoundTable<T> };
  /** A connection that bypasses the fault: seeds and reads back. */
  reader: Reader;
  schema: string;
  table: string;
  rows?: LoadRow[];
  /** Gives up on a load that never ends (counted as a failure: 'hung'). */
  timeoutMs?: number;
  /** Runs just before the load (e.g. arms the fault, so setup statements pass). */
  arm?: () => void;
  /**
   * The real Postgres under the warehouse: after the load, no session may still hold a lock on
   * the target (an abandoned transaction also leaves the table looking unchanged).
   */
  backend?: Reader;
}

/** Sessions other than ours holding a lock on the table, polled until none or the deadline. */
async function lingeringLocks(backend: Reader, table: string, waitMs = 5000): Promise<string[]> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const rows = await backend.query<{ pid: number; state: string; mode: string }>(
      // SIRead (predicate) locks outlive their serializable transaction until its overlapping ones end: not held by anyone.
      `select l.pid, a.state, l.mode from pg_locks l join pg_stat_activity a using (pid) where l.relation = $1::regclass and l.pid <> pg_backend_pid() and l.mode <> 'SIReadLock'`,
      [table],
    );
    if (rows.length === 0 || Date.now() > deadline) return rows.map((r) => `pid ${r.pid} (${r.state}) holds ${r.mode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runTrial(setup: TrialSetup): Promise<TrialOutcome> {
  const { db, reader, schema, table } = setup;
  const model = faultModel(schema, table);
  const qualified = `"${schema}"."${table}"`;
  await db.table(model).create();
  const seed = Array.from({ length: SEED_ROWS }, (_, g) => `(${g}, 'old ${g}', ${g})`).join(', ');
  await reader.query(`insert into ${qualified} (id, v, n) values ${seed}`);
  const before = await snapshot(reader, qualified);
  const rows = setup.rows ?? trialRows();
  setup.arm?.();
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), setup.timeoutMs ?? 20_000);
  });
  const load = db
    .table(model)
    .upsert(rows)
    .then(
      () => 'returned' as const,
      (err: unknown) => {
        error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        return 'threw' as const;
      },
    );
  const result: TrialOutcome['result'] = await Promise.race([load, timeout]);
  clearTimeout(timer);

  const problems: string[] = [];
  if (result === 'hung') {
    // Reading the table now would wait on the lock the stuck load holds: report who holds it.
    const held = setup.backend ? await lingeringLocks(setup.backend, qualified, 0) : [];
    problems.push(
      `the load neither returned nor threw within ${(setup.timeoutMs ?? 20_000) / 1000} s${held.length ? `; ${held.join(', ')} on the target` : ''}`,
    );
    return { name: setup.name, result, table: 'something else', audit: [], problems };
  }
  if (setup.backend) {
    const held = await lingeringLocks(setup.backend, qualified);
    if (held.length) problems.push(`5 s after the load a session still locks the table: ${held.join(', ')}`);
  }
  const after = await snapshot(reader, qualified).catch((e: unknown) => `unreadable: ${String(e)}`);
  const tableState: TrialOutcome['table'] =
    after === before ? 'unchanged' : after === expectedAfter(before, rows) ? 'new rows' : 'something else';
  const audit = (
    await reader.query<{ status: string }>(
      `select status from "${db.auditSchema}".load_audit where target_table = $1 order by started_at`,
      [`${schema}.${table}`],
    )
  ).map((r) => r.status);

  if (tableState === 'something else')
    problems.push(
      `the table holds neither its old rows nor old + new: ${firstDifference(after, expectedAfter(before, rows))}`,
    );
  if (result === 'threw' && tableState !== 'unchanged')
    problems.push(
      `the load threw (${error}) but the table ${tableState === 'new rows' ? 'holds the new rows' : 'changed'}`,
    );
  if (result === 'returned' && tableState !== 'new rows')
    problems.push('the load returned but the table does not hold the new rows');
  const wantStatus = result === 'returned' ? 'succeeded' : 'failed';
  // One final row. A 'running' row may stay beside a 'succeeded' one (dropping it after the commit
  // is best effort, and readers ignore it); never beside a failure, and never alone.
  const final = audit.filter((a) => a !== 'running');
  const strayRunning = audit.length - final.length > 0 && wantStatus !== 'succeeded';
  if (final.length !== 1 || final[0] !== wantStatus || strayRunning)
    problems.push(`audit rows [${audit.join(', ')}], expected exactly [${wantStatus}]`);
  return { name: setup.name, result, table: tableState, audit, ...(error ? { error } : {}), problems };
}

function firstDifference(got: string, want: string): string {
  const g = JSON.parse(got) as unknown[],
    w = JSON.parse(want) as unknown[];
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    if (JSON.stringify(g[i]) !== JSON.stringify(w[i]))
      return `row ${i}: got ${JSON.stringify(g[i])}, want ${JSON.stringify(w[i])} (${g.length} rows, want ${w.length})`;
  }
  return 'same rows';
}

/** Counts for the log: every trial, those whose promise held, those where it broke. */
export function printCounts(suite: string, outcomes: TrialOutcome[]): void {
  const failed = outcomes.filter((o) => o.problems.length > 0);
  console.log(
    `[fault] ${suite}: trials ${outcomes.length}, held ${outcomes.length - failed.length}, failed ${failed.length}`,
  );
  for (const o of failed) console.log(`[fault]   FAILED ${o.name}: ${o.problems.join('; ')}`);
}
