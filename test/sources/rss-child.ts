// Run in its own process by memory.test.ts (`node --import tsx`), so only the load's memory
// counts: loads one source into Postgres and prints the peak RSS.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalStage, PostgresDatabase, defineTable, fromLocalFile, fromPostgresQuery, t } from '../../src/index.js';

const { RSS_MODE: mode, RSS_DB: url, RSS_SCHEMA: schema, RSS_FILE: file, RSS_QUERY: query } = process.env;
// RSS after importing upshift (under tsx), before any load: the floor the load adds to.
const baselineMb = process.memoryUsage().rss / 1024 / 1024;
const dir = mkdtempSync(join(tmpdir(), 'upshift-rss-'));
const db = new PostgresDatabase({
  connectionString: url!,
  stage: new LocalStage({ dir }),
  auditSchema: `${schema}_audit`,
});
const model = defineTable(
  `${schema}.rss_${mode}`,
  {
    id: t.bigint().notNull(),
    name: t.varchar(64),
    price: t.decimal(12, 2),
    updated_at: t.timestamptz().notNull(),
    active: t.boolean(),
  },
  { upsertKey: ['id'] },
);
try {
  const table = db.table(model);
  await table.create();
  const started = Date.now();
  const source = mode === 'file' ? fromLocalFile(file!) : fromPostgresQuery(query!, { connectionString: url! });
  // RSS_TRACE=1: memory and progress every second on stderr, to see where a load spends.
  let staged = 0;
  const trace = process.env.RSS_TRACE
    ? setInterval(() => {
        const m = process.memoryUsage();
        process.stderr.write(
          `${Date.now() - started} ms: rows ${staged} rss ${(m.rss / 1e6).toFixed(0)} heap ${(m.heapUsed / 1e6).toFixed(0)} ext ${(m.external / 1e6).toFixed(0)}\n`,
        );
      }, 1000)
    : undefined;
  const result = await table.loadFrom(source, {
    mode: 'append',
    onProgress: (p) => {
      staged = p.rows;
    },
  });
  if (trace) clearInterval(trace);
  const [count] = await db.query<{ n: string }>(`select count(*)::text as n from "${schema}"."rss_${mode}"`);
  const n = count!.n;
  process.stdout.write(
    JSON.stringify({
      baselineMb,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      staged: result.staged,
      rows: Number(n),
      ms: Date.now() - started,
    }) + '\n',
  );
} finally {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
}
