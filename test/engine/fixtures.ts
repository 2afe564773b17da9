// Models and row generators shared by the engine tests.
import { defineTable, t, type InsertRow } from '../../src/index.js';

export function candyModel(schema: string) {
  return defineTable(
    `${schema}.candy`,
    {
      id: t.bigint().notNull(),
      name: t.varchar(64),
      price: t.decimal(10, 2),
      tags: t.super(),
      updated_at: t.timestamptz().notNull(),
    },
    { upsertKey: ['id'], distKey: 'id', sortKey: ['updated_at'] },
  );
}
export type Candy = InsertRow<ReturnType<typeof candyModel>>;

export function* candies(count: number, start = 0, tag = 'v1'): Generator<Candy> {
  for (let i = start; i < start + count; i++) {
    yield {
      id: BigInt(i),
      name: `candy ${i} ${tag}`,
      price: `${i % 1000}.${String(i % 100).padStart(2, '0')}`,
      tags: [tag],
      updated_at: new Date(Date.UTC(2026, 10, 24, 0, 0, i % 60)),
    };
  }
}

/** A small table for loads whose exact rows are checked: id (the upsert key), flavour, qty. */
export const sweetsModel = (schema: string, name = 'sweets') =>
  defineTable(
    `${schema}.${name}`,
    { id: t.bigint().notNull(), flavour: t.varchar(32), qty: t.integer() },
    { upsertKey: ['id'] },
  );
