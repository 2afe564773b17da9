// Compile-time: migratesColumns accepts only the model's columns (checked by `tsc --noEmit` in
// npm test; the @ts-expect-error lines fail the build if the names were accepted).
import { describe, expect, expectTypeOf, it } from 'vitest';
import { migratesColumns } from '../../codegen/index.js';
import { defineTable, t } from '../../src/model/index.js';

const products = defineTable('shop.products', { id: t.bigint().notNull(), name: t.varchar(64) });

describe('migratesColumns', () => {
  it("accepts the model's columns and refuses others at compile time", () => {
    const named = migratesColumns(products, ['id', 'name']);
    expectTypeOf(named).toEqualTypeOf<readonly ['id', 'name']>();
    // @ts-expect-error price is not a column of products
    migratesColumns(products, ['id', 'price']);
    expect(named).toEqual(['id', 'name']);
  });
});
