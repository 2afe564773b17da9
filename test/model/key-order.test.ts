// keyCanonical: values a warehouse calls equal must never look increasing, or the dedupe is skipped.
import { describe, expect, it } from 'vitest';
import { t } from '../../src/index.js';
import { keyCanonical } from '../../src/model/key-order.js';

const canon = (column: { spec: Parameters<typeof keyCanonical>[0] }) => keyCanonical(column.spec)!;

describe('keyCanonical', () => {
  it('maps SQL-equal keys to one value', () => {
    const equalPairs = [
      [t.decimal(10, 2), '1.5', '1.50'],
      [t.decimal(10, 2), '-0.00', '0'],
      [t.char(4), 'a', 'a  '],
      [t.varchar(8), 'a', 'a '], // Redshift ignores trailing blanks in VARCHAR comparisons
      [t.varchar(8), 'Abc', 'aBC'], // a case-insensitive collation
      [t.real(), 16777216, 16777217],
      [t.double(), -0, 0],
      [t.bigint(), 5n, 5n],
    ] as const;
    for (const [column, a, b] of equalPairs)
      expect(canon(column)(a), `${column.spec.kind} ${String(a)}`).toEqual(canon(column)(b));
  });

  it('keeps distinct keys ordered as JS orders them', () => {
    expect(canon(t.integer())(2)! > canon(t.integer())(1)!).toBe(true);
    expect(canon(t.varchar(8))('b')! > canon(t.varchar(8))('a')!).toBe(true);
    expect(canon(t.decimal(10, 2))('10.01')! > canon(t.decimal(10, 2))('9.99')!).toBe(true);
  });

  it('has no canonical form where equality is subtler: those batches are always deduped', () => {
    for (const column of [
      t.intervalDayToSecond(),
      t.intervalYearToMonth(),
      t.timetz(),
      t.time(),
      t.timestamp(),
      t.timestamptz(),
      t.date(),
      t.super(),
      t.varbyte(8),
      t.boolean(),
    ]) {
      expect(keyCanonical(column.spec), column.spec.kind).toBeUndefined();
    }
  });
});
