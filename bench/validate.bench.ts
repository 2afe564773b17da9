// Validation throughput: createRowValidator on 1M rows of (bigint, varchar, numeric(12,2),
// timestamptz, boolean), the shape DESIGN.md's figures use. Printed as rows/s and as a ratio
// against a baseline loop that only copies each row's five values into a fresh array (the least
// any validator must do), measured in the same run so machine speed cancels out.
// Run: npx tsx bench/validate.bench.ts [rows]
import { columnSchema, createRowValidator, defineTable, loadColumns, t, type InsertRow } from '../src/model/index.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = 3;

const model = defineTable('bench.rows', {
  id: t.bigint().notNull(),
  name: t.varchar(64),
  price: t.numeric(12, 2),
  updated_at: t.timestamptz().notNull(),
  active: t.boolean(),
});
type Input = InsertRow<typeof model>;

// A pool of distinct rows, cycled: building 1M objects would measure the allocator, not validation.
const POOL = 4096;
const pool: Input[] = Array.from({ length: POOL }, (_, i) => ({
  id: i % 3 === 0 ? BigInt(i) * 1_000_003n : i,
  name: i % 7 === 0 ? `crème brûlée ${i}` : `candy number ${i}`,
  price: i % 2 === 0 ? `${i}.${String(i % 100).padStart(2, '0')}` : i / 4,
  updated_at:
    i % 5 === 0 ? `2026-11-24T10:30:00.${String(i).padStart(6, '0')}Z` : new Date(1_764_000_000_000 + i * 1000),
  active: i % 11 === 0 ? null : i % 2 === 0,
}));

// Results go to a ring so neither loop's arrays can be optimized away.
const ring: unknown[][] = new Array(1024);

function baseline(): number {
  let sink = 0;
  for (let i = 0; i < ROWS; i++) {
    const r = pool[i % POOL]! as Record<string, unknown>;
    const out = [r.id, r.name, r.price, r.updated_at, r.active];
    ring[i & 1023] = out;
    sink += out.length;
  }
  return sink;
}

const validate = createRowValidator(model);
function validated(): number {
  let sink = 0;
  for (let i = 0; i < ROWS; i++) {
    const out = validate(pool[i % POOL], i);
    ring[i & 1023] = out;
    sink += out.length;
  }
  return sink;
}

// The same column checks called through zod's safeParse (the schema of record): what the hot
// path costs when every value pays zod's per-call overhead.
const viaZod = loadColumns(model).map((name) => ({
  name,
  schema: columnSchema(model.columns[name as keyof typeof model.columns].spec),
}));
function zodValidated(): number {
  let sink = 0;
  for (let i = 0; i < ROWS; i++) {
    const row = pool[i % POOL] as Record<string, unknown>;
    const out = viaZod.map(({ name, schema }) => {
      const v = row[name];
      if (v === undefined || v === null) return null;
      const r = schema.safeParse(v);
      if (!r.success) throw r.error;
      return r.data;
    });
    ring[i & 1023] = out;
    sink += out.length;
  }
  return sink;
}

// CPU time of this process, not wall time: the machine is shared (tests run in parallel next to
// us), and CPU time is what a busy neighbour can't inflate.
function time(fn: () => number): number {
  const start = process.cpuUsage();
  const sink = fn();
  const used = process.cpuUsage(start);
  if (sink !== ROWS * 5) throw new Error(`bench lost rows: ${sink}`);
  return (used.user + used.system) / 1e6;
}

validated(); // warm up the JIT on the same shapes
baseline();
const rate = (s: number) => Math.round(ROWS / s);
zodValidated();
let best = { base: Infinity, val: Infinity, zod: Infinity };
for (let r = 0; r < ROUNDS; r++) {
  best = {
    base: Math.min(best.base, time(baseline)),
    val: Math.min(best.val, time(validated)),
    zod: Math.min(best.zod, time(zodValidated)),
  };
}
console.log(
  `rows: ${ROWS.toLocaleString('en')} (bigint, varchar(64), numeric(12,2), timestamptz, boolean); best of ${ROUNDS}, CPU time`,
);
console.log(`baseline copy loop: ${rate(best.base).toLocaleString('en')} rows/s`);
console.log(
  `createRowValidator: ${rate(best.val).toLocaleString('en')} rows/s (${(best.val / best.base).toFixed(1)}x the baseline's time)`,
);
console.log(
  `same checks via zod safeParse: ${rate(best.zod).toLocaleString('en')} rows/s (${(best.zod / best.base).toFixed(1)}x the baseline's time, ${(best.zod / best.val).toFixed(2)}x createRowValidator's)`,
);
