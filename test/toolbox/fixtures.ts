// A model with every everyday type and rows full of the values that break round trips.
import { defineTable, t, type InsertRow } from '../../src/index.js';

export function everyType(schema: string, name: string) {
  return defineTable(
    `${schema}.${name}`,
    {
      id: t.bigint().notNull(),
      i2: t.smallint(),
      i4: t.integer(),
      dec: t.decimal(38, 10),
      money: t.decimal(12, 2),
      r4: t.real(),
      f8: t.double(),
      b: t.boolean(),
      ch: t.char(6),
      vc: t.varchar('max'),
      d: t.date(),
      ts: t.timestamp(),
      tsz: t.timestamptz(),
      sup: t.super(),
      vb: t.varbyte(),
    },
    { upsertKey: ['id'] },
  );
}
export type EveryType = ReturnType<typeof everyType>;

export const NASTY = [
  '',
  '\\N',
  'NULL',
  'a,b',
  "it's",
  'say "hi"',
  'line\nbreak',
  'crlf\r\nend',
  ' padded ',
  'emoji 😀 é',
  '\\',
  'tab\there',
  '$1',
  "'; drop table x; --",
  'a|b',
];

export function* everyTypeRows(count: number): Generator<InsertRow<EveryType>> {
  yield { id: 0n }; // all NULL
  yield {
    id: 1n,
    i2: -32768,
    i4: 2147483647,
    dec: '-1234567890123456789012345678.0123456789',
    money: '9999999999.99',
    r4: 3.4028234663852886e38,
    f8: -0.1,
    b: false,
    ch: '',
    vc: '',
    d: '0001-01-01',
    ts: '1999-12-31T23:59:59.999999',
    tsz: '2026-11-24T10:00:00.123456+02:00',
    sup: { s: '', n: null, a: [1, 'x'] },
    vb: new Uint8Array([]),
  };
  yield {
    id: 9007199254740993n,
    f8: 5e-324,
    b: true,
    vc: 'big',
    d: '9999-12-31',
    ts: '2026-02-28T00:00:00',
    tsz: new Date(0),
    sup: 'just text',
    vb: new Uint8Array([0, 255, 10, 13, 34, 92]),
  };
  for (let i = 0; i < count; i++) {
    const s = NASTY[i % NASTY.length]!;
    yield {
      id: BigInt(100 + i),
      i2: i % 32767,
      i4: -i,
      dec: `${i}.${String(i % 10_000).padStart(10, '0')}`,
      money: `${i % 100000}.${String(i % 100).padStart(2, '0')}`,
      r4: i / 7,
      f8: i / 3,
      b: i % 2 === 0,
      ch: s.slice(0, 6).replace(/[^\x20-\x7e]/g, ''),
      vc: s,
      d: new Date(Date.UTC(2026, 0, 1 + (i % 365))),
      ts: `2026-11-24T10:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(6, '0').slice(-6)}`,
      tsz: new Date(Date.UTC(2026, 10, 24, 0, 0, i % 60, i % 1000)),
      sup: i % 3 === 0 ? null : { s, i, big: '12345678901234567890' },
      vb: new Uint8Array([i % 256, 0, 92]),
    };
  }
}
