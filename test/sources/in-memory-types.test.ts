// `db.table(model).loadFrom(fromInMemory(rows))` checks the rows against the table's model at
// compile time, as `upsert(rows)` does (tsc runs over this file; a wrong row must fail to compile,
// so each @ts-expect-error below is itself an error if the check is gone).
import { describe, expectTypeOf, it } from 'vitest';
import { defineTable, fromInMemory, fromLocalFile, t, type BoundTable, type LoadResult } from '../../src/index.js';

// Only their types are used: the tests check what compiles.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
const orders = defineTable(
  'shop.orders',
  { id: t.bigint().notNull(), status: t.varchar(16).notNull(), note: t.varchar(32) },
  { upsertKey: ['id'] },
);
// eslint-disable-next-line @typescript-eslint/no-unused-vars
const candy = defineTable('shop.candy', { id: t.bigint().notNull(), name: t.varchar(8) }, { upsertKey: ['id'] });

// Only compiled, never called: no database needed.
function loads(
  table: BoundTable<typeof orders>,
  rows: Array<{ id: number; status: string }>,
  candyRows: Array<{ id: number; name: string }>,
) {
  return [
    table.loadFrom(
      fromInMemory([
        { id: 1, status: 'new' },
        { id: 2n, status: 'paid', note: null },
      ]),
    ),
    table.loadFrom(fromInMemory(rows), { mode: 'append' }),
    table.loadFrom(fromInMemory([[1, 'new', null]])), // tuples in column order, as before
    table.loadFrom(fromLocalFile('orders.csv')), // sources of no particular model fit any table
    // @ts-expect-error status is NOT NULL without a default: required
    table.loadFrom(fromInMemory([{ id: 1 }])),
    // @ts-expect-error id is a BIGINT, not a string
    table.loadFrom(fromInMemory([{ id: 'one', status: 'new' }])),
    // @ts-expect-error rows of another model
    table.loadFrom(fromInMemory<typeof candy>(candyRows)),
    // the same rows through upsert fail the same way
    // @ts-expect-error status is required
    table.upsert([{ id: 1 }]),
  ];
}

describe('fromInMemory row types', () => {
  it('loadFrom(fromInMemory(rows)) type-checks the rows against the model', () => {
    expectTypeOf(loads).returns.toEqualTypeOf<Promise<LoadResult>[]>();
    // a source built apart from a table fits any table: there is no model to check its rows against
    expectTypeOf(fromInMemory([{ anything: 1 }])).toExtend<Parameters<BoundTable<typeof orders>['loadFrom']>[0]>();
  });
});
