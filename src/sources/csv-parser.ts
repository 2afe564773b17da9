// A streaming CSV parser (RFC 4180: quoted fields, doubled quotes, newlines inside quotes,
// CRLF) that keeps what COPY keeps: whether a field was quoted, so an unquoted `nullAs` is NULL
// and a quoted "" is the empty string. Why not csv-parse here: telling quoted from unquoted
// fields needs its `cast` callback, which measured 27 s per 200k rows on this machine (plain
// csv-parse: 1.6 s; this parser: see bench in test/sources/csv-parser.test.ts). csv-parse stays
// the oracle: the tests check this parser against it on generated files.
import { UpshiftError, UsageError } from '../errors.js';

/** One record: the line it starts on (1-based) and its fields, NULL already decided. */
export interface CsvRecord {
  line: number;
  fields: (string | null)[];
}

export class CsvSyntaxError extends UpshiftError {
  declare readonly code: 'CSV_INVALID';
  override name = 'CsvSyntaxError';
  /** The records the failing push() completed before the error (read them first: they come earlier in the file). */
  records: CsvRecord[] = [];
  /** `field` is the 1-based field of the record where the error is, when known. */
  constructor(
    readonly line: number,
    reason: string,
    readonly field?: number,
  ) {
    super('CSV_INVALID', reason);
  }
}

const afterClosingQuote = (line: number, field: number) =>
  new CsvSyntaxError(
    line,
    `characters after a closing quote (field ${field}): only a delimiter or a line end may follow it`,
    field,
  );

export interface CsvParserOptions {
  delimiter?: string;
  quote?: string;
  nullAs?: string;
  /** Stop after this many records (e.g. 1 to read a header): the rest of the input is ignored, even if malformed. */
  maxRecords?: number;
}

export class CsvParser {
  private readonly d: number;
  private readonly q: number;
  private readonly nullAs: string;
  private fields: (string | null)[] = [];
  private field = '';
  /** The current field started with a quote. */
  private quoted = false;
  /** Inside a quoted field. */
  private inQuotes = false;
  /** A quote ended the previous chunk inside a quoted field: doubled or closing, the next char decides. */
  private pendingQuote = false;
  /** After a closing quote: only a delimiter or a line end may follow. */
  private closed = false;
  /** A CR ended the previous chunk outside quotes: part of a CRLF unless the next char says otherwise. */
  private pendingCR = false;
  private line = 1;
  private recordLine = 1;
  private started = false;
  private emitted = 0;
  private readonly maxRecords: number;
  private done = false;

  constructor(options: CsvParserOptions = {}) {
    const delimiter = options.delimiter ?? ',';
    const quote = options.quote ?? '"';
    if (delimiter.length !== 1 || quote.length !== 1)
      throw new UsageError('CSV delimiter and quote must be one character each');
    if (delimiter === quote || delimiter === '\n' || delimiter === '\r')
      throw new UsageError(`CSV delimiter ${JSON.stringify(delimiter)} cannot be the quote or a line break`);
    this.d = delimiter.charCodeAt(0);
    this.q = quote.charCodeAt(0);
    this.nullAs = options.nullAs ?? '';
    this.maxRecords = options.maxRecords ?? Infinity;
  }

  private endField(): void {
    const v = this.field;
    this.fields.push(!this.quoted && v === this.nullAs ? null : v);
    this.field = '';
    this.quoted = false;
    this.closed = false;
  }

  private endRecord(out: CsvRecord[]): void {
    // A blank line is no record (what COPY and csv-parse's skip_empty_lines do).
    const blank = this.fields.length === 0 && this.field === '' && !this.quoted;
    if (!blank) {
      this.endField();
      out.push({ line: this.recordLine, fields: this.fields });
    }
    this.fields = [];
    this.field = '';
    this.quoted = false;
    this.closed = false;
    this.line++;
    this.recordLine = this.line;
  }

  /** Where the parser is: the line (line breaks in quoted fields counted) and the 1-based field of the current record. */
  get position(): { line: number; field: number } {
    return { line: this.line, field: this.fields.length + 1 };
  }

  /** Parses the next chunk; returns the records it completed. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.done || chunk.length === 0) return out; // nothing can change a pending quote or CR
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const { d, q } = this;
    const len = text.length;
    let start = 0;
    let i = 0;
    if (this.pendingQuote) {
      this.pendingQuote = false;
      if (len > 0 && text.charCodeAt(0) === q) {
        this.field += text[0];
        start = i = 1;
      } else {
        this.inQuotes = false;
        this.closed = true;
      }
    } else if (this.pendingCR) {
      this.pendingCR = false;
      if (len > 0 && text.charCodeAt(0) !== 10) {
        if (this.closed) throw afterClosingQuote(this.line, this.fields.length + 1);
        this.field += '\r';
      }
    }
    // Hot loop on locals (property access per character measured ~2x slower).
    let field = this.field;
    let fields = this.fields;
    let quoted = this.quoted;
    let closed = this.closed;
    let inQuotes = this.inQuotes;
    const nullAs = this.nullAs;
    const sync = () => {
      this.field = field;
      this.fields = fields;
      this.quoted = quoted;
      this.closed = closed;
      this.inQuotes = inQuotes;
    };
    try {
      while (i < len) {
        if (inQuotes) {
          // Jump to the next quote, counting the line breaks passed.
          const j = text.indexOf(String.fromCharCode(q), i);
          const stop = j === -1 ? len : j;
          for (let k = text.indexOf('\n', i); k !== -1 && k < stop; k = text.indexOf('\n', k + 1)) this.line++;
          if (j === -1) {
            i = len;
            break;
          }
          if (j + 1 === len) {
            field += text.slice(start, j);
            this.pendingQuote = true;
            start = i = len;
            break;
          }
          if (text.charCodeAt(j + 1) === q) {
            field += text.slice(start, j + 1);
            start = i = j + 2;
          } else {
            field += text.slice(start, j);
            inQuotes = false;
            closed = true;
            start = i = j + 1;
          }
          continue;
        }
        const c = text.charCodeAt(i);
        if (c === d) {
          const v = field === '' ? text.slice(start, i) : field + text.slice(start, i);
          fields.push(!quoted && v === nullAs ? null : v);
          field = '';
          quoted = closed = false;
          start = i + 1;
        } else if (c === 10) {
          let piece = text.slice(start, i);
          if (piece.endsWith('\r')) piece = piece.slice(0, -1);
          const v = field + piece;
          if (fields.length === 0 && v === '' && !quoted) {
            // A blank line is no record (what COPY and csv-parse's skip_empty_lines do).
          } else {
            fields.push(!quoted && v === nullAs ? null : v);
            out.push({ line: this.recordLine, fields });
            if (++this.emitted >= this.maxRecords) {
              this.done = true;
              fields = [];
              field = '';
              start = i = len;
              break;
            }
          }
          fields = [];
          field = '';
          quoted = closed = false;
          this.line++;
          this.recordLine = this.line;
          start = i + 1;
        } else if (closed) {
          // Only CRLF: a CR that the chunk's end leaves open is decided by the next chunk (pendingCR).
          if (c !== 13 || (i + 1 < len && text.charCodeAt(i + 1) !== 10))
            throw afterClosingQuote(this.line, fields.length + 1);
        } else if (c === q) {
          if (i === start && field === '' && !quoted) {
            inQuotes = quoted = true;
            start = i + 1;
          } else {
            throw new CsvSyntaxError(
              this.line,
              `a quote inside an unquoted field (field ${fields.length + 1}): quote the whole field and double the quote`,
              fields.length + 1,
            );
          }
        }
        i++;
      }
    } catch (err) {
      if (err instanceof CsvSyntaxError) err.records = out;
      throw err;
    } finally {
      sync();
    }
    if (start < len) {
      let rest = text.slice(start);
      if (!this.inQuotes && rest.endsWith('\r')) {
        rest = rest.slice(0, -1);
        this.pendingCR = true;
      }
      this.field += rest;
    }
    return out;
  }

  /** Ends the input; returns the last record when the text did not end with a line break. */
  end(): CsvRecord[] {
    if (this.done) return [];
    if (this.inQuotes && !this.pendingQuote)
      throw new CsvSyntaxError(
        this.recordLine,
        'a quoted field is never closed (unterminated quote)',
        this.fields.length + 1,
      );
    this.pendingQuote = false;
    if (this.pendingCR) {
      // A CR that ends the input is no CRLF: after a closing quote it is an error, in a bare field it is data (as csv-parse reads it).
      if (this.closed) throw afterClosingQuote(this.line, this.fields.length + 1);
      this.field += '\r';
    }
    this.pendingCR = false;
    this.inQuotes = false;
    const out: CsvRecord[] = [];
    if (this.fields.length > 0 || this.field !== '' || this.quoted) this.endRecord(out);
    return out;
  }
}
