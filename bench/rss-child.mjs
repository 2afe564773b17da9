// One upsert of N rows into an empty table, run by engine.bench.ts in a child process: prints
// the process's peak RSS as JSON. By default on the built package (dist/), as users run it; the
// bench also runs it under tsx on the sources, for reference.
// Usage: node bench/rss-child.mjs <rows> <databaseUrl> <schema> [library, default ../dist/src/index.js]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [count, url, schema, library = '../dist/src/index.js'] = [
  Number(process.argv[2]),
  process.argv[3],
  process.argv[4],
  process.argv[5],
];
const { LocalStage, PostgresDatabase, defineTable, t } = await import(library);
const model = defineTable(
  `${schema}.rss_${count}`,
  {
    id: t.bigint().notNull(),
    name: t.varchar(64),
    price: t.decimal(12, 2),
    updated_at: t.timestamptz().notNull(),
    active: t.boolean(),
  },
  { upsertKey: ['id'] },
);
function* rows(n) {
  for (let i = 0; i < n; i++) {
    yield {
      id: BigInt(i),
      name: `candy ${i}`,
      price: `${i % 100000}.${String(i % 100).padStart(2, '0')}`,
      updated_at: new Date(1_700_000_000_000 + i * 1000),
      active: i % 3 === 0,
    };
  }
}
const dir = mkdtempSync(join(tmpdir(), 'upshift-bench-'));
const db = new PostgresDatabase({ connectionString: url, stage: new LocalStage({ dir }), auditSchema: schema });
await db.query(`drop table if exists ${model.qualifiedName}`);
const table = db.table(model);
await table.create();
await table.upsert(rows(count));
await db.query(`drop table if exists ${model.qualifiedName}`);
await db.close();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }));
