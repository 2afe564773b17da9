// Partial upserts: which columns a source gives (GivenColumns), what is refused and why, and the
// loads that only PGlite needs to show (JSON lines, append / replace from files lacking columns).
// The merge itself runs on every warehouse in the shared engine suite (shared-behaviour.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LoadError,
  PgliteDatabase,
  RowValidationError,
  defineTable,
  fromInMemory,
  fromLocalFile,
  sql,
  t,
} from '../../src/index.js';
import { GivenColumns } from '../../src/engine/given-columns.js';

const model = defineTable(
  'shop.orders',
  {
    id: t.bigint().notNull(),
    status: t.varchar(16),
    note: t.varchar(32),
    qty: t.integer().default(1),
    at: t.timestamptz().notNull().default(sql('current_timestamp')),
  },
  { upsertKey: ['id'] },
);

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a refusal');
};

describe('GivenColumns', () => {
  it('a whole-row upsert from a file lacking columns is refused when the file says so, naming them and both choices', () => {
    const err = refusal(() =>
      new GivenColumns(model, 'upsert', false, 'src').file(['id', 'status'], '/data/status.csv'),
    );
    expect(err).toBeInstanceOf(LoadError);
    expect(err).toMatchObject({ file: '/data/status.csv', column: 'note' });
    expect(err.message).toBe(
      'Load into shop.orders failed at file /data/status.csv, column "note": is missing (missing: note, qty, at; given: id, status). ' +
        'An upsert replaces whole rows, so these columns would become NULL or their defaults in every updated row of shop.orders. ' +
        'Give every column (id, status, note, qty, at), or load with partial: true (CLI --partial) to update only the given columns of matched keys and insert new keys',
    );
    // Every column given (in any order): fine.
    expect(
      new GivenColumns(model, 'upsert', false, 'src').file(['at', 'qty', 'note', 'status', 'id'], 'f'),
    ).toBeUndefined();
  });

  it('append and replace insert whole rows: missing columns get their defaults, nothing to refuse; partial is refused there', () => {
    for (const mode of ['append', 'replace'] as const) {
      const w = new GivenColumns(model, mode, false, 'src');
      w.file(['id'], 'f');
      expect(w.columns()).toEqual(['id']);
      expect(() => new GivenColumns(model, mode, true, 'src')).toThrow(
        `partial applies to upsert only; ${mode} into shop.orders inserts whole rows`,
      );
    }
  });

  it('partial: the whole key and at least one other column; several files must agree', () => {
    const nullSafe = defineTable(
      'shop.pairs',
      { a: t.integer(), b: t.integer(), v: t.integer() },
      { upsertKey: ['a', 'b'], nullSafeUpsertKey: true },
    );
    expect(refusal(() => new GivenColumns(nullSafe, 'upsert', true, 'src').file(['a', 'v'], 'f')).message).toMatch(
      /column "b": is part of the upsert key \(a, b\), which a partial upsert must be given to match rows; given: a, v/,
    );
    expect(refusal(() => new GivenColumns(model, 'upsert', true, 'src').file(['id'], 'f')).message).toMatch(
      /column "id": a partial upsert updates the given columns besides the key \(id\), but none is given/,
    );
    const w = new GivenColumns(model, 'upsert', true, 'src');
    w.file(['status', 'id'], 's3://b/one.csv');
    w.file(['id', 'status'], 's3://b/two.csv');
    expect(refusal(() => w.file(['id', 'note'], 's3://b/three.csv')).message).toMatch(
      /file s3:\/\/b\/three\.csv: has the columns id, note, unlike s3:\/\/b\/one\.csv \(status, id\): a partial upsert updates one set of columns/,
    );
    expect(w.columns()).toEqual(['id', 'status']);
  });

  it('partial records: the first record sets the columns (undefined is not given), every other must give exactly those', () => {
    const w = new GivenColumns(model, 'upsert', true, 'src');
    w.record({ id: 1, status: 'paid', note: undefined }, 0);
    w.record({ status: 'sent', id: 2 }, 1);
    const missing = refusal(() => w.record({ id: 3 }, 2));
    expect(missing).toBeInstanceOf(RowValidationError);
    expect(missing).toMatchObject({ rowIndex: 2, column: 'status', rule: 'partial upsert columns' });
    expect(missing.message).toMatch(
      /is missing, but the first row gives it: a partial upsert updates the columns of its first row \(id, status\)/,
    );
    expect(refusal(() => w.record({ id: 3, status: null, qty: 2 }, 7))).toMatchObject({ rowIndex: 7, column: 'qty' });
    expect(w.columns()).toEqual(['id', 'status']);
    expect(refusal(() => new GivenColumns(model, 'upsert', true, 'src').record({ status: 'x' }, 0))).toMatchObject({
      rowIndex: 0,
      column: 'id',
      rule: 'partial upsert columns',
    });
  });

  it('whole-row records (JSON lines): the columns any record gives; refused at the end when one is in none, naming the source', () => {
    const w = new GivenColumns(model, 'upsert', false, 'local file: /x.jsonl (jsonl)');
    w.record({ id: 1, status: 'a', at: 'now' }, 1);
    w.record({ id: 2, note: null, qty: 3 }, 2);
    expect(w.columns()).toEqual(['id', 'status', 'note', 'qty', 'at']);
    const lacking = new GivenColumns(model, 'upsert', false, 'local file: /x.jsonl (jsonl)');
    lacking.record({ id: 1, status: 'a', at: 'now' }, 1);
    expect(refusal(() => lacking.columns()).message).toMatch(
      /column "note": is in no record of local file: \/x\.jsonl \(jsonl\) \(missing: note, qty; given: id, status, at\)/,
    );
    // Nothing reported (a source that can't tell): the plan falls back to the staged files' columns.
    expect(new GivenColumns(model, 'upsert', false, 'src').columns()).toBeUndefined();
  });
});

describe('partial and whole-row loads on PGlite', () => {
  let db: PgliteDatabase;
  let dir: string;
  type Row = Record<string, unknown>;
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const orders = () => db.table(model);
  const read = () => db.query<Row>('select id, status, note, qty from shop.orders order by id');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upshift-partial-'));
    db = new PgliteDatabase({ dataDir: join(dir, 'data') });
    await orders().create();
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('JSON lines: refused when no line gives a column; partial needs the same keys on every line', async () => {
    await orders().replace([{ id: 1n, status: 'new', note: 'fragile', qty: 2 }]);
    const noNote = file(
      'a.jsonl',
      '{"id":1,"status":"paid","qty":2}\n{"id":2,"status":"new","at":"2026-11-25T00:00:00Z"}\n',
    );
    const err = (await orders()
      .loadFrom(fromLocalFile(noNote))
      .catch((e: unknown) => e)) as LoadError;
    expect(err).toBeInstanceOf(LoadError);
    expect(err.message).toMatch(
      new RegExp(
        `column "note": is in no record of local file: ${noNote.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(jsonl\\) \\(missing: note;`,
      ),
    );
    expect(await read()).toEqual([{ id: 1n, status: 'new', note: 'fragile', qty: 2 }]);
    const mixed = (await orders()
      .loadFrom(fromLocalFile(noNote), { partial: true })
      .catch((e: unknown) => e)) as LoadError;
    expect(mixed).toMatchObject({ file: noNote, line: 2, column: 'qty' });
    expect(mixed.message).toMatch(/is missing, but the first row gives it/);
    const statuses = file('b.jsonl', '{"id":1,"status":"paid"}\n{"id":3,"status":"new"}\n');
    expect(await orders().loadFrom(fromLocalFile(statuses), { partial: true })).toMatchObject({
      updated: 1,
      inserted: 1,
    });
    expect(await read()).toEqual([
      { id: 1n, status: 'paid', note: 'fragile', qty: 2 },
      { id: 3n, status: 'new', note: null, qty: 1 },
    ]);
  });

  it('append and replace from a file lacking columns insert with defaults / NULL, as before', async () => {
    const ids = file('ids.csv', 'id,status\n10,a\n11,b\n');
    await orders().replace([]);
    expect(await orders().loadFrom(fromLocalFile(ids), { mode: 'append' })).toMatchObject({ inserted: 2 });
    expect(await orders().loadFrom(fromLocalFile(ids), { mode: 'replace' })).toMatchObject({ inserted: 2, deleted: 2 });
    expect(await read()).toEqual([
      { id: 10n, status: 'a', note: null, qty: 1 },
      { id: 11n, status: 'b', note: null, qty: 1 },
    ]);
  });

  it('tuple rows give every column, so partial with tuples updates them all', async () => {
    await orders().replace([{ id: 1n, status: 'x', note: 'n', qty: 5 }]);
    const r = await orders().loadFrom(fromInMemory([[1n, 'y', null, 6, null]]), { partial: true });
    expect(r).toMatchObject({ updated: 1, inserted: 0 });
    expect(await read()).toEqual([{ id: 1n, status: 'y', note: null, qty: 6 }]);
  });
});
