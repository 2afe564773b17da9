// The same encoding as src/stage/csv.ts, on csv-stringify: kept so the benchmark can measure both and the
// round-trip tests can hold both to the same rules. The stage uses the hand-written encoder
// (measured ~2x faster, see stage.bench.ts); this one is not part of the public API.
// csv-stringify's defaults are wrong for COPY (false -> empty field, i.e. NULL; Dates -> epoch
// ms), so every JS type the normalized rows carry gets an explicit cast here.
import { stringify } from 'csv-stringify';
import type { NormalizedValue } from '../src/model/validate.js';
import { CSV_CHUNK_CHARS, CSV_NULL, isSyncIterable, type CsvEncodeOptions, type RowSource } from '../src/stage/csv.js';

/** Stands in for NULL: csv-stringify writes null as an empty field, which COPY would read as ''. */
const NULL_MARK = { null: true } as const;

export async function* encodeCsvChunksWithCsvStringify(
  rows: RowSource,
  options: CsvEncodeOptions & { chunkChars?: number },
): AsyncGenerator<Buffer, void, undefined> {
  const pgBinary = options.binary === 'postgres';
  const stringifier = stringify({
    record_delimiter: 'unix',
    quoted_empty: true,
    // Quote what csv-stringify would not: a literal \N (and any backslash), edge whitespace,
    // and a lone CR: csv-stringify 6.9.0 leaves "a\rb" unquoted with record_delimiter 'unix',
    // and Postgres reads that CR as the end of the row (found by the round-trip property).
    quoted_match: [/\\/, /^\s/, /\s$/, /\r/],
    cast: {
      boolean: (v) => (v ? 't' : 'f'),
      number: (v) => (Object.is(v, -0) ? '-0' : String(v)),
      bigint: (v) => v.toString(),
      object: (v) => {
        if (v === NULL_MARK) return { value: CSV_NULL, quoted_match: null };
        const bytes = v as unknown as Uint8Array;
        const h = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
        return pgBinary ? `\\x${h}` : h === '' ? { value: '', quoted: true } : h;
      },
    },
  });
  const ordinal = options.ordinal;
  let i = 0;
  const toRecord = (row: readonly NormalizedValue[]): unknown[] => {
    const rec: unknown[] = row.map((v) => (v === null ? NULL_MARK : v));
    if (ordinal) rec.push(i + 1);
    i++;
    return rec;
  };
  // Feed rows with backpressure from a separate task; read the CSV text here and rechunk it.
  const feed = (async () => {
    const write = async (rec: unknown[]) => {
      if (!stringifier.write(rec)) await new Promise<void>((r) => stringifier.once('drain', r));
    };
    try {
      if (isSyncIterable(rows)) for (const row of rows) await write(toRecord(row));
      else for await (const row of rows) await write(toRecord(row));
      stringifier.end();
    } catch (e) {
      stringifier.destroy(e as Error);
    }
  })();
  const target = options.chunkChars ?? CSV_CHUNK_CHARS;
  let buf = '';
  stringifier.setEncoding('utf8');
  for await (const text of stringifier as AsyncIterable<string>) {
    buf += text;
    if (buf.length >= target) {
      yield Buffer.from(buf);
      buf = '';
    }
  }
  await feed;
  if (buf.length > 0) yield Buffer.from(buf);
}
