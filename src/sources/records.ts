// Text records (CSV, JSON lines, COPY TO output) into validated rows, one at a time. Every
// error names the file (or query), the line, the column and the value: a data engineer fixes
// the file from the message alone.
import type { Readable } from 'node:stream';
import { CsvParser, CsvSyntaxError } from './csv-parser.js';
import { StrictDecoder, TextDecodeError, type DecodeOptions } from './text-decode.js';
import { RowValidationError } from '../model/errors.js';
import type { TableModel } from '../model/table.js';
import { createRowValidator } from '../model/row-validator.js';
import { loadColumns, type NormalizedValue } from '../model/validate.js';
import { LoadError } from '../warehouse/errors.js';
import { fileError, type ColumnWatch } from '../engine/source.js';

export interface CsvOptions {
  /** The first line names the columns (default true). */
  header?: boolean | undefined;
  /** The file's columns in order, when it has no header (or to override it). */
  columns?: readonly string[] | undefined;
  /** Field delimiter, default ','. */
  delimiter?: string | undefined;
  /** Quote character, default '"' (doubled inside a quoted field). */
  quote?: string | undefined;
  /** The unquoted text that means NULL. Default '' (an empty unquoted field); a quoted "" stays the empty string. */
  nullAs?: string | undefined;
}

/** One record of a text file: its (first) line number and its fields, NULL already decided. */
export interface TextRecord {
  line: number;
  fields: (string | null)[];
}

const BATCH_CHARS = 16 * 1024;

/** The file's column names once known (the header, or the columns given): errors name the column, not its number. */
type ColumnNames = () => readonly string[] | undefined;

/** The column a 1-based field number is, for an error: its name once the columns are known, else "field N of the header". */
function fieldWhere(
  field: number | undefined,
  names: readonly string[] | undefined,
): { column?: string; note: string } {
  if (field === undefined) return { note: '' };
  const name = names?.[field - 1];
  if (name !== undefined) return { column: name, note: '' };
  return { note: names ? `field ${field}, beyond the ${names.length} columns` : `field ${field} of the header` };
}

/**
 * CSV records with NULL decided by quoting (unquoted `nullAs` is NULL, quoted text never is),
 * in batches: one await per chunk instead of per record (measured ~2 µs a record otherwise).
 * The bytes are decoded strictly (see text-decode.ts).
 */
export async function* csvBatches(
  stream: Readable,
  options: CsvOptions & DecodeOptions & { maxRecords?: number },
  file: string,
  table: string,
  names: ColumnNames = () => undefined,
): AsyncGenerator<TextRecord[]> {
  let parser: CsvParser;
  try {
    parser = new CsvParser(options);
  } catch (err) {
    stream.destroy();
    throw fileError(table, { file, reason: (err as Error).message }, err);
  }
  const decoder = new StrictDecoder(options.encoding);
  try {
    // a byte stream (not object mode): Buffers, or strings after setEncoding()
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const { text, error } = decodeChunk(decoder, chunk);
      // Big chunks (a socket can hand over MBs at once) in slices: a batch's records are all
      // alive until the last is staged, and fewer survivors keep the heap (and RSS) flat.
      for (let at = 0; at < text.length; at += BATCH_CHARS)
        yield* parsed(parser, text.length <= BATCH_CHARS ? text : text.slice(at, at + BATCH_CHARS));
      if (error) throw error;
    }
    const { text, error } = decodeChunk(decoder);
    yield* parsed(parser, text);
    if (error) throw error;
    yield* parsed(parser);
  } catch (err) {
    throw csvError(err, parser, file, table, names());
  } finally {
    stream.destroy();
  }
}

/** The records of the next text (or the last ones, with none), yielded before any syntax error is thrown. */
function* parsed(parser: CsvParser, text?: string): Generator<TextRecord[]> {
  let batch: TextRecord[];
  try {
    batch = text === undefined ? parser.end() : parser.push(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError && err.records.length > 0) yield err.records;
    throw err;
  }
  if (batch.length > 0) yield batch;
}

/**
 * The next chunk's text (or the decoder's last characters, with no chunk), and the decoding
 * error, if any, with the text before it: the records before the bad byte are read first, so
 * an earlier error (and the header, which names the columns) comes first.
 */
function decodeChunk(decoder: StrictDecoder, chunk?: Buffer | string): { text: string; error?: TextDecodeError } {
  if (typeof chunk === 'string') return { text: chunk };
  try {
    return { text: chunk ? decoder.write(chunk) : decoder.end() };
  } catch (err) {
    if (err instanceof TextDecodeError) return { text: err.before, error: err };
    throw err;
  }
}

/** A failure while reading CSV as a LoadError naming the file, the line and (when known) the column. */
function csvError(
  err: unknown,
  parser: CsvParser,
  file: string,
  table: string,
  names: readonly string[] | undefined,
): unknown {
  if (err instanceof LoadError) return err;
  if (err instanceof CsvSyntaxError) {
    const { column, note } = fieldWhere(err.field, names);
    return fileError(
      table,
      {
        file,
        line: err.line,
        ...(column ? { column } : {}),
        reason: `malformed CSV: ${err.message}${note ? ` (${note})` : ''}`,
      },
      err,
    );
  }
  if (err instanceof TextDecodeError) {
    // The parser has read the text before the bad byte: it is in the bad byte's field.
    const { column, note } = fieldWhere(parser.position.field, names);
    return fileError(table, { file, line: err.line, ...(column ? { column } : {}), reason: err.withPlace(note) }, err);
  }
  return fileError(table, { file, reason: (err as Error)?.message ?? String(err) }, err);
}

/** The header record of a CSV stream (then closes the stream). */
export async function readCsvHeader(
  stream: Readable,
  options: CsvOptions & DecodeOptions,
  file: string,
  table: string,
): Promise<string[]> {
  // Only the first record: a malformed line further down is COPY's (or the validator's) to report, with its line.
  const batches = csvBatches(stream, { ...options, maxRecords: 1 }, file, table);
  try {
    const first = await batches.next();
    if (!first.done) return first.value[0]!.fields.map((f) => (f ?? '').trim());
  } finally {
    await batches.return(undefined);
  }
  throw fileError(table, { file, reason: 'the file is empty: expected a header line naming the columns' });
}

/**
 * Matches a file's column names to the model's columns: exactly, else case-insensitively
 * (warehouses fold identifiers to lower case). Unknown, duplicate or IDENTITY columns fail;
 * so does a file that lacks a column every row needs (NOT NULL without a default, or an upsert key).
 */
export function matchColumns(model: TableModel, names: readonly string[], file: string): string[] {
  const load = loadColumns(model);
  const lower = new Map<string, string[]>();
  for (const c of model.columnNames) lower.set(c.toLowerCase(), [...(lower.get(c.toLowerCase()) ?? []), c]);
  const seen = new Set<string>();
  const out = names.map((raw) => {
    const name = raw.trim();
    const col = Object.hasOwn(model.columns, name)
      ? name
      : lower.get(name.toLowerCase())?.length === 1
        ? lower.get(name.toLowerCase())![0]!
        : undefined;
    if (!col)
      throw fileError(model.qualifiedName, {
        file,
        column: name,
        reason: `is not a column of ${model.qualifiedName} (columns: ${load.join(', ')})`,
      });
    if (!load.includes(col))
      throw fileError(model.qualifiedName, {
        file,
        column: col,
        reason: 'is an IDENTITY column: the warehouse generates its values, loads never write them',
      });
    if (seen.has(col)) throw fileError(model.qualifiedName, { file, column: col, reason: 'appears twice in the file' });
    seen.add(col);
    return col;
  });
  const missing = requiredColumns(model).filter((c) => !seen.has(c));
  if (missing.length > 0) {
    throw fileError(model.qualifiedName, {
      file,
      column: missing[0]!,
      reason: `is missing from the file, but every row needs it (missing: ${missing.join(', ')}; NOT NULL without a default, or upsert key); the file has ${names.join(', ') || 'no columns'}`,
    });
  }
  return out;
}

/** Columns a file must carry: NOT NULL without a default, and upsert keys (NULL keys never match). */
export function requiredColumns(model: TableModel): string[] {
  return loadColumns(model).filter((c) => {
    const spec = model.columns[c]!.spec;
    const key = model.options.upsertKey.includes(c) && !model.options.nullSafeUpsertKey;
    return (spec.notNull && !spec.default) || key;
  });
}

/** How a text field becomes the value the validator checks: JSON text for SUPER, hex for VARBYTE. */
function textConverter(model: TableModel, column: string): ((text: string) => unknown) | undefined {
  const kind = model.columns[column]!.spec.kind;
  if (kind === 'super') {
    return (text) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new RowValidationError(
          0,
          column,
          text,
          'JSON',
          'is not valid JSON text (a SUPER column reads JSON)',
          model.qualifiedName,
        );
      }
    };
  }
  if (kind === 'varbyte') return (text) => (text.startsWith('\\x') ? text.slice(2) : text);
  return undefined;
}

const DETAIL = /^.*?column "[^"]*": (.*) \(value .*; rule: ([^)]*)\)$/s;

/** A RowValidationError re-said with the file and line it came from. */
export function rowError(table: string, file: string, line: number, err: unknown, fallbackColumn?: string): unknown {
  if (!(err instanceof RowValidationError)) return err;
  const m = DETAIL.exec(err.message);
  const reason = m ? `${m[1]} (rule: ${m[2]})` : err.message;
  const value =
    err.value === null || err.value === undefined
      ? undefined
      : typeof err.value === 'string'
        ? err.value
        : JSON.stringify(err.value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const column = err.column === '(row)' ? fallbackColumn : err.column;
  return fileError(
    table,
    { file, line, ...(column ? { column } : {}), ...(value !== undefined ? { value } : {}), reason },
    err,
  );
}

/** Validates text records whose fields are in `fileColumns` order, into rows in load-column order. */
export function textRecordValidator(
  model: TableModel,
  fileColumns: readonly string[],
  file: string,
): (r: TextRecord) => NormalizedValue[] | undefined {
  const validate = createRowValidator(model);
  const convert = fileColumns.map((c) => textConverter(model, c));
  const n = fileColumns.length;
  return ({ line, fields }) => {
    if (fields.length !== n) {
      if (fields.length === 1 && fields[0] === null) return undefined; // a blank line
      throw fileError(model.qualifiedName, {
        file,
        line,
        reason: `has ${fields.length} fields; expected ${n} (${fileColumns.join(', ')})`,
      });
    }
    const row: Record<string, unknown> = {};
    try {
      for (let c = 0; c < n; c++) {
        const text = fields[c]!;
        const f = convert[c];
        row[fileColumns[c]!] = text === null ? null : f ? f(text) : text;
      }
      return validate(row, line);
    } catch (err) {
      throw rowError(model.qualifiedName, file, line, err);
    }
  };
}

/** Validated rows from a CSV stream: header (or given columns) matched to the model first. */
export async function* validatedCsvRows(
  model: TableModel,
  stream: Readable,
  options: CsvOptions & DecodeOptions,
  file: string,
  watch?: ColumnWatch,
): AsyncGenerator<NormalizedValue[]> {
  let check: ((r: TextRecord) => NormalizedValue[] | undefined) | undefined;
  let needHeader = options.header ?? true;
  let columns: string[] | undefined;
  const columnsOf = (names: readonly string[]) => {
    columns = matchColumns(model, names, file);
    watch?.file(columns, file);
    return columns;
  };
  if (!needHeader) check = textRecordValidator(model, columnsOf(options.columns ?? loadColumns(model)), file);
  for await (const batch of csvBatches(stream, options, file, model.qualifiedName, () => columns)) {
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      if (needHeader) {
        needHeader = false;
        check = textRecordValidator(model, columnsOf(options.columns ?? r.fields.map((f) => f ?? '')), file);
        continue;
      }
      const row = check!(r);
      if (row) yield row;
    }
  }
  if (needHeader)
    throw fileError(model.qualifiedName, {
      file,
      reason: 'the file is empty: expected a header line naming the columns',
    });
}

/**
 * Lines of a stream, decoded strictly (a UTF-8 BOM at the start of the file is skipped, as
 * CSV skips it; anywhere else it stays, and the line is not JSON), with stream errors (a
 * failed decompression, a lost socket) thrown here.
 */
async function* textLines(stream: Readable, options: DecodeOptions): AsyncGenerator<string> {
  const decoder = new StrictDecoder(options.encoding);
  let rest = '';
  for await (const chunk of stream) {
    const decoded = decodeChunk(decoder, chunk as Buffer | string);
    const parts = (rest + decoded.text).split('\n');
    rest = parts.pop()!;
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
    if (decoded.error) throw decoded.error;
  }
  const decoded = decodeChunk(decoder);
  if (decoded.error) throw decoded.error;
  rest += decoded.text;
  if (rest !== '') yield rest;
}

/** Validated rows from JSON lines: one object per line, keys are column names. */
export async function* validatedJsonRows(
  model: TableModel,
  stream: Readable,
  file: string,
  options: DecodeOptions = {},
  watch?: ColumnWatch,
): AsyncGenerator<NormalizedValue[]> {
  const validate = createRowValidator(model);
  let line = 0;
  try {
    for await (const text of textLines(stream, options)) {
      line++;
      if (text.trim() === '') continue;
      let obj: unknown;
      try {
        obj = JSON.parse(text);
      } catch (err) {
        throw fileError(model.qualifiedName, {
          file,
          line,
          value: text.length > 200 ? `${text.slice(0, 200)}…` : text,
          reason: `is not a JSON object: ${(err as Error).message}`,
        });
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        throw fileError(model.qualifiedName, {
          file,
          line,
          value: text.slice(0, 200),
          reason: 'is not a JSON object keyed by column name',
        });
      }
      try {
        watch?.record(obj as Record<string, unknown>, line);
        yield validate(obj, line);
      } catch (err) {
        throw rowError(model.qualifiedName, file, line, err);
      }
    }
  } catch (err) {
    if (err instanceof LoadError) throw err;
    if (err instanceof TextDecodeError)
      throw fileError(model.qualifiedName, { file, line: err.line, reason: err.message }, err);
    throw fileError(
      model.qualifiedName,
      { file, ...(line > 0 ? { line } : {}), reason: (err as Error)?.message ?? String(err) },
      err,
    );
  } finally {
    stream.destroy();
  }
}
