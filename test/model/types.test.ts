// Compile-time guarantees of the model: `tsc --noEmit` (npm test) checks every expectTypeOf and
// every @ts-expect-error line here; an @ts-expect-error whose line compiles fails the type-check.
// The runtime halves run under vitest so the same models are also proven to define.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineTable, sql, t, type InsertRow, type JsonValue, type Row, type TableModel } from '../../src/index.js';

const candy = defineTable(
  'candy.candy_names',
  {
    id: t.bigint().notNull(),
    name: t.varchar(64).notNull(),
    price: t.numeric(10, 2),
    tags: t.super(),
    updated_at: t.timestamptz().notNull(),
  },
  { upsertKey: ['id'], distKey: 'id', sortKey: ['updated_at'] },
);

const everything = defineTable('types.everything', {
  seq: t.bigint().identity(),
  small: t.smallint(),
  int_nn: t.integer().notNull(),
  big: t.bigint(),
  dec: t.decimal(38, 10),
  r: t.real(),
  d: t.double(),
  flag: t.boolean().notNull().default(false),
  code: t.char(3),
  label: t.varchar('max'),
  day: t.date(),
  at_time: t.time(),
  at_timetz: t.timetz(),
  ts: t.timestamp(),
  created: t.timestamptz().notNull().default(sql('getdate()')),
  doc: t.super(),
  blob: t.varbyte(16),
  shape: t.geometry(),
  place: t.geography(),
  sketch: t.hllsketch(),
  ym: t.intervalYearToMonth(),
  ds: t.intervalDayToSecond(),
});

describe('Row and InsertRow shapes', () => {
  it('Row: NOT NULL columns are required, nullable ones take null, every kind has its read type', () => {
    expectTypeOf<Row<typeof candy>>().toEqualTypeOf<{
      id: bigint;
      name: string;
      price: string | null;
      tags: JsonValue | null;
      updated_at: Date;
    }>();
    expectTypeOf<Row<typeof everything>>().toEqualTypeOf<{
      seq: bigint;
      small: number | null;
      int_nn: number;
      big: bigint | null;
      dec: string | null;
      r: number | null;
      d: number | null;
      flag: boolean;
      code: string | null;
      label: string | null;
      day: Date | null;
      at_time: string | null;
      at_timetz: string | null;
      ts: Date | null;
      created: Date;
      doc: JsonValue | null;
      blob: Uint8Array | null;
      shape: string | null;
      place: string | null;
      sketch: string | null;
      ym: string | null;
      ds: string | null;
    }>();
  });

  it('InsertRow: required NOT NULL, optional with default, optional+null when nullable, no identity; wider inputs', () => {
    expectTypeOf<InsertRow<typeof candy>>().toEqualTypeOf<{
      id: bigint | number;
      name: string;
      price?: string | number | null;
      tags?: JsonValue | null;
      updated_at: Date | string;
    }>();
    expectTypeOf<InsertRow<typeof everything>>().toEqualTypeOf<{
      small?: number | null;
      int_nn: number;
      big?: bigint | number | null;
      dec?: string | number | null;
      r?: number | null;
      d?: number | null;
      flag?: boolean;
      code?: string | null;
      label?: string | null;
      day?: Date | string | null;
      at_time?: string | null;
      at_timetz?: string | null;
      ts?: Date | string | null;
      created?: Date | string;
      doc?: JsonValue | null;
      blob?: Uint8Array | null;
      shape?: string | null;
      place?: string | null;
      sketch?: string | null;
      ym?: string | null;
      ds?: string | null;
    }>();
  });

  it('valid rows compile, in every accepted input form', () => {
    const rows: InsertRow<typeof candy>[] = [
      { id: 1n, name: 'Gummy', updated_at: new Date() },
      { id: 2, name: 'Fizz', price: '1.25', tags: { sour: true, n: [1, 2] }, updated_at: '2026-11-24T10:30:00Z' },
      { id: 3n, name: 'Mint', price: 0.5, tags: null, updated_at: new Date() },
      { id: 4n, name: 'Chew', price: null, updated_at: new Date() },
    ];
    const minimal: InsertRow<typeof everything> = { int_nn: 1 };
    const full: InsertRow<typeof everything> = {
      small: 1,
      int_nn: 2,
      big: 3n,
      dec: '4.5',
      r: 1.5,
      d: 2.5,
      flag: true,
      code: 'abc',
      label: 'x',
      day: '2026-01-01',
      at_time: '10:00:00',
      at_timetz: '10:00:00+02',
      ts: new Date(),
      created: new Date(),
      doc: [1, 'two', { three: null }],
      blob: new Uint8Array([1]),
      shape: '00',
      place: '00',
      sketch: '{}',
      ym: '1 year',
      ds: '1 day',
    };
    expect(rows).toHaveLength(4);
    expect(minimal.int_nn).toBe(1);
    expect(full.flag).toBe(true);
  });

  it('wrong types, missing required columns, unknown columns and identity columns do not compile', () => {
    const bad: InsertRow<typeof candy>[] = [
      // @ts-expect-error id is a BIGINT: a string is not a bigint or number
      { id: '1', name: 'a', updated_at: new Date() },
      // @ts-expect-error name is a VARCHAR: a number is not a string
      { id: 1n, name: 5, updated_at: new Date() },
      // @ts-expect-error updated_at is a TIMESTAMPTZ: takes a Date or an ISO string, not a number
      { id: 1n, name: 'a', updated_at: 1_764_000_000_000 },
      // @ts-expect-error tags is SUPER: JSON values only, not a function
      { id: 1n, name: 'a', updated_at: new Date(), tags: () => 1 },
      // @ts-expect-error missing the required (NOT NULL, no default) column name
      { id: 1n, updated_at: new Date() },
      // @ts-expect-error NOT NULL columns don't take null
      { id: 1n, name: null, updated_at: new Date() },
      // @ts-expect-error unknown column
      { id: 1n, name: 'a', updated_at: new Date(), colour: 'red' },
    ];
    // @ts-expect-error an IDENTITY column is generated by the warehouse: loads never write it
    const withIdentity: InsertRow<typeof everything> = { int_nn: 1, seq: 5n };
    // @ts-expect-error a NOT NULL column with a default is optional but still not nullable
    const nullDefault: InsertRow<typeof everything> = { int_nn: 1, flag: null };
    // @ts-expect-error VARBYTE takes a Uint8Array
    const blobText: InsertRow<typeof everything> = { int_nn: 1, blob: 'abc' };
    // @ts-expect-error a Row's BIGINT is always a bigint (InsertRow also takes a number)
    const rowNumber: Row<typeof candy> = { id: 1, name: 'a', price: null, tags: null, updated_at: new Date() };
    expect([bad, withIdentity, nullDefault, blobText, rowNumber]).toHaveLength(5);
  });
});

describe('table options name real columns', () => {
  const cols = { id: t.bigint().notNull(), at: t.timestamp() };
  it('upsertKey, distKey, sortKey and primaryKey naming a missing column do not compile (and throw at runtime)', () => {
    // @ts-expect-error upsertKey names a column the table doesn't have
    expect(() => defineTable('s.a', cols, { upsertKey: ['idd'] })).toThrow(/upsertKey names "idd"/);
    // @ts-expect-error distKey names a column the table doesn't have
    expect(() => defineTable('s.a', cols, { distKey: 'nope' })).toThrow(/distKey names "nope"/);
    // @ts-expect-error sortKey names a column the table doesn't have
    expect(() => defineTable('s.a', cols, { sortKey: ['at', 'when'] })).toThrow(/sortKey names "when"/);
    // @ts-expect-error a compound sort key names a column the table doesn't have
    expect(() => defineTable('s.a', cols, { sortKey: { compound: ['x'] } })).toThrow(/sortKey.compound names "x"/);
    // @ts-expect-error an interleaved sort key names a column the table doesn't have
    expect(() => defineTable('s.a', cols, { sortKey: { interleaved: ['x'] } })).toThrow(
      /sortKey.interleaved names "x"/,
    );
    // @ts-expect-error primaryKey names a column the table doesn't have
    expect(() => defineTable('s.a', cols, { primaryKey: ['pk'] })).toThrow(/primaryKey names "pk"/);
    // @ts-expect-error distStyle is one of auto, even, key, all
    expect(() => defineTable('s.a', cols, { distStyle: 'random' })).not.toThrow(); // (a JS caller: the DDL would refuse it)
  });

  it('options naming real columns compile', () => {
    const m = defineTable('s.a', cols, {
      upsertKey: ['id'],
      distKey: 'id',
      sortKey: { interleaved: ['id', 'at'] },
      primaryKey: ['id'],
    });
    expect(m.options.sortKey).toEqual({ style: 'interleaved', columns: ['id', 'at'] });
  });
});

describe('builders', () => {
  it('IDENTITY is only offered on INTEGER and BIGINT', () => {
    expect(t.integer().identity(0, 1).spec.identity).toEqual({ seed: 0, step: 1 });
    // @ts-expect-error a VARCHAR cannot be an IDENTITY column
    expect(() => t.varchar(10).identity()).toThrow(/IDENTITY is only allowed on INTEGER or BIGINT/);
    // @ts-expect-error Redshift allows IDENTITY on INTEGER and BIGINT, not SMALLINT
    expect(() => t.smallint().identity()).toThrow(/not SMALLINT/);
  });

  it('DEFAULT takes a value of the column type or sql()', () => {
    expect(t.integer().default(5).spec.default).toEqual({ kind: 'value', value: 5 });
    expect(t.timestamptz().default(sql('getdate()')).spec.default).toEqual({ kind: 'sql', sql: 'getdate()' });
    // @ts-expect-error an INTEGER column's default must be a number
    expect(() => defineTable('s.d', { n: t.integer().default('five') })).toThrow(/DEFAULT "five" is not a number/);
  });

  it('every model is a TableModel, so generic code over models accepts it', () => {
    expectTypeOf(candy).toExtend<TableModel>();
    expectTypeOf(everything).toExtend<TableModel>();
    expectTypeOf(candy.columnNames).toEqualTypeOf<readonly ('id' | 'name' | 'price' | 'tags' | 'updated_at')[]>();
    const names = <T extends TableModel>(m: T): readonly string[] => m.columnNames;
    expect(names(candy)).toEqual(['id', 'name', 'price', 'tags', 'updated_at']);
  });
});
