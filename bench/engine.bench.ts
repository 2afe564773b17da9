// Engine benchmark (issue 5): 1M rows upserted into a 1M-row table (50% overlap) on the local
// Postgres, three ways in the same run:
//   raw      hand-encoded CSV -> COPY FROM STDIN into a temp table -> DELETE USING + INSERT (the floor)
//   upshift  table.upsert(rows): validate, encode, gzip, stage files, COPY, dedupe, merge, audit
//   kysely   insert ... on conflict do update, batches of 1000 (what an ORM user would write)
// Each runs REPS times (default 3) on a freshly reset table; the medians are compared, since one
// run on a 2-core machine swings by 10-20%. Peak RSS of upshift for 1M and 5M rows is measured
// in child processes (it must not grow): on the built package, and under tsx for reference
// (tsx's compiler holds ~80 MB more).
// Usage: npm run bench -- engine   (UPSHIFT_BENCH_ROWS=200000 UPSHIFT_BENCH_REPS=1 for a quick run)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { LocalStage, PostgresDatabase, defineTable, t } from '../src/index.js';

const URL = process.env.UPSHIFT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const N = Number(process.env.UPSHIFT_BENCH_ROWS ?? 1_000_000);
const REPS = Number(process.env.UPSHIFT_BENCH_REPS ?? 3);
const SCHEMA = 'upshift_bench';
const model = defineTable(
  `${SCHEMA}.candy`,
  {
    id: t.bigint().notNull(),
    name: t.varchar(64),
    price: t.decimal(12, 2),
    updated_at: t.timestamptz().notNull(),
    active: t.boolean(),
  },
  { upsertKey: ['id'] },
);

function* rows(count: number, start: number) {
  for (let i = start; i < start + count; i++) {
    yield {
      id: BigInt(i),
      name: `candy ${i}`,
      price: `${i % 100000}.${String(i % 100).padStart(2, '0')}`,
      updated_at: new Date(1_700_000_000_000 + i * 1000),
      active: i % 3 === 0,
    };
  }
}
function* csvChunks(count: number, start: number) {
  let buf = '';
  for (const r of rows(count, start)) {
    buf += `${r.id},${r.name},${r.price},${r.updated_at.toISOString()},${r.active ? 't' : 'f'}\n`;
    if (buf.length >= 65536) {
      yield buf;
      buf = '';
    }
  }
  if (buf) yield buf;
}

async function resetTable(pool: pg.Pool, withPk: boolean) {
  await pool.query(`drop table if exists ${SCHEMA}.candy`);
  await pool.query(
    `create table ${SCHEMA}.candy (id bigint not null${withPk ? ' primary key' : ''}, name varchar(64), price numeric(12,2), updated_at timestamptz not null, active boolean)`,
  );
  const client = await pool.connect();
  await pipeline(
    Readable.from(csvChunks(N, 0)),
    client.query(copyFrom(`copy ${SCHEMA}.candy from stdin with (format csv)`)),
  );
  client.release();
  await pool.query(`vacuum analyze ${SCHEMA}.candy`);
}

async function raw(pool: pg.Pool) {
  const client = await pool.connect();
  await client.query('begin');
  await client.query(`lock table ${SCHEMA}.candy in share row exclusive mode`);
  await client.query(
    `create temp table stage (id bigint, name varchar(64), price numeric(12,2), updated_at timestamptz, active boolean) on commit drop`,
  );
  await pipeline(Readable.from(csvChunks(N, N / 2)), client.query(copyFrom('copy stage from stdin with (format csv)')));
  await client.query(`delete from ${SCHEMA}.candy t using stage s where t.id = s.id`);
  await client.query(
    `insert into ${SCHEMA}.candy (id, name, price, updated_at, active) select id, name, price, updated_at, active from stage`,
  );
  await client.query('commit');
  client.release();
}

async function kyselyBatches(pool: pg.Pool) {
  const db = new Kysely<{
    'upshift_bench.candy': { id: string; name: string; price: string; updated_at: Date; active: boolean };
  }>({ dialect: new PostgresDialect({ pool }) });
  let batch: Array<{ id: string; name: string; price: string; updated_at: Date; active: boolean }> = [];
  const flush = async () => {
    await db
      .insertInto('upshift_bench.candy')
      .values(batch)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          name: (eb) => eb.ref('excluded.name'),
          price: (eb) => eb.ref('excluded.price'),
          updated_at: (eb) => eb.ref('excluded.updated_at'),
          active: (eb) => eb.ref('excluded.active'),
        }),
      )
      .execute();
    batch = [];
  };
  for (const r of rows(N, N / 2)) {
    batch.push({ ...r, id: r.id.toString() });
    if (batch.length === 1000) await flush();
  }
  if (batch.length) await flush();
  void sql;
}

/** Runs `fn` after `reset`, `REPS` times; returns the median time, printing each. */
async function median(label: string, reset: () => Promise<void>, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    await reset();
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `  ${label.padEnd(10)} ${(mid / 1000).toFixed(2)} s   (runs: ${times.map((t) => (t / 1000).toFixed(2)).join(', ')})`,
  );
  return mid;
}

/** Peak RSS of one upsert in a child process: `node` on the built package (what users run), or under tsx. */
function childRss(count: number, underTsx: boolean): number | string {
  const child = [join(import.meta.dirname, 'rss-child.mjs'), String(count), URL, SCHEMA];
  const args = underTsx ? ['--import', 'tsx', ...child, '../src/index.ts'] : child;
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return line.startsWith('{') ? Math.round(JSON.parse(line).maxRssMb) : `failed: ${r.stderr.slice(0, 300)}`;
}

async function main() {
  const pool = new pg.Pool({ connectionString: URL, max: 4 });
  await pool.query(`create schema if not exists ${SCHEMA}`);
  const dir = mkdtempSync(join(tmpdir(), 'upshift-bench-'));
  const db = new PostgresDatabase({ connectionString: URL, stage: new LocalStage({ dir }), auditSchema: SCHEMA });
  console.log(
    `upsert ${N.toLocaleString()} rows into ${N.toLocaleString()} (50% overlap), local Postgres, median of ${REPS}:`,
  );
  const rawMs = await median(
    'raw',
    () => resetTable(pool, false),
    () => raw(pool),
  );
  const upMs = await median(
    'upshift',
    () => resetTable(pool, false),
    () => db.table(model).upsert(rows(N, N / 2)),
  );
  const kyMs = await median(
    'kysely',
    () => resetTable(pool, true),
    () => kyselyBatches(pool),
  );
  console.log(`\n  upshift / raw     ${(upMs / rawMs).toFixed(2)}x   (target <= 1.5x)`);
  console.log(`  kysely / upshift  ${(kyMs / upMs).toFixed(2)}x   (target >= 3x)`);
  console.log(`  upshift rows/s    ${Math.round(N / (upMs / 1000)).toLocaleString()}`);
  await db.close();
  rmSync(dir, { recursive: true, force: true });
  console.log('\npeak RSS of one upsert in a child process (target < 250 MB, flat):');
  const built = spawnSync('npm', ['run', 'build'], { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' });
  for (const count of [1_000_000, 5_000_000]) {
    // Peak RSS swings by ±20 MB from run to run (what is in flight when the peak comes): median of REPS.
    const runs = built.status === 0 ? Array.from({ length: REPS }, () => childRss(count, false)) : [];
    const mbs = runs.filter((r) => typeof r === 'number').sort((a, b) => a - b);
    const dist =
      built.status !== 0
        ? `build failed: ${built.stderr.slice(0, 200)}`
        : mbs.length === runs.length
          ? `${mbs[Math.floor(mbs.length / 2)]} MB (runs: ${runs.join(', ')})`
          : `failed: ${runs.find((r) => typeof r === 'string')}`;
    const tsx = childRss(count, true);
    console.log(
      `  ${count.toLocaleString().padStart(9)} rows  built package ${dist}   under tsx ${typeof tsx === 'number' ? `${tsx} MB` : tsx}`,
    );
  }
  await pool.query(`drop schema ${SCHEMA} cascade`);
  await pool.end();
}

await main();
