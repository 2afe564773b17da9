// Parquet on Postgres and PGlite (Redshift reads it natively): hyparquet, pure JS, reading one
// row group at a time through ranged reads, so memory is bounded by the row group, not the file.
// Values are read exactly, not through hyparquet's lossy defaults: DECIMAL as a decimal string
// (from the unscaled integer and the schema's scale, never a float), timestamps as ISO strings
// keeping every fractional digit (microseconds, nanoseconds), INT64 as bigint, and a BYTE_ARRAY
// without a string annotation as bytes (decoded as UTF-8 only when the target is not VARBYTE,
// as many writers leave text un-annotated).
import { TextDecoder } from 'node:util';
import type { AsyncBuffer, FileMetaData, ParquetParsers, SchemaElement } from 'hyparquet';
import { importOptional } from '../optional.js';
import type { TableModel } from '../model/table.js';
import { createRowValidator } from '../model/row-validator.js';
import { type NormalizedValue } from '../model/validate.js';
import { fileError } from '../engine/source.js';
import { matchColumns, rowError } from './records.js';
import { firstUtf8Problem } from './text-decode.js';
import type { ColumnWatch } from '../engine/source.js';

export interface ParquetFile {
  metadata: FileMetaData;
  /** Top-level column names, in file order. */
  names: string[];
}

type Hyparquet = typeof import('hyparquet');
/** hyparquet is an optional peer dependency, loaded when a Parquet file is first read here. */
const hyparquet = (): Promise<Hyparquet> =>
  importOptional('hyparquet', 'Reading Parquet files on Postgres or PGlite', () => import('hyparquet'));

export async function readParquetFooter(file: AsyncBuffer, where: string, table: string): Promise<ParquetFile> {
  const { parquetMetadataAsync, parquetSchema } = await hyparquet();
  try {
    const metadata = await parquetMetadataAsync(file);
    return { metadata, names: parquetSchema(metadata).children.map((c) => c.element.name) };
  } catch (err) {
    throw fileError(table, { file: where, reason: `is not a readable Parquet file: ${(err as Error).message}` }, err);
  }
}

/** ISO 8601 UTC text of `value` units since the epoch, `digits` fractional digits, all kept. */
function isoTimestamp(value: bigint, perSecond: bigint, digits: number): string | bigint {
  let seconds = value / perSecond;
  let frac = value % perSecond;
  if (frac < 0n) {
    frac += perSecond;
    seconds -= 1n;
  }
  const date = new Date(Number(seconds) * 1000);
  // Beyond what a Date holds: the raw value, which validation then refuses by name.
  if (Number.isNaN(date.getTime())) return value;
  return date.toISOString().replace(/\.\d{3}Z$/, `.${frac.toString().padStart(digits, '0')}Z`);
}

/** A string value whose bytes are not UTF-8 (hyparquet's own decoder would make them U+FFFD). */
class NotUtf8Error extends Error {
  override name = 'NotUtf8Error';
  constructor(readonly bytes: Uint8Array) {
    super('a string value is not valid UTF-8');
  }
}

// Strict, and a BOM at the start of a value is part of it (the default decoder drops it).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function strictText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new NotUtf8Error(bytes);
  }
}

const PARSERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (v: bigint) => isoTimestamp(BigInt(v), 1000n, 3),
  timestampFromMicroseconds: (v: bigint) => isoTimestamp(BigInt(v), 1_000_000n, 6),
  timestampFromNanoseconds: (v: bigint) => isoTimestamp(BigInt(v), 1_000_000_000n, 9),
  stringFromBytes: (bytes: Uint8Array) => bytes && strictText(bytes),
  jsonFromBytes: (bytes: Uint8Array) => bytes && (JSON.parse(strictText(bytes)) as unknown),
};

/** Where a bad string hides, on the error path only: strings that are not UTF-8 read as this marker instead. */
class BadText {
  constructor(readonly bytes: Uint8Array) {}
}
const markText = (bytes: Uint8Array): string | BadText => {
  try {
    return utf8.decode(bytes);
  } catch {
    return new BadText(bytes);
  }
};
const MARKING: Partial<ParquetParsers> = {
  ...PARSERS,
  stringFromBytes: (bytes: Uint8Array) => bytes && markText(bytes),
  jsonFromBytes: (bytes: Uint8Array) => {
    if (!bytes) return bytes;
    const text = markText(bytes);
    return text instanceof BadText ? text : (JSON.parse(text) as unknown);
  },
};
const findBad = (v: unknown): BadText | undefined => {
  if (v instanceof BadText) return v;
  if (Array.isArray(v))
    for (const x of v) {
      const b = findBad(x);
      if (b) return b;
    }
  else if (v && typeof v === 'object' && !(v instanceof Uint8Array) && !(v instanceof Date))
    for (const x of Object.values(v)) {
      const b = findBad(x);
      if (b) return b;
    }
  return undefined;
};

/** A two's-complement big-endian integer (DECIMAL as BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY). */
function bigEndianSigned(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes.length > 0 && bytes[0]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

/** The exact decimal text of unscaled * 10^-scale. */
function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return `${negative ? '-' : ''}${digits}${'0'.repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

function decimalScale(e: SchemaElement): number | undefined {
  if (e.logical_type?.type === 'DECIMAL') return e.logical_type.scale ?? e.scale ?? 0;
  if (e.converted_type === 'DECIMAL') return e.scale ?? 0;
  return undefined;
}

type Fix = ((v: unknown) => unknown) | undefined;

/**
 * What to read and how to finish each top-level column. hyparquet has no decimal parser (it
 * multiplies by 10^-scale in floating point), so top-level DECIMAL columns are read with their
 * annotation taken off (the raw unscaled integers) and turned into decimal text here.
 */
function readPlan(
  { parquetSchema }: Hyparquet,
  model: TableModel,
  metadata: FileMetaData,
  columns: string[],
): { metadata: FileMetaData; fixes: Fix[] } {
  const top = parquetSchema(metadata).children.map((c) => c.element);
  const stripped = new Set<SchemaElement>();
  const fixes = top.map((e, i): Fix => {
    if (e.num_children) return undefined;
    const scale = decimalScale(e);
    if (scale !== undefined) {
      stripped.add(e);
      return (v) => {
        if (v === null || v === undefined) return v;
        const unscaled = v instanceof Uint8Array ? bigEndianSigned(v) : BigInt(v as number | bigint);
        return decimalText(unscaled, scale);
      };
    }
    const binary = e.type === 'BYTE_ARRAY' || e.type === 'FIXED_LEN_BYTE_ARRAY';
    if (binary && model.columns[columns[i]!]?.spec.kind !== 'varbyte') {
      return (v) => (v instanceof Uint8Array ? strictText(v) : v);
    }
    return undefined;
  });
  if (stripped.size === 0) return { metadata, fixes };
  const schema = metadata.schema.map((e) => {
    if (!stripped.has(e)) return e;
    const { converted_type: _c, logical_type: _l, scale: _s, precision: _p, ...raw } = e;
    return raw;
  });
  return { metadata: { ...metadata, schema }, fixes };
}

/** Validated rows of one Parquet file; `line` in errors is the 1-based row number. */
export async function* validatedParquetRows(
  model: TableModel,
  file: AsyncBuffer,
  footer: ParquetFile,
  where: string,
  watch?: ColumnWatch,
): AsyncGenerator<NormalizedValue[]> {
  const columns = matchColumns(model, footer.names, where);
  watch?.file(columns, where);
  const validate = createRowValidator(model);
  const lib = await hyparquet();
  const plan = readPlan(lib, model, footer.metadata, columns);
  let rowStart = 0;
  for (const group of footer.metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    const read = (parsers: Partial<ParquetParsers>) =>
      lib.parquetReadObjects({ file, metadata: plan.metadata, rowStart, rowEnd, utf8: false, parsers });
    try {
      rows = await read(PARSERS);
    } catch (err) {
      if (err instanceof NotUtf8Error)
        throw await locateBadText(model, where, columns, footer.names, rowStart, () => read(MARKING));
      throw fileError(
        model.qualifiedName,
        { file: where, line: rowStart + 1, reason: `cannot be read as Parquet: ${(err as Error).message}` },
        err,
      );
    }
    for (let i = 0; i < rows.length; i++) {
      const src = rows[i]!;
      const row: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) {
        const v = src[footer.names[c]!];
        const fix = plan.fixes[c];
        try {
          row[columns[c]!] = fix ? fix(v) : v;
        } catch (err) {
          if (err instanceof NotUtf8Error) throw notUtf8(model, where, rowStart + i + 1, columns[c]!, err.bytes);
          throw err;
        }
      }
      try {
        yield validate(row, rowStart + i + 1);
      } catch (err) {
        throw rowError(model.qualifiedName, where, rowStart + i + 1, err);
      }
    }
    rowStart = rowEnd;
  }
}

/** A string value that is not UTF-8, named by row and column, with where in the value it breaks. */
function notUtf8(model: TableModel, where: string, line: number, column: string, bytes: Uint8Array): Error {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found = firstUtf8Problem(bytes);
  const why = found ? `byte ${found.offset} of the value ${found.problem}` : 'is not valid UTF-8';
  return fileError(model.qualifiedName, {
    file: where,
    line,
    column,
    value: buf.toString('utf8'),
    reason: `${why} (Parquet strings are UTF-8; the file's writer stored other bytes)`,
  });
}

/** Reads the row group again with bad strings marked, to name the row and column of the first. */
async function locateBadText(
  model: TableModel,
  where: string,
  columns: string[],
  names: string[],
  rowStart: number,
  read: () => Promise<Record<string, unknown>[]>,
): Promise<Error> {
  const rows = await read();
  for (let i = 0; i < rows.length; i++) {
    for (let c = 0; c < columns.length; c++) {
      const bad = findBad(rows[i]![names[c]!]);
      if (bad) return notUtf8(model, where, rowStart + i + 1, columns[c]!, bad.bytes);
    }
  }
  return fileError(model.qualifiedName, {
    file: where,
    line: rowStart + 1,
    reason: 'has a string value that is not valid UTF-8 (Parquet strings are UTF-8)',
  });
}
