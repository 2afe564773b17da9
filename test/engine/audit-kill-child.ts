// Child process of audit-truth.test.ts: starts a load whose rows stall after a first batch, says
// "staging <loadId>" once the load is staging, and waits to be SIGKILLed.
import { LocalStage, PostgresDatabase, defineTable, t } from '../../src/index.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const db = new PostgresDatabase({
  connectionString: env('KILL_URL'),
  auditSchema: env('KILL_AUDIT'),
  stage: new LocalStage({ dir: env('KILL_DIR') }),
});
const table = db.table(
  defineTable(env('KILL_TABLE'), { id: t.bigint().notNull(), qty: t.integer() }, { upsertKey: ['id'] }),
);
await table.create();

async function* stalled() {
  for (let i = 0; i < 10_000; i++) yield { id: BigInt(i), qty: i };
  const running = await db.query<{ load_id: string }>(
    `SELECT load_id FROM "${env('KILL_AUDIT')}".load_audit WHERE status = 'running'`,
  );
  process.stdout.write(`staging ${running.map((r) => r.load_id).join(' ')}\n`);
  await new Promise(() => undefined); // until killed
}
await table.upsert(stalled());
