// Strict decoding of the text files sources read and re-stage (CSV, JSON lines; plain or
// decompressed). Node's StringDecoder and Buffer#toString turn bytes that are not UTF-8 into
// U+FFFD without a word: a Latin-1 'é' reached the table as '�'. Here every byte decodes, or
// the read stops with a TextDecodeError giving the line, the character in the line and the
// byte offset, the bytes found and the likely fix. NUL bytes are refused in every encoding:
// neither Postgres nor Redshift text can hold U+0000, and they are what a UTF-16 file read as
// UTF-8 looks like.

import { UpshiftError, UsageError } from '../errors.js';
import { TextDecoder } from 'node:util';

export const TEXT_ENCODINGS = ['utf8', 'latin1', 'windows-1252'] as const;
/**
 * How a text file's bytes become characters: 'utf8' (default; a BOM at the start is skipped),
 * 'latin1' (ISO-8859-1: every byte is the code point of its value; the C1 control bytes
 * 0x80-0x9F are refused, since a file that has them is nearly always Windows-1252), or
 * 'windows-1252' (its five undefined bytes are refused).
 */
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

export interface DecodeOptions {
  /** The file's text encoding (default 'utf8'). */
  encoding?: TextEncoding | undefined;
}

const ALIASES: Record<string, TextEncoding> = {
  utf8: 'utf8',
  'utf-8': 'utf8',
  latin1: 'latin1',
  'latin-1': 'latin1',
  'iso-8859-1': 'latin1',
  'iso8859-1': 'latin1',
  'windows-1252': 'windows-1252',
  cp1252: 'windows-1252',
};

/** An encoding name as a user types it (e.g. on the command line): aliases and any case accepted. */
export function textEncoding(name: string): TextEncoding {
  const e = ALIASES[name.trim().toLowerCase()];
  if (!e) throw new UsageError(`unknown encoding ${JSON.stringify(name)}: use one of ${TEXT_ENCODINGS.join(', ')}`);
  return e;
}

export class TextDecodeError extends UpshiftError {
  declare readonly code: 'TEXT_UNDECODABLE';
  override name = 'TextDecodeError';
  constructor(
    /** 1-based line (line feeds before the bad byte + 1). */
    readonly line: number,
    /** 1-based character of the line where the bad byte is. */
    readonly character: number,
    /** 0-based offset of the bad byte in the (decompressed) file. */
    readonly byteOffset: number,
    /** What is wrong, said of the byte: "is not valid UTF-8: ...". */
    readonly reason: string,
    /** The text of the chunk before the bad byte, decoded: what a parser reads up to the error. */
    readonly before: string,
  ) {
    super('TEXT_UNDECODABLE', `character ${character} of the line (byte offset ${byteOffset}) ${reason}`);
  }

  /** The message with more about the place, e.g. the CSV field: "character 5 of the line (byte offset 58, field 2 of the header) is ...". */
  withPlace(more: string): string {
    return `character ${this.character} of the line (byte offset ${this.byteOffset}${more ? `, ${more}` : ''}) ${this.reason}`;
  }
}

const hex = (bytes: Uint8Array): string =>
  [...bytes].map((b) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`).join(' ');

const codePoints = (text: string): number => {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // a low surrogate completes a pair already counted
  }
  return n;
};

const UTF8_HINT = "if the file is Latin-1 or Windows-1252, load it with encoding: 'latin1' or 'windows-1252'";
const NUL_REASON =
  'is a NUL byte (0x00), which Postgres and Redshift text cannot hold (a UTF-16 file read as UTF-8 has one in every other byte: convert it to UTF-8, e.g. iconv -f UTF-16 -t UTF-8)';

/**
 * The length of the UTF-8 sequence at `i` if it is valid, 0 if it is not, -1 if the buffer
 * ends inside it. The WHATWG decoder's rules (no overlongs, no surrogates, <= U+10FFFF);
 * written out only to say where TextDecoder (which just says "invalid") failed, and why.
 */
function utf8Sequence(buf: Uint8Array, i: number): number {
  const b = buf[i]!;
  if (b < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) n = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b === 0xe0) lo = 0xa0;
    if (b === 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b === 0xf0) lo = 0x90;
    if (b === 0xf4) hi = 0x8f;
  } else return 0;
  for (let k = 1; k < n; k++) {
    if (i + k >= buf.length) return -1;
    const c = buf[i + k]!;
    if (c < lo || c > hi) return 0;
    lo = 0x80;
    hi = 0xbf;
  }
  return n;
}

/** Why the sequence at `i` is not UTF-8, with its bytes. */
function utf8Problem(buf: Uint8Array, i: number, fileStart: boolean): string {
  const b = buf[i]!;
  const next = buf[i + 1];
  const shown = (n: number) => hex(buf.subarray(i, Math.min(buf.length, i + n)));
  if (fileStart && i === 0 && ((b === 0xff && next === 0xfe) || (b === 0xfe && next === 0xff))) {
    return `is not valid UTF-8: the file starts with a UTF-16 byte order mark (${shown(2)}): it is UTF-16; convert it to UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)`;
  }
  let what: string;
  let n = 1;
  if (b >= 0x80 && b <= 0xbf) what = 'a continuation byte with no leading byte';
  else if (
    b === 0xc0 ||
    b === 0xc1 ||
    (b === 0xe0 && next !== undefined && next < 0xa0) ||
    (b === 0xf0 && next !== undefined && next < 0x90)
  ) {
    what = 'an overlong encoding';
    n = 2;
  } else if (b === 0xed && next !== undefined && next >= 0xa0 && next <= 0xbf) {
    what = 'a UTF-16 surrogate, which UTF-8 never encodes';
    n = 2;
  } else if (b >= 0xf5) what = 'a byte UTF-8 never uses';
  else if (b === 0xf4 && next !== undefined && next >= 0x90) {
    what = 'a code point beyond U+10FFFF';
    n = 2;
  } else {
    // A valid lead byte whose continuation bytes stop early: show up to the first stranger.
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    n = 1;
    while (n < need && i + n < buf.length && buf[i + n]! >= 0x80 && buf[i + n]! <= 0xbf) n++;
    if (i + n < buf.length) n++;
    what = 'a multi-byte character cut short';
  }
  return `is not valid UTF-8: bytes ${shown(n)} are ${what}`;
}

/** The first place `bytes` (a whole value) are not UTF-8, and why; undefined if they are UTF-8. */
export function firstUtf8Problem(bytes: Uint8Array): { offset: number; problem: string } | undefined {
  let i = 0;
  let n = 0;
  while (i < bytes.length && (n = utf8Sequence(bytes, i)) > 0) i += n;
  if (i >= bytes.length) return undefined;
  return {
    offset: i,
    problem:
      n === -1
        ? `is not valid UTF-8: it ends inside a multi-byte character (${hex(bytes.subarray(i))})`
        : utf8Problem(bytes, i, false),
  };
}

/** The bytes at the end of `buf` that start a UTF-8 character not finished yet (what a streaming decoder holds back). */
function openSequence(buf: Uint8Array): Uint8Array {
  for (let k = 1; k <= Math.min(3, buf.length); k++) {
    const b = buf[buf.length - k]!;
    if (b >= 0x80 && b <= 0xbf) continue;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? buf.subarray(buf.length - k) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

// Bytes a single-byte encoding refuses, found in the decoded text (one regex test per chunk).
const LATIN1_C1 = /[\u0080-\u009f]/;
const CP1252_UNDEFINED = /[\u0081\u008d\u008f\u0090\u009d]/;

/**
 * A streaming strict decoder: write() each chunk, end() after the last. Characters split
 * across chunks are joined; every error says where it is in the whole file.
 */
export class StrictDecoder {
  private readonly utf8?: TextDecoder;
  private readonly single?: TextDecoder;
  /** Line of the next byte (1-based). */
  private line = 1;
  /** Characters of the current line already returned. */
  private column = 0;
  /** Bytes written so far. */
  private offset = 0;
  /** The last (up to 3) bytes written: a character still open there is finished (or broken) by the next chunk. */
  private tail: Buffer = Buffer.alloc(0);

  constructor(readonly encoding: TextEncoding = 'utf8') {
    // The BOM is skipped at the start only (ignoreBOM: false), as the WHATWG decoder does.
    if (encoding === 'utf8') this.utf8 = new TextDecoder('utf-8', { fatal: true });
    else if (encoding === 'windows-1252') this.single = new TextDecoder('windows-1252');
  }

  write(chunk: Buffer): string {
    const nul = chunk.indexOf(0);
    let text: string;
    if (this.utf8) {
      try {
        text = this.utf8.decode(chunk, { stream: true });
      } catch {
        throw this.utf8Error(chunk, false);
      }
      // A NUL is valid UTF-8: the decoder let it through.
      if (nul !== -1) throw this.utf8NulError(chunk, nul);
    } else {
      if (nul !== -1) throw this.errorIn(chunk, this.offset, nul, NUL_REASON);
      text = this.single ? this.single.decode(chunk, { stream: true }) : chunk.toString('latin1');
      this.checkSingleByte(chunk, text);
    }
    this.advance(chunk, text);
    return text;
  }

  end(): string {
    if (!this.utf8) return '';
    try {
      return this.utf8.decode();
    } catch {
      throw this.utf8Error(Buffer.alloc(0), true);
    }
  }

  private advance(chunk: Buffer, text: string): void {
    for (let k = text.indexOf('\n'); k !== -1; k = text.indexOf('\n', k + 1)) this.line++;
    const last = text.lastIndexOf('\n');
    this.column = last === -1 ? this.column + codePoints(text) : codePoints(text.slice(last + 1));
    this.offset += chunk.length;
    this.tail = chunk.length >= 3 ? chunk.subarray(chunk.length - 3) : Buffer.concat([this.tail, chunk]).subarray(-3);
  }

  private checkSingleByte(chunk: Buffer, text: string): void {
    const latin1 = this.encoding === 'latin1';
    const m = (latin1 ? LATIN1_C1 : CP1252_UNDEFINED).exec(text);
    if (!m) return;
    // One byte per character in both encodings: the character's index is the byte's.
    const b = hex(chunk.subarray(m.index, m.index + 1));
    throw this.errorIn(
      chunk,
      this.offset,
      m.index,
      latin1
        ? `is the byte ${b}, a C1 control character in Latin-1 (ISO-8859-1); files with such bytes are nearly always Windows-1252 (curly quotes, dashes, the euro sign): load it with encoding: 'windows-1252'`
        : `is the byte ${b}, which is undefined in windows-1252 (is the file in another encoding?)`,
    );
  }

  /** The chunk with the bytes of a character the decoder held back from the previous chunk in front, and the file offset of its first byte. */
  private withOpen(chunk: Buffer): { buf: Buffer; base: number } {
    const open = openSequence(this.tail);
    return { buf: open.length > 0 ? Buffer.concat([open, chunk]) : chunk, base: this.offset - open.length };
  }

  private utf8NulError(chunk: Buffer, nul: number): TextDecodeError {
    const { buf, base } = this.withOpen(chunk);
    return this.errorIn(buf, base, nul + (buf.length - chunk.length), NUL_REASON);
  }

  /** The error for a chunk the UTF-8 decoder refused: where (the first byte not UTF-8) and why. */
  private utf8Error(chunk: Buffer, final: boolean): TextDecodeError {
    const { buf, base } = this.withOpen(chunk);
    let i = 0;
    let n = 0;
    while (i < buf.length && (n = utf8Sequence(buf, i)) > 0) i += n;
    const nul = buf.indexOf(0);
    if (nul !== -1 && nul < i) return this.errorIn(buf, base, nul, NUL_REASON);
    if (i < buf.length && n === 0) {
      const problem = utf8Problem(buf, i, base === 0);
      return this.errorIn(buf, base, i, problem.includes('UTF-16') ? problem : `${problem} (${UTF8_HINT})`);
    }
    if (final && i < buf.length) {
      return this.errorIn(
        buf,
        base,
        i,
        `starts a multi-byte character that the file ends inside: its last bytes ${hex(buf.subarray(i))} are a UTF-8 sequence cut short (a truncated file?)`,
      );
    }
    // TextDecoder refused what the scan above accepts: say so, without pretending to know the byte.
    return this.errorIn(buf, base, Math.min(i, buf.length), `is not valid UTF-8 (${UTF8_HINT})`);
  }

  /** An error at byte `at` of `buf`, whose first byte is at file offset `base` (and continues the current line). */
  private errorIn(buf: Buffer, base: number, at: number, reason: string): TextDecodeError {
    let before = this.decodeValid(buf.subarray(0, at));
    if (this.utf8 && base === 0 && before.charCodeAt(0) === 0xfeff) before = before.slice(1); // the decoder skips the BOM
    let line = this.line;
    for (let k = before.indexOf('\n'); k !== -1; k = before.indexOf('\n', k + 1)) line++;
    const last = before.lastIndexOf('\n');
    const character = (last === -1 ? this.column + codePoints(before) : codePoints(before.slice(last + 1))) + 1;
    return new TextDecodeError(line, character, base + at, reason, before);
  }

  /** Bytes already known to be valid in this encoding. */
  private decodeValid(bytes: Buffer): string {
    if (this.encoding === 'windows-1252') return new TextDecoder('windows-1252').decode(bytes);
    return bytes.toString(this.encoding === 'latin1' ? 'latin1' : 'utf8');
  }
}
