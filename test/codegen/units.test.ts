// Pure parts of codegen and migrations: catalog type and default mapping, names, and the
// Redshift DDL a migration plan chooses (no cluster here, so the SQL text is the contract).
import { describe, expect, it } from 'vitest';
import {
  camelCase,
  exportNames,
  isWidening,
  mapCatalogType,
  parseDefault,
  planMigration,
  type LiveTable,
  type LoadedModel,
} from '../../codegen/index.js';
import { defineTable, t, type ColumnSpec, type TableModel } from '../../src/model/index.js';

describe('catalog types and defaults', () => {
  it('maps types with their length, precision and scale, and falls back with a reason', () => {
    expect(
      mapCatalogType({ dataType: 'numeric', numericPrecision: 12, numericScale: 3, nativeType: 'numeric(12,3)' }),
    ).toEqual({ spec: { kind: 'decimal', precision: 12, scale: 3 } });
    expect(
      mapCatalogType({ dataType: 'character varying', charLength: 65535, nativeType: 'varchar(65535)' }).spec,
    ).toEqual({ kind: 'varchar', length: 'max' });
    expect(
      mapCatalogType({ dataType: 'character varying', charLength: 100000, nativeType: 'character varying(100000)' }),
    ).toEqual({
      spec: { kind: 'varchar', length: 'max' },
      fallback:
        "character varying(100000) is longer than VARCHAR's 65535 bytes; generated t.varchar('max') (its text form) instead",
    });
    expect(
      mapCatalogType({ dataType: 'numeric', numericPrecision: 50, numericScale: 2, nativeType: 'numeric(50,2)' })
        .fallback,
    ).toMatch(/precision 50, beyond DECIMAL's 38/);
    expect(mapCatalogType({ dataType: 'ARRAY', nativeType: 'integer[]' }).fallback).toBe(
      "integer[] has no Redshift equivalent; generated t.varchar('max') (its text form) instead",
    );
  });

  it('reads literal defaults as values and keeps expressions as SQL', () => {
    expect(parseDefault(`'it''s'::character varying`, 'varchar')).toEqual({
      default: { kind: 'value', value: "it's" },
    });
    expect(parseDefault(`'-1'::integer`, 'integer')).toEqual({ default: { kind: 'value', value: -1 } });
    expect(parseDefault(`(-2.50)`, 'decimal')).toEqual({ default: { kind: 'value', value: '-2.50' } });
    expect(parseDefault(`'9223372036854775807'::bigint`, 'bigint')).toEqual({
      default: { kind: 'value', value: 9223372036854775807n },
    });
    expect(parseDefault(`false`, 'boolean')).toEqual({ default: { kind: 'value', value: false } });
    expect(parseDefault(`'{"a": [1]}'::jsonb`, 'super')).toEqual({ default: { kind: 'value', value: { a: [1] } } });
    expect(parseDefault(`now()`, 'timestamptz')).toEqual({ default: { kind: 'sql', sql: 'now()' } });
    expect(parseDefault(`"identity"(108226, 0, '5,10'::text)`, 'bigint')).toEqual({ identity: { seed: 5, step: 10 } });
    expect(parseDefault(`"identity"(6035942, 0, ('1,1'::character varying)::text)`, 'integer')).toEqual({
      identity: { seed: 1, step: 1 },
    });
    expect(parseDefault(null, 'bigint')).toBeUndefined();
  });

  it('makes idiomatic, unique export names', () => {
    expect(['candy_names', 'OrderItems', '2024_sales', 'class', 'default'].map(camelCase)).toEqual([
      'candyNames',
      'orderItems',
      '_2024Sales',
      'classTable',
      'defaultTable',
    ]);
    const names = exportNames([
      { schema: 'a', name: 'users' },
      { schema: 'b', name: 'users' },
      { schema: 'a', name: 'orders' },
    ]);
    expect([...names.values()]).toEqual(['aUsers', 'bUsers', 'orders']);
  });
});

describe('migration plans for Redshift', () => {
  const spec = (s: Partial<ColumnSpec> & Pick<ColumnSpec, 'kind'>): ColumnSpec => ({ notNull: false, ...s });
  const live: LiveTable = {
    schema: 'shop',
    name: 'orders',
    dialect: 'redshift',
    columns: [
      {
        name: 'row_id',
        spec: spec({ kind: 'bigint', notNull: true, identity: { seed: 1, step: 1 }, encode: 'az64' }),
        nativeType: 'bigint',
      },
      { name: 'id', spec: spec({ kind: 'bigint', notNull: true, encode: 'az64' }), nativeType: 'bigint' },
      { name: 'name', spec: spec({ kind: 'varchar', length: 32, encode: 'lzo' }), nativeType: 'character varying(32)' },
      { name: 'qty', spec: spec({ kind: 'integer', encode: 'az64' }), nativeType: 'integer' },
    ],
    options: { primaryKey: ['id'], distStyle: 'key', distKey: 'id', sortKey: { style: 'compound', columns: ['id'] } },
  };
  const loaded = (model: TableModel): LoadedModel[] => [{ model, exportName: 'orders', file: '/p/models/orders.ts' }];
  const base = {
    row_id: t.bigint().identity().encode('az64'),
    id: t.bigint().notNull().encode('az64'),
    name: t.varchar(32).encode('lzo'),
    qty: t.integer().encode('az64'),
  };
  const opts = {
    upsertKey: ['id'] as const,
    primaryKey: ['id'] as const,
    distKey: 'id' as const,
    sortKey: ['id'] as const,
  };

  it('adds columns one per statement, widens VARCHAR in place, changes encodings with ALTER', () => {
    const model = defineTable(
      'shop.orders',
      { ...base, name: t.varchar(64).encode('zstd'), note: t.varchar(100).default('none').encode('zstd') },
      opts,
    );
    const plan = planMigration(loaded(model), [live], 'redshift');
    expect(plan.refused).toEqual([]);
    expect(plan.tables[0]!.up).toEqual([
      'ALTER TABLE "shop"."orders" ALTER COLUMN "name" TYPE VARCHAR(64)',
      'ALTER TABLE "shop"."orders" ALTER COLUMN "name" ENCODE zstd',
      `ALTER TABLE "shop"."orders" ADD COLUMN "note" VARCHAR(100) DEFAULT 'none' ENCODE zstd`,
    ]);
    expect(plan.tables[0]!.down).toEqual([
      'ALTER TABLE "shop"."orders" DROP COLUMN "note"',
      'ALTER TABLE "shop"."orders" ALTER COLUMN "name" ENCODE lzo',
      'ALTER TABLE "shop"."orders" ALTER COLUMN "name" TYPE VARCHAR(32)',
    ]);
  });

  it('deep-copies a type change; renumbering IDENTITY values (Redshift refuses explicit ones) needs --allow-destructive', () => {
    const model = defineTable('shop.orders', { ...base, qty: t.bigint().encode('az64') }, opts);
    expect(planMigration(loaded(model), [live], 'redshift').refused.map((r) => r.reason)).toEqual([
      'this change needs a deep copy, which renumbers IDENTITY column(s) row_id (Redshift refuses explicit IDENTITY values), breaking anything that refers to them: pass --allow-destructive to allow it',
    ]);
    const plan = planMigration(loaded(model), [live], 'redshift', { allowDestructive: true });
    const up = plan.tables[0]!.up;
    expect(up[0]).toBe('LOCK TABLE "shop"."orders"');
    expect(up[1]).toMatch(
      /^CREATE TABLE "shop"."orders__upshift_new" \(\n {2}"row_id" BIGINT IDENTITY\(1,1\) ENCODE az64 NOT NULL,[\s\S]*DISTKEY \("id"\)\nCOMPOUND SORTKEY \("id"\)$/,
    );
    // the copy is created without the primary key (it would be named after the copy), which is added once the copy has the table's name
    expect(up[1]).not.toContain('PRIMARY KEY');
    expect(up.slice(2)).toEqual([
      'INSERT INTO "shop"."orders__upshift_new" ("id", "name", "qty") SELECT "id", "name", CAST("qty" AS BIGINT) FROM "shop"."orders"',
      'ALTER TABLE "shop"."orders" RENAME TO "orders__upshift_old"',
      'ALTER TABLE "shop"."orders__upshift_new" RENAME TO "orders"',
      'DROP TABLE "shop"."orders__upshift_old"',
      'ALTER TABLE "shop"."orders" ADD PRIMARY KEY ("id")',
    ]);
  });

  it('a deep copy that makes a column NOT NULL with a default first gives its NULLs the default', () => {
    const { row_id: _, ...rest } = base;
    const noIdentity = { ...live, columns: live.columns.slice(1) };
    const model = defineTable('shop.orders', { ...rest, qty: t.integer().default(0).notNull().encode('az64') }, opts);
    const plan = planMigration(loaded(model), [noIdentity], 'redshift');
    expect(plan.refused).toEqual([]);
    expect(plan.tables[0]!.up.slice(0, 2)).toEqual([
      'LOCK TABLE "shop"."orders"',
      'UPDATE "shop"."orders" SET "qty" = 0 WHERE "qty" IS NULL',
    ]);
    expect(plan.tables[0]!.summary).toContain(
      '  column qty: NULLs are set to its default 0 before NOT NULL (down keeps those values)',
    );
  });

  it('refuses narrowing, drops and NOT NULL columns without a default', () => {
    const model = defineTable(
      'shop.orders',
      { row_id: base.row_id, id: base.id, name: t.varchar(8), added: t.integer().notNull() },
      opts,
    );
    expect(planMigration(loaded(model), [live], 'redshift').refused.map((r) => r.reason)).toEqual([
      'changes column name from VARCHAR(32) to VARCHAR(8), which can narrow or rewrite its values: pass --allow-destructive to allow it',
      'column added is NOT NULL without a default: the rows already there would have no value. Give it a .default(...) or make it nullable',
      'drops column qty (integer) and its data: pass --allow-destructive to allow it',
      'this change needs a deep copy, which renumbers IDENTITY column(s) row_id (Redshift refuses explicit IDENTITY values), breaking anything that refers to them: pass --allow-destructive to allow it',
    ]);
  });

  it('knows which type changes keep every value', () => {
    const s = (kind: ColumnSpec['kind'], more: Partial<ColumnSpec> = {}) => spec({ kind, ...more });
    expect(isWidening(s('integer'), s('bigint'))).toBe(true);
    expect(isWidening(s('bigint'), s('integer'))).toBe(false);
    expect(isWidening(s('integer'), s('decimal', { precision: 12, scale: 2 }))).toBe(true);
    expect(isWidening(s('bigint'), s('decimal', { precision: 12, scale: 2 }))).toBe(false);
    expect(isWidening(s('decimal', { precision: 10, scale: 2 }), s('decimal', { precision: 12, scale: 4 }))).toBe(true);
    expect(isWidening(s('decimal', { precision: 10, scale: 2 }), s('decimal', { precision: 12, scale: 1 }))).toBe(
      false,
    );
    expect(isWidening(s('real'), s('double'))).toBe(true);
    expect(isWidening(s('varchar', { length: 10 }), s('integer'))).toBe(false);
  });
});
