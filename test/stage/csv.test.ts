// The encoder's rules, value by value, and its streaming: chunks end on row boundaries, stay
// near 64 KiB, and are pulled (an endless source is only read as far as the consumer reads).
import { describe, expect, it } from 'vitest';
import { t, type ColumnSpec, type NormalizedValue } from '../../src/model/index.js';
import {
  CSV_CHUNK_CHARS,
  createCsvLineEncoder,
  encodeCsvChunks,
  StageEncodeError,
  type BinaryDialect,
} from '../../src/stage/index.js';

const one = (spec: ColumnSpec, v: NormalizedValue, binary: BinaryDialect = 'redshift') =>
  createCsvLineEncoder({ columns: [spec], ordinal: false, binary })([v], 0).slice(0, -1);

describe('field encodings', () => {
  it('text: NULL bare \\N, empty "", a literal \\N quoted, quotes doubled, separators and edge spaces quoted', () => {
    const vc = t.varchar().spec;
    expect(one(vc, null)).toBe('\\N');
    expect(one(vc, '')).toBe('""');
    expect(one(vc, '\\N')).toBe('"\\N"');
    expect(one(vc, 'a"b')).toBe('"a""b"');
    expect(one(vc, 'a,b')).toBe('"a,b"');
    expect(one(vc, 'a\nb')).toBe('"a\nb"');
    expect(one(vc, 'a\r\nb')).toBe('"a\r\nb"');
    expect(one(vc, 'a\rb')).toBe('"a\rb"');
    expect(one(vc, '\\.')).toBe('"\\."');
    expect(one(vc, ' x')).toBe('" x"');
    expect(one(vc, 'x\t')).toBe('"x\t"');
    expect(one(vc, 'plain text é😀')).toBe('plain text é😀');
    expect(one(t.super().spec, '{"a":"b,c"}')).toBe('"{""a"":""b,c""}"');
  });

  it('numbers, booleans and times as normalized; bigint exact; -0 keeps its sign', () => {
    expect(one(t.bigint().spec, 2n ** 63n - 1n)).toBe('9223372036854775807');
    expect(one(t.bigint().spec, -(2n ** 63n))).toBe('-9223372036854775808');
    expect(one(t.double().spec, -0)).toBe('-0');
    expect(one(t.double().spec, 0.1)).toBe('0.1');
    expect(one(t.double().spec, 1e21)).toBe('1e+21');
    expect(one(t.decimal(38, 10).spec, '-12345678901234567890123456.0123456789')).toBe(
      '-12345678901234567890123456.0123456789',
    );
    expect(one(t.boolean().spec, true)).toBe('t');
    expect(one(t.boolean().spec, false)).toBe('f');
    expect(one(t.timestamptz().spec, '2026-11-24 10:30:00.123456')).toBe('2026-11-24 10:30:00.123456');
    expect(one(t.timetz().spec, '10:30:00.000000+05:30')).toBe('10:30:00.000000+05:30');
  });

  it('VARBYTE: bare hex for Redshift ("" when empty), \\x hex for Postgres bytea', () => {
    const vb = t.varbyte().spec;
    const bytes = new Uint8Array([0, 1, 0xab, 0xff]);
    expect(one(vb, bytes, 'redshift')).toBe('0001abff');
    expect(one(vb, new Uint8Array(0), 'redshift')).toBe('""');
    expect(one(vb, bytes, 'postgres')).toBe('\\x0001abff');
    expect(one(vb, new Uint8Array(0), 'postgres')).toBe('\\x');
    expect(one(vb, Buffer.from('hi'), 'redshift')).toBe('6869');
    expect(one(vb, new Uint8Array(new Uint8Array([9, 8, 7]).buffer, 1, 2), 'redshift')).toBe('0807'); // views respect offset
  });

  it('appends the 1-based ordinal as the last field', () => {
    const enc = createCsvLineEncoder({
      columns: [t.integer().spec, t.varchar().spec],
      ordinal: true,
      binary: 'redshift',
    });
    expect(enc([7, null], 0)).toBe('7,\\N,1\n');
    expect(enc([8, 'x'], 41)).toBe('8,x,42\n');
  });

  it('a value not in normalized form fails with row, column, value and rule', () => {
    const cases: Array<[ColumnSpec, unknown, string]> = [
      [t.boolean().spec, 'yes', 'normalized boolean'],
      [t.integer().spec, 1.5, 'normalized integer'],
      [t.bigint().spec, 2 ** 60, 'normalized bigint'],
      [t.decimal(12, 2).spec, 12.5, 'normalized decimal'],
      [t.varbyte().spec, 'abcd', 'normalized varbyte'],
      [t.timestamptz().spec, new Date(0), 'normalized timestamptz'],
      [t.varchar().spec, undefined, 'normalized value'],
    ];
    for (const [spec, value, rule] of cases) {
      const enc = createCsvLineEncoder({
        columns: [t.integer().spec, spec],
        columnNames: ['id', 'col'],
        ordinal: false,
        binary: 'redshift',
      });
      let err: unknown;
      try {
        enc([1, value as NormalizedValue], 12);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StageEncodeError);
      expect(err).toMatchObject({ rowIndex: 12, column: 'col', rule });
      expect((err as Error).message).toMatch(new RegExp(`^row 12, column "col": .*rule: ${rule}\\)$`));
    }
  });
});

describe('encodeCsvChunks', () => {
  const columns = [t.bigint().spec, t.varchar().spec, t.boolean().spec];
  const row = (i: number): NormalizedValue[] => [BigInt(i), i % 7 === 0 ? 'needs, "quotes"\n' : `r${i}`, i % 2 === 0];

  it('emits ~64 KiB chunks that end on row boundaries and add up to the rows, sync or async', async () => {
    const n = 50_000;
    const enc = createCsvLineEncoder({ columns, ordinal: true, binary: 'redshift' });
    const expected = Array.from({ length: n }, (_, i) => enc(row(i), i)).join('');
    const sync: Buffer[] = [];
    for await (const c of encodeCsvChunks(
      Array.from({ length: n }, (_, i) => row(i)),
      { columns, ordinal: true, binary: 'redshift' },
    ))
      sync.push(c);
    async function* rows() {
      for (let i = 0; i < n; i++) yield row(i);
    }
    const asyncChunks: Buffer[] = [];
    for await (const c of encodeCsvChunks(rows(), { columns, ordinal: true, binary: 'redshift' })) asyncChunks.push(c);
    expect(Buffer.concat(sync).toString()).toBe(expected);
    expect(Buffer.concat(asyncChunks).toString()).toBe(expected);
    expect(sync.length).toBeGreaterThan(5);
    for (const c of sync.slice(0, -1)) {
      expect(c.length).toBeGreaterThanOrEqual(CSV_CHUNK_CHARS);
      expect(c.length).toBeLessThan(CSV_CHUNK_CHARS + 100);
      expect(c[c.length - 1]).toBe(0x0a);
    }
  });

  it('is pulled: an endless source is read only as far as chunks are taken', async () => {
    let produced = 0;
    function* endless() {
      for (;;) {
        produced++;
        yield row(produced);
      }
    }
    let taken = 0;
    for await (const _ of encodeCsvChunks(endless(), { columns, ordinal: false, binary: 'redshift' })) {
      if (++taken === 3) break;
    }
    // Three chunks of ~64 KiB at ~10 bytes a row: about 20k rows, never the whole (endless) source.
    expect(produced).toBeGreaterThan(10_000);
    expect(produced).toBeLessThan(40_000);
  });
});
