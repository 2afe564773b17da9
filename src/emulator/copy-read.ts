// Reading COPY sources: S3 objects, decompressed, split into records with their file line numbers.
import { parse as parseCsv } from 'csv-parse';
import * as zlib from 'node:zlib';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { isUtf8 } from 'node:buffer';
import { Readable, Transform, pipeline } from 'node:stream';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { decompress as zstdDecompress } from 'fzstd';
// @ts-expect-error seek-bzip ships no types
import Bunzip from 'seek-bzip';
import type { CopyStatement } from './copy-options.js';
import { getBuffer, getStream, type S3Store } from './s3.js';

export interface Field {
  v: string | null;
  q: boolean;
}
export interface SourceRecord {
  line: number;
  raw: string;
  fields: Field[];
}
/** A record whose fields failed to split (a malformed line): reported, never loaded. */
export interface BrokenRecord {
  line: number;
  raw: string;
  broken: { code: number; reason: string };
  fatal?: boolean;
}

/** source piped into next, an error on either side failing both (pipe() leaves next waiting forever). */
function joined<T extends NodeJS.ReadWriteStream>(source: Readable, next: T): T {
  return pipeline(source, next, () => {}) as unknown as T;
}

async function openBytes(s3: S3Store, url: string, compression: CopyStatement['compression']): Promise<Readable> {
  if (compression === 'gzip') return joined(await getStream(s3, url), createGunzip());
  if (compression === 'bzip2') {
    const buf = await getBuffer(s3, url);
    return Readable.from([Buffer.from((Bunzip as { decode(b: Buffer): Buffer }).decode(buf))]);
  }
  if (compression === 'zstd') {
    // Streamed where node:zlib has zstd (Node 22.15 on; @types/node 20 does not describe it), else fzstd on the whole object.
    const native = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
    if (native) return joined(await getStream(s3, url), native());
    const buf = await getBuffer(s3, url);
    return Readable.from([Buffer.from(zstdDecompress(new Uint8Array(buf)))]);
  }
  return getStream(s3, url);
}

export async function* readRecords(
  s3: S3Store,
  url: string,
  st: CopyStatement,
  columns: string[],
): AsyncGenerator<SourceRecord | BrokenRecord> {
  if (st.format === 'parquet') {
    yield* readParquet(await getBuffer(s3, url));
    return;
  }
  const opened = await openBytes(s3, url, st.compression);
  // Without ACCEPTINVCHARS, bytes that aren't UTF-8 (a gzip file read without GZIP...) are a load error.
  const bytes = st.acceptInvChars === undefined ? joined(opened, strictUtf8()) : opened;
  try {
    if (st.format === 'csv') yield* readCsv(bytes, st);
    else if (st.format === 'json') yield* readJson(bytes, st, columns, s3);
    else yield* readText(bytes, st);
  } catch (err) {
    if (!(err instanceof InvalidUtf8)) throw err;
    // The bytes after it can't be split into records any more: the COPY fails whatever MAXERROR says.
    yield {
      line: err.line,
      raw: err.raw,
      fatal: true,
      broken: {
        code: 1220,
        reason: `String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: ${err.hex} (error ${err.error})`,
      },
    };
  }
}

/** Bytes that are not UTF-8, at a line of the file; `error` is Redshift's UTF-8 error number. */
class InvalidUtf8 extends Error {
  constructor(
    readonly line: number,
    readonly raw: string,
    readonly hex: string,
    readonly error: number,
  ) {
    super(`invalid UTF-8 at line ${line}: ${hex} (error ${error})`);
  }
}

/**
 * The first byte sequence of buf that isn't UTF-8 (offset, length) and Redshift's error number for
 * it: 1 longer than 4 bytes, 2 cut short, 3 a bad lead byte, 4 a bad continuation byte,
 * 5 a surrogate, 8 past U+10FFFF, 9 an overlong form. Undefined when buf is all UTF-8.
 */
export function invalidUtf8(buf: Uint8Array): { offset: number; length: number; error: number } | undefined {
  for (let i = 0; i < buf.length;) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    if (b < 0xc0 || b >= 0xfe) return { offset: i, length: 1, error: 3 };
    if (b >= 0xf8) return { offset: i, length: 1, error: 1 };
    const need = b >= 0xf0 ? 3 : b >= 0xe0 ? 2 : 1;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      // The end of the line ends the string too: the character is cut short there.
      if (i + k >= buf.length || buf[i + k] === 0x0a) return { offset: i, length: k, error: 2 };
      const c = buf[i + k]!;
      if (c < 0x80 || c > 0xbf) return { offset: i, length: k + 1, error: 4 };
      cp = (cp << 6) | (c & 0x3f);
    }
    const length = need + 1;
    if (cp < [0, 0x80, 0x800, 0x10000][need]!) return { offset: i, length, error: 9 };
    if (cp >= 0xd800 && cp <= 0xdfff) return { offset: i, length, error: 5 };
    if (cp > 0x10ffff) return { offset: i, length, error: 8 };
    i += length;
  }
  return undefined;
}

/** Passes bytes through, line by line checked as UTF-8 (a newline byte is never inside a character). */
function strictUtf8(): Transform {
  let carry: Buffer = Buffer.alloc(0);
  let lines = 0;
  const check = (t: Transform, data: Buffer): void => {
    if (!isUtf8(data)) {
      const bad = invalidUtf8(data)!;
      const start = data.lastIndexOf(10, bad.offset) + 1;
      const end = data.indexOf(10, bad.offset);
      let line = lines + 1;
      for (let i = data.indexOf(10); i >= 0 && i < bad.offset; i = data.indexOf(10, i + 1)) line++;
      throw new InvalidUtf8(
        line,
        data
          .subarray(start, end < 0 ? data.length : end)
          .toString('utf8')
          .slice(0, 1024),
        Buffer.from(data.subarray(bad.offset, bad.offset + bad.length)).toString('hex'),
        bad.error,
      );
    }
    for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) lines++;
    t.push(data);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const cut = data.lastIndexOf(10) + 1;
      carry = data.subarray(cut);
      try {
        if (cut > 0) check(this, data.subarray(0, cut));
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        if (carry.length) check(this, carry);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Which fields of one raw CSV record were quoted (only asked when a value could be NULL AS or empty). */
function quotedFields(raw: string, delimiter: string, quote: string): boolean[] {
  const out: boolean[] = [];
  let i = 0;
  for (;;) {
    const quoted = raw.startsWith(quote, i);
    out.push(quoted);
    if (quoted) {
      i += quote.length;
      while (i < raw.length) {
        if (raw.startsWith(quote + quote, i)) {
          i += 2 * quote.length;
          continue;
        }
        if (raw.startsWith(quote, i)) {
          i += quote.length;
          break;
        }
        i++;
      }
    }
    const next = raw.indexOf(delimiter, i);
    if (next < 0) return out;
    i = next + delimiter.length;
  }
}

async function* readCsv(bytes: Readable, st: CopyStatement): AsyncGenerator<SourceRecord | BrokenRecord> {
  // csv-parse's cast option would tell quoting, but costs ~20x: quoting is read from the raw record instead.
  // Line numbers are counted from the raw records (csv-parse's info option doubles the parse time).
  const parser = joined(
    bytes,
    parseCsv({
      delimiter: st.delimiter,
      quote: st.quote,
      escape: st.quote,
      raw: true,
      relax_column_count: true,
      relax_quotes: true,
      from_line: st.ignoreHeader + 1,
      skip_empty_lines: true,
    }),
  );
  let lines = st.ignoreHeader;
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      let start = 0;
      while (rec.raw.charCodeAt(start) === 10 || rec.raw.charCodeAt(start) === 13) start++;
      const leading = countNewlines(rec.raw, 0, start);
      const line = lines + leading + 1;
      lines += countNewlines(rec.raw, 0, rec.raw.length);
      let end = rec.raw.length;
      if (rec.raw.charCodeAt(end - 1) === 10) end--;
      if (rec.raw.charCodeAt(end - 1) === 13) end--;
      const raw = rec.raw.slice(start, Math.max(start, end));
      const values = rec.record;
      let quoted: boolean[] | undefined;
      for (const v of values) {
        if (v === '' || v === st.nullAs) {
          quoted = quotedFields(raw, st.delimiter, st.quote);
          break;
        }
      }
      const fields = new Array<Field>(values.length);
      for (let k = 0; k < values.length; k++) fields[k] = { v: values[k]!, q: quoted?.[k] ?? false };
      yield { line, raw, fields };
    }
  } catch (err) {
    const e = err as { lines?: number; message: string; code?: string };
    // Not the CSV's fault (S3 broke, the bytes would not decompress): the COPY fails with that.
    if (!e.code?.startsWith('CSV_')) throw err;
    // The CSV parser cannot go on past a malformed record: the COPY fails whatever MAXERROR says.
    yield { line: e.lines ?? 0, raw: '', broken: { code: 1214, reason: 'Delimiter not found' }, fatal: true };
  }
}

async function* readText(bytes: Readable, st: CopyStatement): AsyncGenerator<SourceRecord> {
  const rl = createInterface({ input: bytes, crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (line <= st.ignoreHeader) continue;
    if (text === '' && st.ignoreBlankLines) continue;
    const fields: Field[] = [];
    let cur = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (st.escape && c === '\\' && i + 1 < text.length) {
        cur += text[++i];
        continue;
      }
      if (text.startsWith(st.delimiter, i)) {
        fields.push({ v: cur, q: false });
        cur = '';
        i += st.delimiter.length - 1;
        continue;
      }
      cur += c;
    }
    fields.push({ v: cur, q: false });
    if (st.removeQuotes)
      for (const f of fields)
        if (f.v && /^".*"$/s.test(f.v)) {
          f.v = f.v.slice(1, -1);
          f.q = true;
        }
    yield { line, raw: text, fields };
  }
}

/** Splits a JSON text into its top-level objects, with the line each starts on. */
function* jsonObjects(text: string): Generator<{ line: number; raw: string }> {
  let line = 1;
  let depth = 0;
  let inStr = false;
  let start = -1;
  let startLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) {
        start = i;
        startLine = line;
      }
      depth++;
    } else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) yield { line: startLine, raw: text.slice(start, i + 1) };
    }
  }
}

function jsonValue(v: unknown): Field {
  if (v === null || v === undefined) return { v: null, q: false };
  if (typeof v === 'string') return { v, q: true };
  // JSON.parse gives nothing else than objects, arrays and these scalars
  if (typeof v === 'number' || typeof v === 'boolean') return { v: String(v), q: true };
  return { v: JSON.stringify(v), q: true };
}

/** Evaluates a JSONPath of the simple forms Redshift accepts: $.a.b, $['a'], $.a[0]. */
function evalPath(obj: unknown, path: string): unknown {
  const parts = [
    ...path.replace(/^\$/, '').matchAll(/\.([^.[\]]+)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[(\d+)\]/g),
  ];
  let cur: unknown = obj;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const key = p[1] ?? p[2] ?? p[3] ?? Number(p[4]);
    cur = (cur as Record<string | number, unknown>)[key];
  }
  return cur;
}

async function* readJson(
  bytes: Readable,
  st: CopyStatement,
  columns: string[],
  s3: S3Store,
): AsyncGenerator<SourceRecord | BrokenRecord> {
  const chunks: Buffer[] = [];
  for await (const c of bytes) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  let paths: string[] | undefined;
  if (st.jsonOption.startsWith('s3://')) {
    paths = (JSON.parse((await getBuffer(s3, st.jsonOption)).toString('utf8')) as { jsonpaths: string[] }).jsonpaths;
  }
  const ignoreCase = /ignorecase/i.test(st.jsonOption);
  for (const { line, raw } of jsonObjects(text)) {
    let obj: unknown;
    try {
      obj = JSON.parse(raw);
    } catch {
      yield { line, raw, broken: { code: 1224, reason: 'Invalid JSONPath format or JSON object' } };
      continue;
    }
    if (paths) {
      yield { line, raw, fields: paths.map((p) => jsonValue(evalPath(obj, p))) };
      continue;
    }
    const o = obj as Record<string, unknown>;
    const keys = ignoreCase ? new Map(Object.keys(o).map((k) => [k.toLowerCase(), k])) : undefined;
    yield { line, raw, fields: columns.map((c) => jsonValue(o[keys ? (keys.get(c) ?? c) : c])) };
  }
}

function parquetValue(v: unknown): Field {
  if (v === null || v === undefined) return { v: null, q: false };
  if (v instanceof Date) return { v: v.toISOString(), q: true };
  if (v instanceof Uint8Array) return { v: Buffer.from(v).toString('hex'), q: true };
  // hyparquet reads scalars as these, nested types as plain objects and arrays
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')
    return { v: String(v), q: true };
  return { v: JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)), q: true };
}

async function* readParquet(buf: Buffer): AsyncGenerator<SourceRecord> {
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const names = parquetSchema(parquetMetadata(file)).children.map((c) => c.element.name);
  const rows = await parquetReadObjects({ file });
  let line = 0;
  for (const row of rows) {
    line++;
    yield { line, raw: '', fields: names.map((n) => parquetValue((row as Record<string, unknown>)[n])) };
  }
}
