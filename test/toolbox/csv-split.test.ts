// The export CSV reader: rows cut at any chunk boundary come out whole, and parse back to the
// exact text values (NULL vs "", quotes, delimiters, newlines, \N as text).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvRowSplitter } from '../../src/warehouse/unload/csv-split.js';
import { parseExportRows } from '../../src/warehouse/unload/unload.js';

const encode = (rows: (string | null)[][], d: string) =>
  rows.map((r) => `${r.map((v) => (v === null ? '\\N' : `"${v.replace(/"/g, '""')}"`)).join(d)}\n`).join('');

describe('export CSV splitting and parsing', () => {
  it('round-trips any rows through any chunking', () => {
    const value = fc.option(
      fc.oneof(fc.string(), fc.constantFrom('', '\\N', '"', '""', '\n', '\r\n', ',', '|', 'a"b\nc', '😀')),
      { nil: null },
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 30 }),
        fc.constantFrom(',', '|', '\t'),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rows, d, cutsRaw) => {
          const width = rows[0]!.length;
          const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? null));
          const bytes = Buffer.from(encode(table, d));
          const cuts = [...new Set(cutsRaw.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const splitter = new CsvRowSplitter();
          const out: (string | null)[][] = [];
          let rowsSeen = 0;
          let prev = 0;
          for (const c of [...cuts, bytes.length]) {
            const { data, ends } = splitter.push(bytes.subarray(prev, c));
            rowsSeen += ends.length;
            if (data.length) parseExportRows(data.toString('utf8'), d, (r) => out.push(r));
            prev = c;
          }
          expect(splitter.end().length).toBe(0);
          expect(rowsSeen).toBe(table.length);
          expect(out).toEqual(table);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names what is wrong with a malformed export', () => {
    expect(() => parseExportRows('"a",b\n', ',', () => undefined)).toThrow(/unexpected field at offset 4/);
    expect(() => parseExportRows('"a"x\n', ',', () => undefined)).toThrow(/no delimiter after a field at offset 3/);
    const s = new CsvRowSplitter();
    s.push(Buffer.from('"open'));
    expect(() => s.end()).toThrow(/inside a quoted field/);
  });
});
