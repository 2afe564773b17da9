// How sources read the bytes of a text file (CSV, JSON lines; plain or compressed), on real
// files written to a temp folder: strictly decoded (invalid UTF-8 is refused naming the file,
// line, column and byte offset, never turned into U+FFFD), Latin-1 / Windows-1252 read when
// the user says so, a BOM skipped at the start only, NUL bytes refused, and the CSV rule that
// only a delimiter or a line end may follow a closing quote. Read at every chunk size from one
// byte up, so a character (or an error) split across chunks is handled too.
import { afterAll, describe, expect, it } from 'vitest';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadError } from '../../src/index.js';
import { openDecompressed } from '../../src/sources/decompress.js';
import { validatedCsvRows, validatedJsonRows } from '../../src/sources/records.js';
import { textEncoding, type TextEncoding } from '../../src/sources/text-decode.js';
import { candyModel, compress, writeLocal } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'upshift-decode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const model = candyModel('s', 'candy');
let n = 0;
const file = (body: Buffer | string, ext = 'csv') => writeLocal(dir, `f${++n}.${ext}`, body);
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const CHUNKS = [1, 2, 3, 5, 64 * 1024];

type Row = Record<string, unknown>;
async function read(
  path: string,
  chunk: number,
  options: { encoding?: TextEncoding; format?: 'csv' | 'jsonl' } = {},
): Promise<Row[]> {
  const { stream } = await openDecompressed(createReadStream(path, { highWaterMark: chunk }), path);
  const rows =
    options.format === 'jsonl'
      ? validatedJsonRows(model, stream, path, options)
      : validatedCsvRows(model, stream, options, path);
  const out: Row[] = [];
  // Load columns: id, name, price, active, tags, updated_at.
  for await (const r of rows) out.push({ id: r[0], name: r[1] });
  return out;
}
async function failure(path: string, chunk: number, options: Parameters<typeof read>[2] = {}): Promise<LoadError> {
  const err = await read(path, chunk, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `chunk size ${chunk}`).toBeInstanceOf(LoadError);
  return err as LoadError;
}

const HEADER = 'id,name,updated_at\n';
const AT = ',2026-11-24T00:00:00Z\n';

describe('strict UTF-8', () => {
  // Each bad sequence sits in the name of line 3, after "x" (so at character 5 of the line: `2,"x` is 4).
  const cases: [string, number[], RegExp][] = [
    ['Latin-1 é', [0xe9], /0xE9.*latin1/],
    ['CP1252 quotes', [0x93, 0x68, 0x69, 0x94], /0x93.*windows-1252/],
    ['an overlong "/" (C0 AF)', [0xc0, 0xaf], /0xC0.*overlong/],
    ['an overlong 3-byte form (E0 80 AF)', [0xe0, 0x80, 0xaf], /0xE0 0x80.*overlong/],
    ['a UTF-16 surrogate encoded in UTF-8 (ED A0 80)', [0xed, 0xa0, 0x80], /0xED 0xA0.*surrogate/],
    ['a stray continuation byte', [0x80], /0x80.*continuation/],
    ['a code point beyond U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80], /0xF4 0x90.*U\+10FFFF/],
    ['a byte UTF-8 never uses (FF)', [0xff], /0xFF.*never uses/],
    ['a 3-byte character cut short', [0xe2, 0x82, 0x41], /0xE2 0x82 0x41.*cut short/],
  ];
  for (const [what, bad, reason] of cases) {
    it(`refuses ${what}, naming file, line, column and byte offset`, async () => {
      const body = bytes(HEADER, `1,"ok é €"${AT}`, '2,"x', bad, `"${AT}`);
      const path = file(body);
      const offset = body.indexOf(Buffer.from(bad));
      for (const chunk of CHUNKS) {
        const err = await failure(path, chunk);
        expect(err).toMatchObject({ file: path, line: 3, column: 'name' });
        expect(err.message).toContain(`byte offset ${offset}`);
        expect(err.message).toContain('character 5 of the line');
        expect(err.message).toMatch(/not valid UTF-8/);
        expect(err.message).toMatch(reason);
      }
    });
  }

  it('refuses a file that ends inside a multi-byte character', async () => {
    const body = bytes(HEADER, `1,"ok"${AT}`, '2,2026-11-24T00:00:00Z,', [0xe2, 0x82]);
    const path = file(body);
    for (const chunk of CHUNKS) {
      const err = await failure(path, chunk);
      expect(err).toMatchObject({ file: path, line: 3 });
      expect(err.message).toContain(
        `(byte offset ${body.length - 2}) starts a multi-byte character that the file ends inside: its last bytes 0xE2 0x82`,
      );
    }
  });

  it('reads valid multi-byte characters split at every chunk boundary', async () => {
    const names = ['é', '€uro', '😀 emoji', 'ÿ\u0301', '\u{10FFFF}'];
    const path = file(HEADER + names.map((x, i) => `${i},"${x}"${AT}`).join(''));
    for (const chunk of CHUNKS) expect((await read(path, chunk)).map((r) => r.name)).toEqual(names);
  });

  it('refuses invalid UTF-8 in a header, naming the field', async () => {
    const path = file(bytes('id,na', [0xff], 'me\n1,x\n'));
    const err = await failure(path, 1);
    expect(err).toMatchObject({ file: path, line: 1 });
    expect(err.message).toMatch(
      /character 6 of the line \(byte offset 5, field 2 of the header\) is not valid UTF-8: bytes 0xFF/,
    );
  });

  it('gzip, zstd and bzip2 files are decoded strictly too (offset in the decompressed text)', async () => {
    const body = bytes(HEADER, `1,"ok"${AT}`, '2,"caf', [0xe9], `"${AT}`);
    const offset = body.indexOf(0xe9);
    for (const [ext, data] of [
      ['csv.gz', compress.gzip(body)],
      ['csv.zst', compress.zstd(body)],
      ['csv.bz2', compress.bzip2(body)],
    ] as const) {
      const path = file(data, ext);
      const err = await failure(path, 64 * 1024);
      expect(err).toMatchObject({ file: path, line: 3, column: 'name' });
      expect(err.message).toContain(`byte offset ${offset}`);
    }
  });

  it('JSON lines: refused naming the line and the character', async () => {
    const body = bytes(
      '{"id":1,"name":"ok","updated_at":"2026-11-24T00:00:00Z"}\n{"id":2,"name":"caf',
      [0xe9],
      '","updated_at":"2026-11-24T00:00:00Z"}\n',
    );
    const path = file(body, 'jsonl');
    for (const chunk of CHUNKS) {
      const err = await failure(path, chunk, { format: 'jsonl' });
      expect(err).toMatchObject({ file: path, line: 2 });
      expect(err.message).toContain('character 20 of the line');
      expect(err.message).toContain(`byte offset ${body.indexOf(0xe9)}`);
    }
  });
});

describe('the encoding option', () => {
  it('latin1: every byte is its own character (é, £, ÿ, ß)', async () => {
    const path = file(Buffer.from(`${HEADER}1,"café"${AT}2,"£5 ÿ ß"${AT}`, 'latin1'));
    for (const chunk of CHUNKS)
      expect(await read(path, chunk, { encoding: 'latin1' })).toEqual([
        { id: 1n, name: 'café' },
        { id: 2n, name: '£5 ÿ ß' },
      ]);
    // The same bytes as UTF-8: refused, with the option named.
    expect((await failure(path, 64 * 1024)).message).toMatch(/0xE9.*encoding: 'latin1'/);
  });

  it('windows-1252: curly quotes, the euro sign, the dash', async () => {
    const path = file(
      bytes(HEADER, '1,"', [0x93, 0x68, 0x69, 0x94, 0x20, 0x80, 0x35, 0x20, 0x96, 0x20, 0xe9], `"${AT}`),
    );
    for (const chunk of CHUNKS)
      expect(await read(path, chunk, { encoding: 'windows-1252' })).toEqual([{ id: 1n, name: '“hi” €5 – é' }]);
  });

  it('latin1 refuses the C1 control bytes a Windows-1252 file uses for quotes, pointing to windows-1252', async () => {
    const path = file(bytes(HEADER, '1,"', [0x93, 0x68, 0x69, 0x94], `"${AT}`));
    const err = await failure(path, 64 * 1024, { encoding: 'latin1' });
    expect(err).toMatchObject({ file: path, line: 2, column: 'name' });
    expect(err.message).toMatch(/0x93.*C1 control.*windows-1252/);
  });

  it('windows-1252 refuses the five bytes it leaves undefined', async () => {
    const path = file(bytes(HEADER, '1,"a', [0x81], `"${AT}`));
    const err = await failure(path, 1, { encoding: 'windows-1252' });
    expect(err).toMatchObject({ file: path, line: 2, column: 'name' });
    expect(err.message).toMatch(/0x81.*undefined in windows-1252/);
  });

  it('JSON lines read in latin1', async () => {
    const path = file(Buffer.from('{"id":1,"name":"Müller","updated_at":"2026-11-24T00:00:00Z"}\n', 'latin1'), 'jsonl');
    expect(await read(path, 3, { format: 'jsonl', encoding: 'latin1' })).toEqual([{ id: 1n, name: 'Müller' }]);
  });

  it('names for the CLI: aliases accepted, anything else refused listing the choices', () => {
    expect(textEncoding('UTF-8')).toBe('utf8');
    expect(textEncoding('ISO-8859-1')).toBe('latin1');
    expect(textEncoding('cp1252')).toBe('windows-1252');
    expect(() => textEncoding('ebcdic')).toThrow(/unknown encoding "ebcdic".*utf8, latin1, windows-1252/);
  });
});

describe('BOM and NUL', () => {
  const json =
    '{"id":1,"name":"a","updated_at":"2026-11-24T00:00:00Z"}\n{"id":2,"name":"b","updated_at":"2026-11-24T00:00:00Z"}\n';

  it('JSON lines: a UTF-8 BOM at the start of the file is skipped (as CSV skips it)', async () => {
    const path = file(bytes([0xef, 0xbb, 0xbf], json), 'jsonl');
    for (const chunk of CHUNKS)
      expect(await read(path, chunk, { format: 'jsonl' })).toEqual([
        { id: 1n, name: 'a' },
        { id: 2n, name: 'b' },
      ]);
    const gz = file(compress.gzip(bytes([0xef, 0xbb, 0xbf], json)), 'jsonl.gz');
    expect(await read(gz, 64 * 1024, { format: 'jsonl' })).toHaveLength(2);
  });

  it('JSON lines: a BOM anywhere else is not skipped (the line is refused)', async () => {
    const lines = json.split('\n');
    const path = file(bytes(`${lines[0]}\n`, [0xef, 0xbb, 0xbf], `${lines[1]}\n`), 'jsonl');
    const err = await failure(path, 64 * 1024, { format: 'jsonl' });
    expect(err).toMatchObject({ file: path, line: 2 });
    expect(err.message).toMatch(/not a JSON object/);
  });

  it('a UTF-16 file (with its BOM) is refused at byte 0, saying it is UTF-16', async () => {
    const path = file(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}1,a${AT}`, 'utf16le')]));
    const err = await failure(path, 64 * 1024);
    expect(err).toMatchObject({ file: path, line: 1 });
    expect(err.message).toMatch(/byte offset 0.*UTF-16/);
  });

  it('a UTF-16 file without a BOM: its NUL bytes are refused, naming line and byte offset', async () => {
    const path = file(Buffer.from(`${HEADER}1,a${AT}`, 'utf16le'));
    const err = await failure(path, 64 * 1024);
    expect(err).toMatchObject({ file: path, line: 1 });
    expect(err.message).toMatch(/byte offset 1.*NUL.*UTF-16/);
    expect(err.message).not.toContain('\u0000');
  });

  it('a NUL byte in a CSV field is refused naming line and column', async () => {
    const body = bytes(HEADER, `1,"ok"${AT}`, '2,"a', [0x00], `b"${AT}`);
    const path = file(body);
    for (const chunk of [1, 64 * 1024]) {
      const err = await failure(path, chunk);
      expect(err).toMatchObject({ file: path, line: 3, column: 'name' });
      expect(err.message).toContain(`character 5 of the line (byte offset ${body.indexOf(0)}) is a NUL byte`);
    }
    for (const encoding of ['latin1', 'windows-1252'] as const)
      expect((await failure(path, 4, { encoding })).message).toMatch(/NUL/);
  });
});

describe('CSV: after a closing quote, only a delimiter or a line end', () => {
  it('refuses a lone CR between a closing quote and the delimiter (it loaded "a\\r")', async () => {
    const path = file(`${HEADER}1,"ok"${AT}2,"a"\r${AT}`);
    for (const chunk of CHUNKS) {
      const err = await failure(path, chunk);
      expect(err).toMatchObject({ file: path, line: 3, column: 'name' });
      expect(err.message).toMatch(/malformed CSV.*after a closing quote/);
    }
  });

  it('refuses a lone CR after a closing quote at the end of the file', async () => {
    const path = file(`${HEADER}1,a,"2026-11-24T00:00:00Z"\r`);
    for (const chunk of CHUNKS)
      expect(await failure(path, chunk)).toMatchObject({
        line: 2,
        column: 'updated_at',
        message: expect.stringMatching(/after a closing quote/),
      });
  });

  it('keeps CRLF files working, quoted fields included', async () => {
    const path = file(
      `id,name,updated_at\r\n1,"a",2026-11-24T00:00:00Z\r\n2,"b\r\nc","2026-11-24T00:00:00Z"\r\n3,d,2026-11-24T00:00:00Z\r\n`,
    );
    for (const chunk of CHUNKS)
      expect(await read(path, chunk)).toEqual([
        { id: 1n, name: 'a' },
        { id: 2n, name: 'b\r\nc' },
        { id: 3n, name: 'd' },
      ]);
  });
});
