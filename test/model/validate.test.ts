// The row validator: rows in, normalized values out in loadColumns order; bad rows throw a
// RowValidationError naming the row index, the column, the value (truncated) and the rule.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowValidationError, createRowValidator, defineTable, sql, t } from '../../src/index.js';
import { loadColumns, showValue, validateRow } from '../../src/model/index.js';

const candy = defineTable(
  'candy.candy_names',
  {
    seq: t.bigint().identity(),
    id: t.bigint().notNull(),
    name: t.varchar(64).notNull(),
    price: t.numeric(10, 2),
    tags: t.super(),
    in_stock: t.boolean().notNull().default(true),
    updated_at: t.timestamptz().notNull().default(sql('getdate()')),
  },
  { upsertKey: ['id'] },
);
const validate = createRowValidator(candy);

function rowError(fn: () => unknown): RowValidationError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RowValidationError);
    return e as RowValidationError;
  }
  throw new Error('expected a RowValidationError, but the row passed');
}

describe('normalized rows', () => {
  it('come out in loadColumns order (identity excluded), in the stage encoder forms', () => {
    expect(loadColumns(candy)).toEqual(['id', 'name', 'price', 'tags', 'in_stock', 'updated_at']);
    expect(
      validate(
        {
          id: 1,
          name: 'Gummy',
          price: 1.5,
          tags: { sour: true },
          in_stock: false,
          updated_at: new Date(Date.UTC(2026, 10, 24, 10, 30)),
        },
        0,
      ),
    ).toEqual([1n, 'Gummy', '1.5', '{"sour":true}', false, '2026-11-24 10:30:00.000000']);
  });

  it('missing columns: a value DEFAULT is filled in; a SQL DEFAULT and nullable columns are NULL', () => {
    expect(validate({ id: 2n, name: '' }, 0)).toEqual([2n, '', null, null, true, null]);
    expect(validate({ id: 2n, name: 'x', price: null, tags: null, updated_at: null }, 0)).toEqual([
      2n,
      'x',
      null,
      null,
      true,
      null,
    ]);
  });

  it('every kind normalizes to its documented form', () => {
    const all = defineTable('s.all', {
      small: t.smallint(),
      int: t.integer(),
      big: t.bigint(),
      dec: t.decimal(12, 2),
      r: t.real(),
      d: t.double(),
      flag: t.boolean(),
      code: t.char(2),
      label: t.varchar(),
      day: t.date(),
      at: t.time(),
      attz: t.timetz(),
      ts: t.timestamp(),
      tstz: t.timestamptz(),
      doc: t.super(),
      blob: t.varbyte(),
      shape: t.geometry(),
      place: t.geography(),
      sketch: t.hllsketch(),
      ym: t.intervalYearToMonth(),
      ds: t.intervalDayToSecond(),
    });
    const row = {
      small: '12',
      int: -0,
      big: '123',
      dec: '007.50',
      r: '1.5',
      d: 2,
      flag: 'yes',
      code: 'ab',
      label: 'é',
      day: '2026-11-24',
      at: '10:30:00.5',
      attz: '10:30+05:30',
      ts: '2026-11-24T10:30:00.123456+01:00',
      tstz: new Date(Date.UTC(2026, 10, 24, 23, 59, 59, 999)),
      doc: [1, 'a'],
      blob: 'CAFE',
      shape: 'abcd',
      place: '00ff',
      sketch: '{"v":1}',
      ym: ' 1 year ',
      ds: '1 day 02:00:00',
    };
    expect(validateRow(all, row)).toEqual([
      12,
      0,
      123n,
      '7.50',
      1.5,
      2,
      true,
      'ab',
      'é',
      '2026-11-24',
      '10:30:00.500000',
      '10:30:00.000000+05:30',
      '2026-11-24 09:30:00.123456',
      '2026-11-24 23:59:59.999000',
      '[1,"a"]',
      Buffer.from([0xca, 0xfe]),
      'ABCD',
      '00FF',
      '{"v":1}',
      '1 year',
      '1 day 02:00:00',
    ]);
  });

  it('nullSafeUpsertKey lets a NULL key through', () => {
    const m = defineTable('s.k', { k: t.varchar(8), v: t.integer() }, { upsertKey: ['k'], nullSafeUpsertKey: true });
    expect(validateRow(m, { v: 1 })).toEqual([null, 1]);
  });
});

describe('errors name the row, the column, the value and the rule', () => {
  it('a value that breaks a rule', () => {
    const e = rowError(() => validate({ id: 1, name: 'é'.repeat(100) }, 7));
    expect(e).toMatchObject({
      rowIndex: 7,
      column: 'name',
      rule: 'varchar length',
      table: 'candy.candy_names',
      value: 'é'.repeat(100),
    });
    expect(e.message).toBe(
      `candy.candy_names: row 7, column "name": is 200 UTF-8 bytes, longer than VARCHAR(64) allows (64 bytes) (value "${'é'.repeat(79)}… (102 chars); rule: varchar length)`,
    );
  });

  it('NOT NULL, NULL upsert keys, unknown columns, identity columns, non-object rows', () => {
    expect(rowError(() => validate({ id: 1 }, 3)).message).toBe(
      'candy.candy_names: row 3, column "name": is missing or null, but the column is NOT NULL (value null; rule: NOT NULL)',
    );
    expect(rowError(() => validate({ id: null, name: 'a' }, 4)).message).toBe(
      'candy.candy_names: row 4, column "id": is NULL in an upsert-key column: NULL never matches, so the row would be duplicated (set nullSafeUpsertKey to match NULLs) (value null; rule: upsert key not null)',
    );
    expect(rowError(() => validate({ id: 1, name: 'a', colour: 'red' }, 5)).message).toBe(
      'candy.candy_names: row 5, column "colour": is not a column of candy.candy_names (columns: seq, id, name, price, tags, in_stock, updated_at) (value "red"; rule: unknown column)',
    );
    expect(rowError(() => validate({ id: 1, name: 'a', seq: 9n }, 6))).toMatchObject({
      column: 'seq',
      rule: 'identity',
    });
    expect(rowError(() => validate([1, 'a'], 8))).toMatchObject({ rowIndex: 8, column: '(row)', rule: 'object row' });
    expect(rowError(() => validate(null, 9))).toMatchObject({ rowIndex: 9, rule: 'object row' });
  });

  it('values are shown truncated, bytes as a hex preview, without splitting a character', () => {
    expect(showValue('a'.repeat(200))).toBe(`"${'a'.repeat(79)}… (202 chars)`);
    expect(showValue(`"${'😀'.repeat(50)}`)).toMatch(/^"\\"(😀){38}… \(104 chars\)$/);
    expect(showValue(new Uint8Array(40).fill(255))).toBe(`<40 bytes: ${'ff'.repeat(16)}…>`);
    expect(showValue(12n)).toBe('12n');
    expect(showValue(new Date(Number.NaN))).toBe('Invalid Date');
    expect(showValue(undefined)).toBe('undefined');
  });

  it('for any row index, column and bad value, the message carries all four', () => {
    const bad = fc.oneof(
      fc.record({
        column: fc.constant('id'),
        value: fc.bigInt({ min: 2n ** 63n, max: 2n ** 70n }),
        rule: fc.constant('bigint range'),
      }),
      fc.record({
        column: fc.constant('name'),
        value: fc.string({ minLength: 65, maxLength: 300 }),
        rule: fc.constant('varchar length'),
      }),
      fc.record({
        column: fc.constant('price'),
        value: fc.integer({ min: 100_000_000, max: 2 ** 40 }),
        rule: fc.constant('decimal(10,2) precision'),
      }),
      fc.record({ column: fc.constant('in_stock'), value: fc.constantFrom('maybe', 2, {}), rule: fc.constant('type') }),
      fc.record({
        column: fc.constant('updated_at'),
        value: fc.constantFrom('2026-13-01', '2026-02-30T00:00:00Z'),
        rule: fc.constant('valid date'),
      }),
    );
    fc.assert(
      fc.property(fc.nat(), bad, (index, { column, value, rule }) => {
        const row: Record<string, unknown> = { id: 1n, name: 'ok', [column]: value };
        const e = rowError(() => validate(row, index));
        expect(e).toMatchObject({ rowIndex: index, column, rule, value });
        expect(e.message.startsWith(`candy.candy_names: row ${index}, column "${column}": `)).toBe(true);
        expect(e.message.endsWith(`(value ${showValue(value)}; rule: ${rule})`)).toBe(true);
        expect(showValue(value).length).toBeLessThanOrEqual(80 + ' (999 chars)'.length + 1);
      }),
    );
  });
});

describe('SUPER values that are not plain JSON', () => {
  const docs = defineTable('s.docs', { id: t.integer().notNull(), doc: t.super() });
  const check = createRowValidator(docs);

  it('are refused naming the row, the column, the value, the rule and the path inside the value', () => {
    const e = rowError(() => check({ id: 1, doc: { tags: ['a', new Set(['b'])] } }, 7));
    expect(e).toMatchObject({ rowIndex: 7, column: 'doc', rule: 'plain JSON' });
    expect(e.message).toBe(
      's.docs: row 7, column "doc": $.tags[1] is a Set, which JSON writes as {}: convert it first, e.g. [...set] (value {"tags":["a",{}]}; rule: plain JSON)',
    );
    const m = rowError(() => check({ id: 1, doc: new Map([['k', 1]]) }, 0));
    expect(m.message).toContain("(value Map(1) { 'k' => 1 }; rule: plain JSON)"); // not shown as {}
  });

  it('nested 100,000 deep: a RowValidationError, not a RangeError (the walk and the message are both bounded)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const e = rowError(() => check({ id: 1, doc: deep }, 3));
    expect(e).toMatchObject({ rowIndex: 3, column: 'doc', rule: 'super depth' });
    expect(e.message).toMatch(
      /row 3, column "doc": \$(\[0\]){6}…\(988 more levels\)…(\[0\]){6} is nested deeper than 1000 levels/,
    );
    expect(e.message.length).toBeLessThan(400);
  });
});
