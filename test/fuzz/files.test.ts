// Fuzzing files (issue 14's "62 bad files per target", measured again): malformed local files
// (CSV and JSON lines, each plain and gzipped, plus truncated gzip and gzip of garbage) loaded
// with db.table(model).loadFrom(fromLocalFile(path)) on Postgres and the local Redshift emulator.
// Each must either load exactly what the file says (the table: the seed rows plus the file's
// rows, upserted) or fail with an error naming the file and where in it (line, or what is wrong
// with the file as a whole), leaving the table as it was. Counts are printed: tried, loaded
// exactly, failed cleanly, wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { inspect } from 'node:util';
import { defineTable, fromLocalFile, t } from '../../src/index.js';
import { startTargets, type FuzzTarget, type FuzzTargets } from './targets.js';

type Row = [id: number, name: string | null, n: number | null];
interface FileCase {
  name: string;
  ext: 'csv' | 'jsonl';
  body: Buffer;
  /** The rows the file says, when it is a valid file (loading it must give exactly these); else it must fail. */
  want?: Row[];
  /** A whole-file problem has no line: what the error must say instead. */
  where?: RegExp;
  /** A file that holds nothing may load nothing or be refused (clearly). */
  mayFail?: boolean;
}

const b = (s: string) => Buffer.from(s, 'utf8');
const H = 'id,name,n\n';
const csvCases: Array<Omit<FileCase, 'ext'>> = [
  {
    name: 'plain',
    body: b(`${H}10,a,1\n11,b,2\n`),
    want: [
      [10, 'a', 1],
      [11, 'b', 2],
    ],
  },
  { name: 'ragged short row', body: b(`${H}10,a,1\n11,b\n`) },
  { name: 'ragged long row', body: b(`${H}10,a,1\n11,b,2,3\n`) },
  { name: 'unterminated quote', body: b(`${H}10,"a,1\n11,b,2\n`) },
  { name: 'quote then CR then comma', body: b(`${H}10,"a"\r,2\n`) },
  { name: 'text after closing quote', body: b(`${H}10,"a"x,2\n`) },
  { name: 'quote inside unquoted field', body: b(`${H}10,a"b,2\n`) },
  { name: 'BOM', body: b(`\uFEFF${H}10,a,1\n`), want: [[10, 'a', 1]] },
  // Every leading BOM is skipped: the rows are what the file says.
  { name: 'BOM twice', body: b(`\uFEFF\uFEFF${H}10,a,1\n`), want: [[10, 'a', 1]] },
  { name: 'Latin-1', body: Buffer.concat([b(`${H}10,caf`), Buffer.from([0xe9]), b(',1\n')]) },
  { name: 'CP1252 quotes', body: Buffer.concat([b(`${H}10,`), Buffer.from([0x93, 0x61, 0x94]), b(',1\n')]) },
  { name: 'overlong slash', body: Buffer.concat([b(`${H}10,a`), Buffer.from([0xc0, 0xaf]), b(',1\n')]) },
  { name: 'overlong NUL', body: Buffer.concat([b(`${H}10,a`), Buffer.from([0xc0, 0x80]), b(',1\n')]) },
  { name: 'surrogate in UTF-8', body: Buffer.concat([b(`${H}10,a`), Buffer.from([0xed, 0xa0, 0x80]), b(',1\n')]) },
  { name: 'truncated UTF-8 at end', body: Buffer.concat([b(`${H}10,a,1\n11,`), Buffer.from([0xe2, 0x82])]) },
  { name: 'NUL byte', body: b(`${H}10,a\u0000b,1\n`) },
  { name: 'UTF-16LE', body: Buffer.from(`\uFEFF${H}10,a,1\n`, 'utf16le') },
  { name: 'empty file', body: b(''), want: [], mayFail: true },
  { name: 'header only', body: b(H), want: [] },
  { name: 'header without newline', body: b('id,name,n'), want: [] },
  { name: 'duplicate header column', body: b('id,name,name\n10,a,b\n') },
  { name: 'missing header column', body: b('id,name\n10,a\n') },
  { name: 'unknown header column', body: b('id,name,n,extra\n10,a,1,x\n') },
  // Header names match columns case-insensitively (as Redshift folds identifiers).
  { name: 'header in another case', body: b('ID,Name,N\n10,a,1\n'), want: [[10, 'a', 1]] },
  { name: 'semicolon delimiter', body: b('id;name;n\n10;a;1\n') },
  { name: 'tab delimiter', body: b('id\tname\tn\n10\ta\t1\n') },
  {
    name: 'CRLF',
    body: b(`id,name,n\r\n10,a,1\r\n11,b,2\r\n`),
    want: [
      [10, 'a', 1],
      [11, 'b', 2],
    ],
  },
  {
    name: 'CRLF and LF mixed',
    body: b(`id,name,n\r\n10,a,1\n11,b,2\r\n`),
    want: [
      [10, 'a', 1],
      [11, 'b', 2],
    ],
  },
  { name: 'bare CR line ends', body: b(`id,name,n\r10,a,1\r11,b,2\r`) },
  { name: 'huge field', body: b(`${H}10,${'x'.repeat(1_000_000)},1\n`) },
  { name: 'field just fits varchar(20)', body: b(`${H}10,${'é'.repeat(10)},1\n`), want: [[10, 'é'.repeat(10), 1]] },
  { name: 'field a byte over varchar(20)', body: b(`${H}10,${'é'.repeat(10)}x,1\n`) },
  { name: 'non-number in integer', body: b(`${H}10,a,one\n`) },
  { name: 'integer overflow', body: b(`${H}10,a,2147483648\n`) },
  { name: 'empty key', body: b(`${H},a,1\n`) },
  // A blank line holds no record (as COPY's IGNOREBLANKLINES): skipped.
  {
    name: 'blank line in the middle',
    body: b(`${H}10,a,1\n\n11,b,2\n`),
    want: [
      [10, 'a', 1],
      [11, 'b', 2],
    ],
  },
  { name: 'quoted newline in field', body: b(`${H}10,"a\nb",1\n`), want: [[10, 'a\nb', 1]] },
  { name: 'duplicate keys (later wins)', body: b(`${H}10,a,1\n10,b,2\n`), want: [[10, 'b', 2]] },
  {
    name: 'bad row after 5000 good',
    body: b(H + Array.from({ length: 5000 }, (_, i) => `${100 + i},r,${i}\n`).join('') + '9999,z,zz\n'),
  },
  { name: 'only a newline', body: b('\n'), want: [], mayFail: true },
];
const J = (o: unknown) => JSON.stringify(o);
const jsonCases: Array<Omit<FileCase, 'ext'>> = [
  {
    name: 'plain',
    body: b(`${J({ id: 10, name: 'a', n: 1 })}\n${J({ id: 11, name: 'b', n: 2 })}\n`),
    want: [
      [10, 'a', 1],
      [11, 'b', 2],
    ],
  },
  { name: 'BOM', body: b(`\uFEFF${J({ id: 10, name: 'a', n: 1 })}\n`), want: [[10, 'a', 1]] },
  { name: 'truncated object', body: b(`${J({ id: 10, name: 'a', n: 1 })}\n{"id":11,"name":"b"\n`) },
  { name: 'array line', body: b(`[10,"a",1]\n`) },
  { name: 'two objects on a line', body: b(`${J({ id: 10, name: 'a', n: 1 })}${J({ id: 11, name: 'b', n: 2 })}\n`) },
  { name: 'trailing comma', body: b(`{"id":10,"name":"a","n":1,}\n`) },
  { name: 'single quotes', body: b(`{'id':10}\n`) },
  { name: 'unknown key', body: b(`{"id":10,"name":"a","n":1,"x":2}\n`) },
  // JSON's rule (ECMA-262, and jsonb): the last of a duplicated name wins.
  { name: 'duplicate key in object', body: b(`{"id":10,"name":"a","name":"b","n":1}\n`), want: [[10, 'b', 1]] },
  { name: 'string for integer', body: b(`{"id":10,"name":"a","n":"x"}\n`) },
  { name: 'number for varchar', body: b(`{"id":10,"name":5,"n":1}\n`) },
  { name: 'escaped NUL', body: b(`{"id":10,"name":"a\\u0000","n":1}\n`) },
  { name: 'escaped lone surrogate', body: b(`{"id":10,"name":"\\ud800","n":1}\n`) },
  { name: 'Latin-1', body: Buffer.concat([b('{"id":10,"name":"caf'), Buffer.from([0xe9]), b('","n":1}\n')]) },
  { name: 'overlong', body: Buffer.concat([b('{"id":10,"name":"a'), Buffer.from([0xc0, 0xaf]), b('","n":1}\n')]) },
  { name: 'empty file', body: b(''), want: [], mayFail: true },
  { name: 'blank lines', body: b(`\n${J({ id: 10, name: 'a', n: 1 })}\n\n`), want: [[10, 'a', 1]] },
  {
    name: 'CRLF',
    body: b(`${J({ id: 10, name: 'a', n: 1 })}\r\n${J({ id: 11, name: 'b', n: 2 })}\r\n`),
    want: [
      [10, 'a', 1],
      [11, 'b', 2],
    ],
  },
  { name: 'no final newline', body: b(J({ id: 10, name: 'a', n: 1 })), want: [[10, 'a', 1]] },
  { name: 'missing key column', body: b(`{"name":"a","n":1}\n`) },
  { name: 'null key', body: b(`{"id":null,"name":"a","n":1}\n`) },
  { name: 'huge number', body: b(`{"id":1e400,"name":"a","n":1}\n`) },
  { name: 'float id', body: b(`{"id":10.5,"name":"a","n":1}\n`) },
  { name: 'nested object for varchar', body: b(`{"id":10,"name":{"a":1},"n":1}\n`) },
  { name: 'NUL byte raw', body: b(`{"id":10,"name":"a\u0000","n":1}\n`) },
  { name: 'not JSON at all', body: b('id,name,n\n10,a,1\n') },
  {
    name: 'bad line after 5000 good',
    body: b(Array.from({ length: 5000 }, (_, i) => `${J({ id: 100 + i, name: 'r', n: i })}\n`).join('') + '{"id":\n'),
  },
  { name: 'field a byte over varchar(20)', body: b(`${J({ id: 10, name: `${'é'.repeat(10)}x`, n: 1 })}\n`) },
  { name: 'top-level string', body: b(`"hello"\n`) },
  { name: 'top-level null', body: b(`null\n`) },
];

function allCases(): FileCase[] {
  const out: FileCase[] = [];
  for (const [ext, list] of [
    ['csv', csvCases],
    ['jsonl', jsonCases],
  ] as const) {
    for (const c of list) {
      out.push({ ...c, ext });
      out.push({ ...c, name: `${c.name} (gzip)`, ext, body: gzipSync(c.body) });
    }
    const good = gzipSync(list[0]!.body);
    out.push({ name: 'truncated gzip', ext, body: good.subarray(0, Math.floor(good.length / 2)) });
    out.push({ name: 'gzip with its trailer cut', ext, body: good.subarray(0, good.length - 4) });
    out.push({
      name: 'gzip of garbage',
      ext,
      body: Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(40, 0x5a)]),
    });
    out.push({ name: 'gzip magic only', ext, body: Buffer.from([0x1f, 0x8b]) });
    out.push({ name: 'gzip then trailing junk', ext, body: Buffer.concat([good, b('junk')]) });
  }
  return out;
}

const CASES = allCases();
const SEED: Row[] = [
  [10, 'seed', 0],
  [1, 'one', 1],
  [2, 'two', 2],
];
interface Counts {
  tried: number;
  loaded: number;
  failed: number;
  wrong: string[];
}
const counts = new Map<string, Counts>();
let dir: string;
let env: FuzzTargets;
const started = Date.now();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upshift-fuzz-files-'));
  env = await startTargets('fuzzf', dir, ['Postgres', 'Redshift emulator']);
}, 180_000);
afterAll(async () => {
  for (const [name, c] of counts) {
    console.log(
      `[fuzz] files on ${name}: ${c.tried} tried, ${c.loaded} loaded exactly, ${c.failed} failed cleanly, ${c.wrong.length} wrong`,
    );
    for (const m of c.wrong.slice(0, 40)) console.log(`[fuzz]   WRONG ${m}`);
  }
  console.log(`[fuzz] files: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const snapshot = async (target: FuzzTarget, name: string): Promise<string> =>
  JSON.stringify(
    await target.db.query(`select id, encode(convert_to(name, 'UTF8'), 'hex') as name, n from ${name} order by id`),
  );
const expected = (rows: Row[]): string => {
  const byId = new Map<number, Row>();
  for (const r of [...SEED, ...rows]) byId.set(r[0], r);
  return JSON.stringify(
    [...byId.values()]
      .sort((x, y) => x[0] - y[0])
      .map(([id, name, n]) => ({ id, name: name === null ? null : Buffer.from(name).toString('hex'), n })),
  );
};

describe.each(['Postgres', 'Redshift emulator'] as const)('malformed files on %s', (targetName) => {
  it('every file loads exactly what it says or fails naming the file and line, the table unchanged', async () => {
    const target = env.targets.find((x) => x.name === targetName)!;
    const model = defineTable(
      `${target.schema}.fz_files_${targetName === 'Postgres' ? 'pg' : 'rs'}`,
      { id: t.integer().notNull(), name: t.varchar(20), n: t.integer() },
      { upsertKey: ['id'] },
    );
    const table = target.db.table(model);
    await table.create();
    const name = target.db.tableName(model);
    const c: Counts = { tried: 0, loaded: 0, failed: 0, wrong: [] };
    counts.set(targetName, c);
    for (const [i, fc] of CASES.entries()) {
      c.tried++;
      await target.db.query(`delete from ${name}`);
      await table.upsert(SEED.map(([id, nm, n]) => ({ id, name: nm, n })));
      const before = await snapshot(target, name);
      const path = join(
        dir,
        `f${i}-${targetName === 'Postgres' ? 'pg' : 'rs'}.${fc.ext}${fc.name.includes('gzip') ? '.gz' : ''}`,
      );
      writeFileSync(path, fc.body);
      const err = await table.loadFrom(fromLocalFile(path)).then(
        () => undefined,
        (e: unknown) => e,
      );
      const after = await snapshot(target, name);
      const label = `${fc.ext} ${fc.name}`;
      if (err === undefined) {
        if (!fc.want) c.wrong.push(`${label}: loaded, but the file is malformed (table ${after})`);
        else if (after !== expected(fc.want))
          c.wrong.push(`${label}: loaded ${after}, the file says ${expected(fc.want)}`);
        else c.loaded++;
        continue;
      }
      const message = err instanceof Error ? err.message : inspect(err);
      if (after !== before) c.wrong.push(`${label}: failed (${message.slice(0, 200)}) but the table changed`);
      else if (fc.want && !fc.mayFail) c.wrong.push(`${label}: a valid file was refused: ${message.slice(0, 300)}`);
      else if (!message.includes(path))
        c.wrong.push(`${label}: the error does not name the file: ${message.slice(0, 300)}`);
      else if (
        !/line \d+/.test(message) &&
        !(fc.where ?? /gzip|compress|decompress|truncat|end of (the )?file|empty|header|column "/i).test(message)
      )
        c.wrong.push(`${label}: the error says no line (or what is wrong with the file): ${message.slice(0, 300)}`);
      else c.failed++;
    }
    expect(c.tried).toBeGreaterThanOrEqual(60);
    expect(c.wrong, c.wrong.join('\n')).toEqual([]);
  }, 300_000);
});
