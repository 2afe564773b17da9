// One upsert of N rows into an empty table, run by engine.bench.ts in a child process on the
// built package (dist/), as users run it: prints the process's peak RSS as JSON.
// Usage: node bench/rss-child.mjs <rows> <databaseUrl> <schema>
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStage, PostgresDatabase, defineTable, t } from '../dist/src/index.js';

const [count, url, schema] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
const model = defineTable(`${schema}.rss_${count}`, {
  id: t.bigint().notNull(), name: t.varchar(64), price: t.decimal(12, 2), updated_at: t.timestamptz().notNull(), active: t.boolean(),
}, { upsertKey: ['id'] });
function* rows(n) {
  for (let i = 0; i < n; i++) {
    yield { id: BigInt(i), name: `candy ${i}`, price: `${i % 100000}.${String(i % 100).padStart(2, '0')}`, updated_at: new Date(1_700_000_000_000 + i * 1000), active: i % 3 === 0 };
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
