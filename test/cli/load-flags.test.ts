// `upshift load` does what the API does, through the built binary (test/cli/built.ts): every
// source option as a flag, local Parquet and JSON lines, --mode defaulting to upsert, --dry-run,
// usage errors that name the flag, library errors in CLI words with the table named once.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestSchema, testDatabaseUrl, type TestSchema } from '../helpers/pg.js';
import { buildProject, type BuiltProject } from './built.js';

const SLOW = 240_000;
let db: TestSchema;
let p: BuiltProject;
let table: string;

const rows = async () => (await db.pool.query(`select id::int, name, qty from ${table} order by id`)).rows;
const clear = () => db.pool.query(`truncate ${table}`);
const write = (name: string, body: string | Buffer) => writeFile(path.join(p.dir, name), body);

beforeAll(async () => {
  [db, p] = await Promise.all([createTestSchema('cli_flags'), buildProject()]);
  table = `${db.schema}.items`;
  await db.pool.query(`create table ${table} (id bigint primary key, name varchar(12), qty integer)`);
  await mkdir(path.join(p.dir, 'models'));
  await write(
    'models/items.ts',
    `import { defineTable, t } from 'upshift';\nexport const items = defineTable('${table}', { id: t.bigint().notNull(), name: t.varchar(12), qty: t.integer() }, { upsertKey: ['id'] });\n`,
  );
  await write(
    'upshift.config.ts',
    `import { defineConfig } from 'upshift';\nexport default defineConfig({ database: ${JSON.stringify(testDatabaseUrl())}, auditSchema: ${JSON.stringify(db.schema)} });\n`,
  );
}, SLOW);
beforeEach(async () => {
  await clear();
});
afterAll(async () => {
  await db?.drop();
  await p?.remove();
});

describe('upshift load flags (built binary)', () => {
  it(
    '--delimiter, --no-header, --columns, --null-as and --encoding read a non-default CSV; no --mode means upsert',
    async () => {
      // latin1: "è" is the single byte 0xE8, which is not UTF-8
      await write(
        'export.txt',
        Buffer.concat([Buffer.from('2;cr'), Buffer.from([0xe8]), Buffer.from('me;NULL\n1;fudge;3\n')]),
      );
      const r = await p.upshift([
        'load',
        'items',
        'export.txt',
        '--delimiter',
        ';',
        '--no-header',
        '--columns',
        'id,name,qty',
        '--null-as',
        'NULL',
        '--encoding',
        'latin1',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^loaded ${table} \\(upsert\\): staged 2, inserted 2, updated 0`));
      expect(await rows()).toEqual([
        { id: 1, name: 'fudge', qty: 3 },
        { id: 2, name: 'crème', qty: null },
      ]);
      // without --encoding the same bytes are refused as UTF-8, naming where
      const strict = await p.upshift([
        'load',
        'items',
        'export.txt',
        '--delimiter',
        ';',
        '--no-header',
        '--null-as',
        'NULL',
      ]);
      expect(strict.code).toBe(9);
      expect(strict.stderr).toMatch(
        /^upshift: load into \S+ failed, the table is unchanged: file \S+export\.txt, line 1.*UTF-8/,
      );
    },
    SLOW,
  );

  it(
    'local JSON lines and Parquet (by name, by content, or --format), never parsed as CSV',
    async () => {
      await write('items.jsonl', '{"id":1,"name":"toffee","qty":2}\n{"id":2,"name":"fudge"}\n');
      await write('items.txt', '{"id":3,"name":"nougat","qty":1}\n');
      const parquet = Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'id', data: [10n, 11n], type: 'INT64' },
            { name: 'name', data: ['caramel', null], type: 'STRING' },
            { name: 'qty', data: [5, 6], type: 'INT32' },
          ],
        }),
      );
      await write('items.parquet', parquet);
      await write('items.dat', parquet);
      await write('not-parquet.csv', 'id,name,qty\n20,praline,1\n');
      const [jsonl, txt, pq, dat, wrong] = [
        await p.upshift(['load', 'items', 'items.jsonl', '--json']),
        await p.upshift(['load', 'items', 'items.txt', '--format', 'jsonl']),
        await p.upshift(['load', 'items', 'items.parquet']),
        await p.upshift(['load', 'items', 'items.dat', '--mode', 'upsert']),
        await p.upshift(['load', 'items', 'not-parquet.csv', '--format', 'parquet']),
      ];
      expect(JSON.parse(jsonl.stdout)).toMatchObject({ table, mode: 'upsert', staged: 2, inserted: 2 });
      for (const r of [txt, pq, dat]) expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(dat.stdout).toMatch(/staged 2, inserted 0, updated 2/); // the same rows again, read by their PAR1 magic
      expect(wrong.code).toBe(9);
      expect(wrong.stderr).toMatch(/not-parquet\.csv.*is not a readable Parquet file/);
      expect(await rows()).toEqual([
        { id: 1, name: 'toffee', qty: 2 },
        { id: 2, name: 'fudge', qty: null },
        { id: 3, name: 'nougat', qty: 1 },
        { id: 10, name: 'caramel', qty: 5 },
        { id: 11, name: null, qty: 6 },
      ]);
    },
    SLOW,
  );

  it(
    '--trusted uploads a stage-dialect CSV as it is; flags that cannot apply are usage errors naming the flag',
    async () => {
      await write('stage-dialect.csv', '1,"toffee",\\N\n');
      const trusted = await p.upshift(['load', 'items', 'stage-dialect.csv', '--trusted', '--columns', 'id,name,qty']);
      expect(trusted.stderr).toBe('');
      expect(trusted.code).toBe(0);
      expect(await rows()).toEqual([{ id: 1, name: 'toffee', qty: null }]);
      const cases: Array<[string[], RegExp]> = [
        [
          ['items.jsonl', '--trusted'],
          /^upshift: --trusted is for CSV in the stage's dialect; items\.jsonl is read as jsonl/,
        ],
        [['items.parquet', '--delimiter', ';'], /^upshift: --delimiter is for CSV; items\.parquet is read as parquet/],
        [['items.parquet', '--encoding', 'latin1'], /^upshift: --encoding is for CSV and JSON lines/],
        [['items.jsonl', '--validate'], /^upshift: --validate is for s3:\/\/ inputs; local files are always validated/],
        [['export.txt', '--encoding', 'utf16'], /^upshift: --encoding utf16: give utf8, latin1, windows-1252\n$/],
        [['export.txt', '--delimiter', ';;'], /^upshift: --delimiter ";;": give one character/],
        [['export.txt', '--format', 'xml'], /^upshift: --format xml: give csv, jsonl or parquet/],
        [['export.txt', '--mode', 'merge'], /^upshift: --mode merge: give upsert, append or replace/],
        [
          ['export.txt', '--columns', 'id,,qty'],
          /^upshift: --columns "id,,qty": give column names separated by commas/,
        ],
      ];
      const results = await Promise.all(cases.map(([args]) => p.upshift(['load', 'items', ...args])));
      results.forEach((r, i) => {
        expect(r, cases[i]![0].join(' ')).toMatchObject({ code: 2, stdout: '' });
        expect(r.stderr).toMatch(cases[i]![1]);
        expect(r.stderr.split('\n')).toHaveLength(2);
      });
    },
    SLOW,
  );

  it(
    '--dry-run validates and stages, reports what would load, and touches no database',
    async () => {
      await write('dry.csv', 'id,name,qty\n1,toffee,2\n2,fudge,\n');
      await write('dry-bad.csv', 'id,name,qty\n1,toffee,2\n2,a name far too long,1\n');
      // an unreachable database: a dry run never connects
      const offline = ['--database-url', 'postgres://postgres@127.0.0.1:1/test'];
      const staged = () => readdir(path.join(p.dir, '.upshift'), { recursive: true }).catch(() => []);
      const stagedBefore = await staged();
      const ok = await p.upshift([...offline, 'load', 'items', 'dry.csv', '--dry-run']);
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe(
        `dry run: would upsert 2 row(s) from dry.csv into ${table} (columns id, name, qty); every row is valid; staged as 1 file(s), 0.0 MB, in a temp folder, now removed. Nothing was loaded\n`,
      );
      const json = await p.upshift([...offline, 'load', 'items', 'dry.csv', '--dry-run', '--json', '--mode', 'append']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        dryRun: true,
        table,
        mode: 'append',
        rows: 2,
        columns: ['id', 'name', 'qty'],
        files: 1,
        validated: true,
      });
      const bad = await p.upshift([...offline, 'load', 'items', 'dry-bad.csv', '--dry-run']);
      expect(bad.code).toBe(9);
      expect(bad.stderr).toMatch(
        new RegExp(
          `^upshift: dry run: load into ${table} would fail, the table is unchanged: file \\S+dry-bad\\.csv, line 3, column "name", value "a name far too long": is 19 UTF-8 bytes, longer than VARCHAR\\(12\\)`,
        ),
      );
      const partial = await p.upshift([
        ...offline,
        'load',
        'items',
        'dry.csv',
        '--dry-run',
        '--mode',
        'append',
        '--partial',
      ]);
      expect(partial.code).toBe(2);
      expect(await rows()).toEqual([]);
      expect(await staged()).toEqual(stagedBefore); // nothing was added to the project's stage
    },
    SLOW,
  );

  it(
    'library errors speak CLI words and name the table once',
    async () => {
      await write('status.csv', 'id,name\n1,toffee\n');
      await write('long.csv', 'id,name,qty\n1,a name far too long,1\n');
      const [orderBy, partial, long] = await Promise.all([
        p.upshift(['load', 'items', 'dry.csv', '--order-by', 'nope']),
        p.upshift(['load', 'items', 'status.csv']),
        p.upshift(['load', 'items', 'long.csv']),
      ]);
      expect(orderBy.code).toBe(9);
      expect(orderBy.stderr).toBe(
        `upshift: load into ${table} failed, the table is unchanged: --order-by names "nope", which is not a column of ${table}\n`,
      );
      expect(partial.code).toBe(9);
      expect(partial.stderr).toContain('or load with --partial to update only the given columns');
      expect(partial.stderr).not.toMatch(/partial: true|orderBy/);
      for (const r of [orderBy, partial, long]) {
        expect(r.stderr.split(table).length - 1, r.stderr).toBe(r === long ? 1 : r.stderr.split(table).length - 1);
        expect(r.stderr).not.toMatch(/Load into/);
      }
      expect(long.stderr).toBe(
        `upshift: load into ${table} failed, the table is unchanged: file ${path.join(p.dir, 'long.csv')}, line 2, column "name", value "a name far too long": is 19 UTF-8 bytes, longer than VARCHAR(12) allows (12 bytes) (rule: varchar length)\n`,
      );
    },
    SLOW,
  );

  it(
    'upshift audit shows a database error once, not "error: error:"',
    async () => {
      await db.pool.query(`create unique index on ${table} (name)`);
      await write('same-name.csv', 'id,name,qty\n1,toffee,1\n2,toffee,2\n');
      const failed = await p.upshift(['load', 'items', 'same-name.csv', '--mode', 'append']);
      expect(failed.code).toBe(9);
      expect(failed.stderr).toMatch(
        /^upshift: load into \S+ failed, the table is unchanged: duplicate key value violates unique constraint/,
      );
      const audit = await p.upshift(['audit', '--status', 'failed', '-n', '1']);
      expect(audit.code).toBe(0);
      expect(audit.stdout).toMatch(/\n {4}error: DatabaseError: duplicate key value violates unique constraint/);
      expect(audit.stdout).not.toMatch(/error: error:/);
    },
    SLOW,
  );
});
