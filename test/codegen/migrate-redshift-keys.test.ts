// The pure parts of keeping a Redshift table's keys through a migration: reading constraint
// names, columns and references from recorded pg_constraint rows, and what the plan does with
// them (the emulator run is test/codegen/migrate-redshift-catalog.test.ts).
// Redshift's ALTER COLUMN TYPE (VARCHAR only) can't alter a column in a UNIQUE, PRIMARY KEY or
// FOREIGN KEY — https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html
import { describe, expect, it } from 'vitest';
import {
  buildRedshiftTables,
  planMigration,
  type LiveTable,
  type LoadedModel,
  type RedshiftCatalog,
} from '../../codegen/index.js';
import { defineTable, t, type ColumnSpec, type TableModel } from '../../src/model/index.js';

const spec = (s: Partial<ColumnSpec> & Pick<ColumnSpec, 'kind'>): ColumnSpec => ({ notNull: false, ...s });

describe('reading keys from pg_constraint', () => {
  const col = (table: string, column: string, position: number) => ({
    table_schema: 'shop',
    table_name: table,
    column_name: column,
    ordinal_position: position,
    data_type: 'integer',
    character_maximum_length: null,
    numeric_precision: 32,
    numeric_scale: 0,
    is_nullable: 'NO' as const,
    column_default: null,
    remarks: null,
  });
  const catalog: RedshiftCatalog = {
    columns: [
      col('orders', 'id', 1),
      col('orders', 'region', 2),
      col('orders', 'customer_id', 3),
      col('lines', 'order_id', 1),
      col('lines', 'region', 2),
    ],
    tableInfo: [],
    classes: [],
    attributes: [],
    primaryKeys: [{ table_schema: 'shop', table_name: 'orders', column_name: 'id', ordinal_position: 1 }],
    constraints: [
      // the drivers' forms of an int2 array: parsed, int2[] as text, int2vector as text
      {
        conname: 'orders_key',
        contype: 'p',
        table_schema: 'shop',
        table_name: 'orders',
        conrelid: 100,
        conkey: [1],
        ref_schema: null,
        ref_table: null,
        confrelid: 0,
        confkey: null,
      },
      {
        conname: 'orders_region_id',
        contype: 'u',
        table_schema: 'shop',
        table_name: 'orders',
        conrelid: 100,
        conkey: '{2,1}',
        ref_schema: null,
        ref_table: null,
        confrelid: 0,
        confkey: null,
      },
      {
        conname: 'orders_customer',
        contype: 'f',
        table_schema: 'shop',
        table_name: 'orders',
        conrelid: 100,
        conkey: '3',
        ref_schema: 'crm',
        ref_table: 'customers',
        confrelid: 300,
        confkey: '1',
      },
      {
        conname: 'lines_order',
        contype: 'f',
        table_schema: 'shop',
        table_name: 'lines',
        conrelid: 200,
        conkey: '1 2',
        ref_schema: 'shop',
        ref_table: 'orders',
        confrelid: 100,
        confkey: '1 2',
      },
    ],
    constraintColumns: [
      { attrelid: 100, attnum: 1, attname: 'id' },
      { attrelid: 100, attnum: 2, attname: 'region' },
      { attrelid: 100, attnum: 3, attname: 'customer_id' },
      { attrelid: 200, attnum: 1, attname: 'order_id' },
      { attrelid: 200, attnum: 2, attname: 'region' },
      { attrelid: 300, attnum: 1, attname: 'customer_id' },
    ],
  };

  it('names the primary key, UNIQUE and FOREIGN KEYs with their columns in key order, and the keys of other tables that reference the table', () => {
    const orders = buildRedshiftTables(catalog, { schemas: ['shop'] }).tables.find((x) => x.name === 'orders')!;
    expect(orders.options).toMatchObject({
      primaryKey: ['id'],
      primaryKeyName: 'orders_key',
      uniques: [{ name: 'orders_region_id', columns: ['region', 'id'] }],
      foreignKeys: [
        {
          name: 'orders_customer',
          columns: ['customer_id'],
          references: { schema: 'crm', table: 'customers', columns: ['customer_id'] },
        },
      ],
      referencedBy: [
        {
          schema: 'shop',
          table: 'lines',
          name: 'lines_order',
          columns: ['order_id', 'region'],
          references: { schema: 'shop', table: 'orders', columns: ['id', 'region'] },
        },
      ],
    });
  });
});

describe('a Redshift deep copy and the table keys', () => {
  const live: LiveTable = {
    schema: 'shop',
    name: 'orders',
    dialect: 'redshift',
    columns: [
      { name: 'id', spec: spec({ kind: 'bigint', notNull: true, encode: 'az64' }), nativeType: 'bigint' },
      { name: 'code', spec: spec({ kind: 'varchar', length: 8, encode: 'lzo' }), nativeType: 'character varying(8)' },
      {
        name: 'note',
        spec: spec({ kind: 'varchar', length: 32, encode: 'zstd' }),
        nativeType: 'character varying(32)',
      },
      { name: 'qty', spec: spec({ kind: 'integer', encode: 'az64' }), nativeType: 'integer' },
    ],
    options: {
      primaryKey: ['id'],
      primaryKeyName: 'orders_key',
      uniques: [
        { name: 'orders_code_unique', columns: ['code'] },
        { name: 'orders_note_unique', columns: ['note'] },
      ],
    },
  };
  const loaded = (model: TableModel): LoadedModel[] => [{ model, exportName: 'orders', file: '/p/models/orders.ts' }];
  const base = {
    id: t.bigint().notNull().encode('az64'),
    code: t.varchar(8).encode('lzo'),
    note: t.varchar(32).encode('zstd'),
    qty: t.integer().encode('az64'),
  };
  const opts = { upsertKey: ['id'] as const, primaryKey: ['id'] as const };

  it('widening a VARCHAR in a key deep-copies (Redshift cannot ALTER its type) and re-creates the keys under their names', () => {
    const plan = planMigration(
      loaded(defineTable('shop.orders', { ...base, code: t.varchar(16).encode('lzo') }, opts)),
      [live],
      'redshift',
    );
    expect(plan.refused).toEqual([]);
    const up = plan.tables[0]!.up;
    expect(up.some((s) => /ALTER COLUMN "code" TYPE/.test(s))).toBe(false);
    expect(up.slice(-3)).toEqual([
      'ALTER TABLE "shop"."orders" ADD CONSTRAINT "orders_key" PRIMARY KEY ("id")',
      'ALTER TABLE "shop"."orders" ADD CONSTRAINT "orders_code_unique" UNIQUE ("code")',
      'ALTER TABLE "shop"."orders" ADD CONSTRAINT "orders_note_unique" UNIQUE ("note")',
    ]);
    // a column in no key still widens in place
    const inPlace = planMigration(
      loaded(defineTable('shop.orders', { ...base, code: t.varchar(16).encode('lzo') }, opts)),
      [{ ...live, options: { ...live.options, uniques: [] } }],
      'redshift',
    );
    expect(inPlace.tables[0]!.up).toEqual(['ALTER TABLE "shop"."orders" ALTER COLUMN "code" TYPE VARCHAR(16)']);
  });

  it('keeps the live encoding of a column whose model leaves it open', () => {
    const { qty: _, ...rest } = base;
    const model = defineTable('shop.orders', { ...rest, note: t.varchar(32), qty: t.bigint().encode('az64') }, opts);
    const create = planMigration(loaded(model), [live], 'redshift').tables[0]!.up.find((s) =>
      s.startsWith('CREATE TABLE'),
    )!;
    expect(create).toContain('"note" VARCHAR(32) ENCODE zstd');
  });

  it('a UNIQUE on a dropped column is lost: refused unless --allow-destructive, listed in the summary, re-created by down', () => {
    const { note: _, ...rest } = base;
    const model = defineTable('shop.orders', { ...rest, qty: t.bigint().encode('az64') }, opts);
    expect(planMigration(loaded(model), [live], 'redshift').refused.map((r) => r.reason)).toContain(
      'drops UNIQUE orders_note_unique (note) with the column(s) it names: pass --allow-destructive to allow it',
    );
    const plan = planMigration(loaded(model), [live], 'redshift', { allowDestructive: true });
    const t0 = plan.tables[0]!;
    expect(t0.summary).toContain(
      '  drops UNIQUE orders_note_unique (note): its column(s) are dropped (down re-creates it)',
    );
    expect(t0.up.filter((s) => s.includes('UNIQUE'))).toEqual([
      'ALTER TABLE "shop"."orders" ADD CONSTRAINT "orders_code_unique" UNIQUE ("code")',
    ]);
    expect(t0.down.filter((s) => s.includes('UNIQUE'))).toHaveLength(2);
  });

  it("another table's key to a column the model drops is refused even with --allow-destructive", () => {
    const { code: _, ...rest } = base;
    const model = defineTable('shop.orders', { ...rest, qty: t.bigint().encode('az64') }, opts);
    const referenced: LiveTable = {
      ...live,
      options: {
        ...live.options,
        uniques: [],
        referencedBy: [
          {
            schema: 'shop',
            table: 'lines',
            name: 'lines_code',
            columns: ['order_code'],
            references: { schema: 'shop', table: 'orders', columns: ['code'] },
          },
        ],
      },
    };
    expect(
      planMigration(loaded(model), [referenced], 'redshift', { allowDestructive: true }).refused.map((r) => r.reason),
    ).toEqual([
      'FOREIGN KEY lines_code of table shop.lines references column(s) code, which the model drops: drop that key first',
    ]);
  });
});
