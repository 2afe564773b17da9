// Emulator statement throughput: the same statements sent straight to Postgres and through the
// emulator (which translates each one with the Postgres parser), one client, one at a time.
// Printed as statements/s and as the ratio emulator/direct, measured in the same run. "repeated"
// sends the same texts again (translations come from the cache); "unique" changes a literal in
// every statement, so each one is parsed.
// Run: npx tsx bench/emulator.bench.ts [statements]   (UPSHIFT_BENCH_PG: the Postgres URL)
import pg from 'pg';
import { startRedshiftEmulator } from '../src/emulator/index.js';
import { translate } from '../src/emulator/translate/index.js';
import { parserReady } from '../src/emulator/translate/tree.js';

const N = Number(process.argv[2] ?? 2000);
const url = process.env.UPSHIFT_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

// The same statements run on both: none reads a relation the emulator redirects to a view of its own
// (pg_class is one: its cost would be the view's, not the translation's). The last one names a
// function the translation rewrites, so a new text of it is parsed; the others are not.
const shapes = [
  (i: number) => `select ${i} as n`,
  (i: number) => `select count(*) from pg_catalog.pg_type where typname <> 'x${i}'`,
  (i: number) =>
    `select t.typname, n.nspname from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace where t.oid = ${i} order by 1 limit 5`,
  (i: number) => `select coalesce(null::int, ${i}), length('abc${i}'), now() > '2020-01-01'`,
  (i: number) => `select ${i} as n, length(version()) > 0`,
];

async function run(client: pg.Client, unique: boolean): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await client.query(shapes[i % shapes.length]!(unique ? i : i % 16));
  return N / ((performance.now() - t0) / 1000);
}

// The translation alone, in process: a new text each time (parsed, unless no word in it is one the
// rewrite acts on), a new text that must be parsed (a Redshift function in it), and from the cache.
// A first pass warms the parser (WebAssembly) and the JIT up, as the throughput runs below do.
await parserReady();
const ctx = { schema: 'upshift_emulator', lastCopyId: -1, slices: 2 };
const parsed = (i: number): string => `select dateadd(day, ${i}, '2008-01-01'), nvl(null::int, ${i})`;
const cases: Array<[string, (i: number) => string]> = [
  ['new texts (the shapes below)', (i) => shapes[i % shapes.length]!(1_000_000 + i)],
  ['new texts, all parsed', (i) => parsed(2_000_000 + i)],
  ['cached', (i) => shapes[i % shapes.length]!(7)],
];
for (let i = 0; i < N; i++) translate(parsed(i), ctx);
for (const [label, text] of cases) {
  const t0 = performance.now();
  for (let i = 0; i < N; i++) translate(text(i), ctx);
  console.log(`translate, ${label}: ${(((performance.now() - t0) * 1000) / N).toFixed(1)} µs/statement`);
}

const direct = new pg.Client({ connectionString: url });
await direct.connect();
const emulator = await startRedshiftEmulator({ postgres: url, port: 0 });
const through = new pg.Client({ connectionString: emulator.url });
await through.connect();
// Rounds alternate direct and emulator runs, and the median ratio is printed: the machine may be
// shared, and a ratio from one pair of runs moves with whatever else runs at the time.
const ROUNDS = Number(process.env.UPSHIFT_BENCH_ROUNDS ?? 5);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const unique of [false, true]) {
  await run(direct, unique);
  await run(through, unique);
  const d: number[] = [];
  const e: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    d.push(await run(direct, unique));
    e.push(await run(through, unique));
    ratios.push(e[r]! / d[r]!);
  }
  const label = unique ? 'unique' : 'repeated';
  console.log(
    `${label.padEnd(8)} direct ${median(d).toFixed(0).padStart(6)} stmt/s   emulator ${median(e).toFixed(0).padStart(6)} stmt/s   ratio ${median(ratios).toFixed(2)} (median of ${ROUNDS}; ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`,
  );
}
await through.end();
await direct.end();
await emulator.close();
