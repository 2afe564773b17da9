// Notify a queue after every load: downstream jobs learn that a table changed (or that a load
// failed) without polling the audit table. The publisher is yours (SQS, SNS, Kafka, a webhook);
// here it is Postgres NOTIFY, so any LISTENer hears it. Run: tsx examples/hooks-notify.ts
import { PgliteDatabase, defineTable, t, type AuditRecord, type LoadHooks } from '../src/index.js';

/** What each load announces. */
export interface LoadMessage {
  loadId: string;
  table: string;
  status: AuditRecord['status'];
  rows: { staged: number | null; inserted: number | null; updated: number | null; deleted: number | null };
  error: string | null;
  manifestUri: string | null;
  finishedAt: string;
}

/** afterLoad: one message per load, succeeded or failed. A publish failure is reported by upshift, never undoes the load. */
export function notifyOnLoad(publish: (message: LoadMessage) => Promise<void>): LoadHooks {
  return {
    afterLoad: (r) =>
      publish({
        loadId: r.loadId,
        table: r.table,
        status: r.status,
        rows: { staged: r.rowsStaged, inserted: r.inserted, updated: r.updated, deleted: r.deleted },
        error: r.error,
        manifestUri: r.manifestUri,
        finishedAt: r.finishedAt.toISOString(),
      }),
  };
}

/** A publisher over Postgres NOTIFY (payloads up to 8000 bytes). */
export const pgNotify =
  (db: { query(sql: string, params?: unknown[]): Promise<unknown> }, channel: string) =>
  async (message: LoadMessage): Promise<void> => {
    await db.query('SELECT pg_notify($1, $2)', [channel, JSON.stringify(message)]);
  };

/** The whole example on embedded PGlite: LISTEN, load, print what arrived. */
export async function main(): Promise<LoadMessage[]> {
  const received: LoadMessage[] = [];
  const db = new PgliteDatabase();
  await db.db.listen('upshift_loads', (payload) => {
    received.push(JSON.parse(payload) as LoadMessage);
  });
  const candy = db.table(
    defineTable('shop.candy', { id: t.bigint().notNull(), name: t.varchar(64) }, { upsertKey: ['id'] }),
    {
      hooks: notifyOnLoad(pgNotify(db, 'upshift_loads')),
    },
  );
  await candy.create();
  await candy.upsert([
    { id: 1n, name: 'licorice' },
    { id: 2n, name: 'gum' },
  ]);
  await new Promise((r) => setTimeout(r, 50)); // notifications arrive after the statement returns
  await db.close();
  return received;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const m of await main()) console.log(`${m.table}: load ${m.loadId} ${m.status}, ${m.rows.inserted} inserted`);
}
