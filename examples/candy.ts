// The model used by the demo and the README: declared once, typed everywhere.
import { defineTable, sql, t } from '../src/index.js';

export const candyNames = defineTable(
  'candy.candy_names',
  {
    id: t.bigint().notNull(),
    name: t.varchar(64).notNull(),
    price: t.decimal(10, 2),
    tags: t.super(),
    updated_at: t.timestamptz().notNull(),
    loaded_at: t.timestamptz().notNull().default(sql('current_timestamp')).comment('set by the warehouse'),
  },
  { upsertKey: ['id'], distKey: 'id', sortKey: ['updated_at'], comment: 'Candy we sell' },
);
