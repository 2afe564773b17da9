// The engine's behaviour, asserted the same way on every warehouse with a connection here.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  LoadError,
  RowValidationError,
  defineTable,
  fromLocalFile,
  sql,
  t,
  type BoundTable,
  type TableModel,
} from '../../src/index.js';
import type { Warehouse } from '../../src/warehouse/index.js';
import { candies, candyModel } from './fixtures.js';

export interface EngineHarness {
  db: Warehouse & { table: <T extends ReturnType<typeof candyModel>>(m: T) => BoundTable<T> };
  schema: string;
}

type Row = Record<string, unknown>;

export function engineBehaviour(get: () => EngineHarness) {
  const fresh = async (suffix: string) => {
    const { db, schema } = get();
    const model = defineTable(`${schema}.candy_${suffix}`, candyModel(schema).columns, { upsertKey: ['id'] });
    const table = uniqueKeysChecked(db, db.table(model));
    await table.create();
    return { db, table, name: `"${schema}"."candy_${suffix}"` };
  };
  const bind = <T extends TableModel>(db: Warehouse, model: T) =>
    uniqueKeysChecked(db, (db as unknown as { table: (m: T) => BoundTable<T> }).table(model));
  const audit = async (db: Warehouse, loadId: string) =>
    (await db.query<Row>(`select * from "${db.auditSchema}".load_audit where load_id = $1`, [loadId]))[0];

  it('upsert dedupes within one batch: the last row per key wins', async () => {
    const { db, table, name } = await fresh('dedupe');
    const r = await table.upsert([
      { id: 1n, name: 'first', updated_at: '2026-11-24T00:00:00Z' },
      { id: 2n, name: 'only', updated_at: '2026-11-24T00:00:00Z' },
      { id: 1, name: 'second', updated_at: '2026-11-24T00:00:01Z' },
      { id: 1n, name: 'last', updated_at: '2026-11-24T00:00:00Z' },
    ]);
    expect(r).toMatchObject({ staged: 4, inserted: 2, updated: 0, deleted: 0, duplicates: 2 });
    const rows = await db.query<Row>(`select id, name from ${name} order by id`);
    expect(rows).toEqual([
      { id: 1n, name: 'last' },
      { id: 2n, name: 'only' },
    ]);
    // Sorted input with a repeated key is not strictly increasing: still deduped.
    const sorted = await table.upsert([
      { id: 3n, name: 'a', updated_at: new Date(0) },
      { id: 3n, name: 'b', updated_at: new Date(0) },
      { id: 4n, name: 'c', updated_at: new Date(0) },
    ]);
    expect(sorted).toMatchObject({ duplicates: 1, inserted: 2 });
    expect(await db.query<Row>(`select name from ${name} where id = 3`)).toEqual([{ name: 'b' }]);
  });

  it('keys the database calls equal are deduped even when they look increasing in JS', async () => {
    const { db, schema } = get();
    // Each pair differs in JS and increases, but the warehouse compares the two keys as equal.
    const pairs = [
      { kind: 'decimal', column: t.decimal(10, 2).notNull(), keys: ['1.5', '1.50'] },
      { kind: 'char', column: t.char(3).notNull(), keys: ['a', 'a '] },
      { kind: 'real', column: t.real().notNull(), keys: [16777216, 16777217] },
      { kind: 'interval', column: t.intervalDayToSecond().notNull(), keys: ['1 day', '24 hours'] },
    ] as const;
    for (const { kind, column, keys } of pairs) {
      const model = defineTable(
        `${schema}.sqleq_${kind}`,
        { k: column, v: t.integer().notNull() },
        { upsertKey: ['k'] },
      );
      const table = bind(db, model);
      await table.create();
      const r = await table.upsert([
        { k: keys[0], v: 1 },
        { k: keys[1], v: 2 },
      ] as never);
      expect(r, kind).toMatchObject({ staged: 2, inserted: 1, duplicates: 1 });
      expect(await db.query<Row>(`select v from "${schema}".sqleq_${kind}`), kind).toEqual([{ v: 2 }]);
    }
  });

  it('keys whose equality differs between warehouses still never repeat after an upsert', async () => {
    const { db, schema } = get();
    // timetz: Postgres compares the UTC time, then the zone; VARCHAR: Redshift ignores trailing
    // blanks, Postgres doesn't. Whatever the warehouse decides, its own GROUP BY finds no repeat.
    const pairs = [
      { kind: 'timetz', column: t.timetz().notNull(), keys: ['09:00:00+00', '10:00:00+01'] },
      { kind: 'varchar', column: t.varchar(8).notNull(), keys: ['a', 'a '] },
    ] as const;
    for (const { kind, column, keys } of pairs) {
      const table = bind(
        db,
        defineTable(`${schema}.sqleq2_${kind}`, { k: column, v: t.integer().notNull() }, { upsertKey: ['k'] }),
      );
      await table.create();
      await table.upsert([
        { k: keys[0], v: 1 },
        { k: keys[1], v: 2 },
      ] as never);
      await table.upsert([
        { k: keys[1], v: 3 },
        { k: keys[0], v: 4 },
      ] as never);
    }
  });

  it('orderBy: NULL loses to any value, ties go to the later row in load order', async () => {
    const { db, schema } = get();
    const model = defineTable(
      `${schema}.order_nulls`,
      { id: t.integer().notNull(), v: t.integer(), name: t.varchar(8) },
      { upsertKey: ['id'] },
    );
    const table = bind(db, model);
    await table.create();
    const r = await table.upsert(
      [
        { id: 1, v: null, name: 'a' },
        { id: 1, v: 5, name: 'b' },
        { id: 1, v: null, name: 'c' },
        { id: 2, v: null, name: 'x' },
        { id: 2, v: null, name: 'y' },
        { id: 3, v: 1, name: 'p' },
        { id: 3, v: 1, name: 'q' },
        { id: 3, v: 0, name: 'r' },
      ],
      { orderBy: 'v' },
    );
    expect(r).toMatchObject({ staged: 8, inserted: 3, duplicates: 5 });
    expect(await db.query<Row>(`select id, v, name from "${schema}".order_nulls order by id`)).toEqual([
      { id: 1, v: 5, name: 'b' },
      { id: 2, v: null, name: 'y' },
      { id: 3, v: 1, name: 'q' },
    ]);
  });

  it('orderBy must name an own column of the model (not an Object.prototype name)', async () => {
    const { table } = await fresh('orderby_proto');
    for (const orderBy of ['toString', '__proto__', 'constructor', 'nope']) {
      await expect(table.upsert([{ id: 1n, updated_at: new Date(0) }], { orderBy: orderBy })).rejects.toThrow(
        /orderBy names/,
      );
    }
  });

  it('orderBy is refused where it would pick nothing: a column a partial upsert does not give, or a mode without dedupe', async () => {
    const { db, schema } = get();
    const model = defineTable(
      `${schema}.order_given`,
      { id: t.integer().notNull(), status: t.varchar(8), ver: t.integer() },
      { upsertKey: ['id'] },
    );
    const table = bind(db, model);
    await table.create();
    await table.upsert([{ id: 1, status: 'seed', ver: 5 }]);
    const read = () => db.query<Row>(`select id, status, ver from "${schema}".order_given order by id`);
    const before = await read();
    const file = join(mkdtempSync(join(tmpdir(), 'upshift-order-')), 'status.csv');
    // ver 2 should win by orderBy, but the file has no ver: the load would fall back to load order (b).
    writeFileSync(file, 'id,status\n1,a\n1,b\n');
    const notGiven = /orderBy names "ver", which .* does not give \(given: id, status\)/;
    await expect(table.loadFrom(fromLocalFile(file), { partial: true, orderBy: 'ver' })).rejects.toThrow(notGiven);
    await expect(
      table.upsert(
        [
          { id: 1, status: 'x' },
          { id: 1, status: 'y' },
        ] as never,
        { partial: true, orderBy: 'ver' },
      ),
    ).rejects.toThrow(notGiven);
    for (const mode of ['append', 'replace'] as const)
      await expect(table[mode]([{ id: 9, status: 'z', ver: 1 }], { orderBy: 'ver' })).rejects.toThrow(
        new RegExp(`orderBy picks the winner among rows with one upsert key: it applies to upsert only; ${mode}`),
      );
    expect(await read()).toEqual(before);
    // Whole typed rows: an omitted column is NULL, and a NULL loses to any value.
    await table.upsert(
      [
        { id: 1, status: 'with ver', ver: 1 },
        { id: 1, status: 'no ver' },
      ],
      { orderBy: 'ver' },
    );
    expect(await read()).toEqual([{ id: 1, status: 'with ver', ver: 1 }]);
  });

  it('upsert across batches updates existing keys and inserts new ones, with an audit row each', async () => {
    const { db, table, name } = await fresh('batches');
    const first = await table.upsert(candies(100, 0, 'v1'));
    expect(first).toMatchObject({ staged: 100, inserted: 100, updated: 0 });
    const second = await table.upsert(candies(100, 50, 'v2'));
    expect(second).toMatchObject({ staged: 100, inserted: 50, updated: 50 });
    const counts = await db.query<Row>(
      `select count(*)::int as n, count(*) filter (where name like '%v2')::int as v2 from ${name}`,
    );
    expect(counts[0]).toEqual({ n: 150, v2: 100 });
    const a = await audit(db, second.loadId);
    expect(a).toMatchObject({
      status: 'succeeded',
      mode: 'upsert',
      rows_staged: 100n,
      rows_inserted: 50n,
      rows_updated: 50n,
      error: null,
    });
    expect(JSON.parse(String(a!.stage_uris))).toEqual(second.stageUris);
  });

  it('append inserts every row; replace swaps the contents in one transaction', async () => {
    const { db, table, name } = await fresh('modes');
    await table.append(candies(10));
    const again = await table.append(candies(10));
    expect(again).toMatchObject({ inserted: 10, updated: 0 });
    expect((await db.query<Row>(`select count(*)::int as n from ${name}`))[0]!.n).toBe(20);
    const rep = await table.replace(candies(3, 1000));
    expect(rep).toMatchObject({ deleted: 20, inserted: 3 });
    expect((await db.query<Row>(`select min(id) as lo, count(*)::int as n from ${name}`))[0]).toEqual({
      lo: 1000n,
      n: 3,
    });
  });

  it('keeps NULL and empty string apart, and the nasty values exact', async () => {
    const { db, table, name } = await fresh('nasty');
    const nasty = ['', '\\N', 'NULL', 'a,b', 'say "hi"', 'line\nbreak', 'crlf\r\nend', ' padded ', 'emoji 😀 é', '\\'];
    await table.upsert([
      { id: 0n, name: null, updated_at: new Date(0) },
      ...nasty.map((s, i) => ({
        id: BigInt(i + 1),
        name: s,
        price: '-12345678.99',
        tags: { s, n: [1, null] },
        updated_at: '2026-11-24T10:00:00.123456+02:00',
      })),
      { id: 9007199254740993n, name: 'big', updated_at: new Date(0) },
    ]);
    const rows = await db.query<Row>(
      `select id, name, price, tags, to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') as ts from ${name} order by id`,
    );
    expect(rows[0]).toMatchObject({ id: 0n, name: null });
    // SUPER reads back as JSON text over Redshift's wire protocol, as parsed jsonb on Postgres.
    for (const r of rows) if (typeof r.tags === 'string') r.tags = JSON.parse(r.tags);
    nasty.forEach((s, i) =>
      expect(rows[i + 1]).toEqual({
        id: BigInt(i + 1),
        name: s,
        price: '-12345678.99',
        tags: { s, n: [1, null] },
        ts: '2026-11-24 08:00:00.123456',
      }),
    );
    expect(rows.at(-1)).toMatchObject({ id: 9007199254740993n, name: 'big' });
  });

  it('a bad row fails the load before anything is staged: target unchanged, failed audit row', async () => {
    const { db, table, name } = await fresh('badrow');
    await table.upsert(candies(5));
    const before = await db.query<Row>(`select * from ${name} order by id`);
    const rows = [...candies(3, 100), { id: 7n, name: 'x'.repeat(65), updated_at: new Date() }];
    const err = await table.upsert(rows).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RowValidationError);
    expect(err).toMatchObject({ rowIndex: 3, column: 'name', rule: 'varchar length' });
    expect(await db.query<Row>(`select * from ${name} order by id`)).toEqual(before);
    const failed = await db.query<Row>(
      `select status, error from "${db.auditSchema}".load_audit where target_table = $1 and status = 'failed'`,
      [table.model.qualifiedName],
    );
    expect(failed).toHaveLength(1);
    expect(String(failed[0]!.error)).toMatch(/row 3, column "name"/);
  });

  it('an aborted signal cancels the load: target unchanged, the failed audit row gives the reason', async () => {
    const { db, table, name } = await fresh('aborted');
    await table.upsert(candies(5));
    const before = await db.query<Row>(`select * from ${name} order by id`);
    const signal = AbortSignal.abort(new Error('cancelled by the operator'));
    await expect(table.upsert(candies(5, 3, 'v2'), { signal })).rejects.toThrow('cancelled by the operator');
    expect(await db.query<Row>(`select * from ${name} order by id`)).toEqual(before);
    const failed = await db.query<Row>(
      `select error from "${db.auditSchema}".load_audit where target_table = $1 and status = 'failed'`,
      [table.model.qualifiedName],
    );
    expect(failed.map((f) => String(f.error))).toEqual([expect.stringContaining('cancelled by the operator')]);
  });

  it('upsert without an upsertKey is a clear error', async () => {
    const { db, schema } = get();
    const keyless = defineTable(`${schema}.keyless`, { id: t.integer() });
    const table = (db as unknown as { table: (m: typeof keyless) => BoundTable<typeof keyless> }).table(keyless);
    await table.create();
    await expect(table.upsert([{ id: 1 }])).rejects.toThrow(/needs an upsertKey/);
    await table.append([{ id: 1 }]);
    expect(await db.query<Row>(`select id from "${schema}".keyless`)).toEqual([{ id: 1 }]);
  });

  it('two concurrent upserts into one table both land', async () => {
    const { db, table, name } = await fresh('concurrent');
    const [a, b] = await Promise.all([table.upsert(candies(500, 0, 'a')), table.upsert(candies(500, 250, 'b'))]);
    expect(a.staged + b.staged).toBe(1000);
    const rows = await db.query<Row>(`select count(*)::int as n from ${name}`);
    expect(rows[0]!.n).toBe(750);
    // Whichever committed second owns the overlap 250..499.
    const overlap = await db.query<Row>(
      `select count(distinct right(name, 1))::int as owners from ${name} where id between 250 and 499`,
    );
    expect(overlap[0]!.owners).toBe(1);
  });

  it('reports progress, applies SQL defaults to missing columns, and matches NULL keys when asked', async () => {
    const { db, schema } = get();
    const model = defineTable(
      `${schema}.defaults`,
      {
        k1: t.integer().notNull(),
        k2: t.varchar(8),
        v: t.integer(),
        at: t.timestamptz().notNull().default(sql('current_timestamp')),
        tag: t.varchar(8).notNull().default('new'),
      },
      { upsertKey: ['k1', 'k2'], nullSafeUpsertKey: true },
    );
    const table = (db as unknown as { table: (m: typeof model) => BoundTable<typeof model> }).table(model);
    await table.create();
    const seen: number[] = [];
    await table.upsert(
      [
        { k1: 1, k2: null, v: 1 },
        { k1: 1, k2: 'a', v: 1 },
      ],
      { onProgress: (p) => seen.push(p.rows) },
    );
    expect(seen.at(-1)).toBe(2);
    const r = await table.upsert([{ k1: 1, k2: null, v: 2, tag: 'upd' }]);
    expect(r).toMatchObject({ inserted: 0, updated: 1 });
    const rows = await db.query<Row>(
      `select k1, k2, v, tag, at is not null as has_at from "${schema}".defaults order by k2 nulls first`,
    );
    expect(rows).toEqual([
      { k1: 1, k2: null, v: 2, tag: 'upd', has_at: true },
      { k1: 1, k2: 'a', v: 1, tag: 'new', has_at: true },
    ]);
  });

  it('exports LoadError for COPY failures', () => {
    expect(new LoadError('s.t', [{ file: 'f', line: 2, column: 'c', value: 'v', reason: 'bad' }]).message).toBe(
      'Load into s.t failed at file f, line 2, column "c", value "v": bad',
    );
  });

  // ---- partial upserts: data the user did not give is kept, or the load is refused ----------

  describe('upsert from a source that lacks columns', () => {
    const csv = (text: string) => {
      const path = join(mkdtempSync(join(tmpdir(), 'upshift-partial-')), 'status.csv');
      writeFileSync(path, text);
      return path;
    };
    const seed = async (table: BoundTable<ReturnType<typeof candyModel>>) =>
      table.upsert([
        { id: 1n, name: 'one', price: '1.50', tags: ['keep'], updated_at: '2026-11-24T00:00:00Z' },
        { id: 2n, name: 'two', price: '2.50', tags: ['keep'], updated_at: '2026-11-24T00:00:00Z' },
      ]);
    const read = async (db: Warehouse, name: string) =>
      (await db.query<Row>(`select id, name, price, tags, updated_at from ${name} order by id`)).map((r) =>
        typeof r.tags === 'string' ? { ...r, tags: JSON.parse(r.tags) as unknown } : r,
      );

    it('is refused by default, before anything is staged, naming the missing columns and the choices', async () => {
      const { db, table, name } = await fresh('partial_refused');
      await seed(table);
      const before = await read(db, name);
      const file = csv('id,name,updated_at\n1,renamed,2026-11-25T00:00:00Z\n');
      const err = (await table.loadFrom(fromLocalFile(file)).catch((e: unknown) => e)) as LoadError;
      expect(err).toBeInstanceOf(LoadError);
      expect(err).toMatchObject({ file, column: 'price' });
      expect(err.message).toMatch(
        /missing: price, tags; given: id, name, updated_at\)\. An upsert replaces whole rows/,
      );
      expect(err.message).toMatch(
        /Give every column \(id, name, price, tags, updated_at\), or load with partial: true \(CLI --partial\)/,
      );
      expect(await read(db, name)).toEqual(before);
      const failed = await db.query<Row>(
        `select status, stage_uris from "${db.auditSchema}".load_audit where target_table = $1 and status = 'failed'`,
        [table.model.qualifiedName],
      );
      expect(failed).toEqual([{ status: 'failed', stage_uris: '[]' }]);
    });

    it('partial: updates only the given columns of matched keys (last line wins), inserts new keys with NULL / defaults', async () => {
      const { db, table, name } = await fresh('partial_csv');
      await seed(table);
      const file = csv(
        'id,name,updated_at\n1,first try,2026-11-25T00:00:00Z\n3,new,2026-11-25T00:00:00Z\n1,renamed,2026-11-25T00:00:01Z\n',
      );
      const r = await table.loadFrom(fromLocalFile(file), { partial: true });
      expect(r).toMatchObject({ staged: 3, duplicates: 1, updated: 1, inserted: 1, deleted: 0 });
      expect(await read(db, name)).toEqual([
        { id: 1n, name: 'renamed', price: '1.50', tags: ['keep'], updated_at: new Date('2026-11-25T00:00:01Z') },
        { id: 2n, name: 'two', price: '2.50', tags: ['keep'], updated_at: new Date('2026-11-24T00:00:00Z') },
        { id: 3n, name: 'new', price: null, tags: null, updated_at: new Date('2026-11-25T00:00:00Z') },
      ]);
      expect(await audit(db, r.loadId)).toMatchObject({
        status: 'succeeded',
        rows_staged: 3n,
        rows_inserted: 1n,
        rows_updated: 1n,
      });
    });

    it('typed rows: an omitted optional column is NULL (the row is replaced whole); partial keeps it', async () => {
      const { db, table, name } = await fresh('partial_rows');
      await seed(table);
      const whole = await table.upsert([{ id: 1n, name: 'whole', updated_at: '2026-11-25T00:00:00Z' }]);
      expect(whole).toMatchObject({ updated: 1, inserted: 0 });
      const part = await table.upsert(
        [
          { id: 2n, name: 'part', updated_at: '2026-11-25T00:00:00Z' },
          { id: 4n, name: 'new', updated_at: '2026-11-25T00:00:00Z' },
        ],
        { partial: true },
      );
      expect(part).toMatchObject({ updated: 1, inserted: 1 });
      expect((await read(db, name)).map((r) => [r.id, r.name, r.price, r.tags])).toEqual([
        [1n, 'whole', null, null],
        [2n, 'part', '2.50', ['keep']],
        [4n, 'new', null, null],
      ]);
      // Every row of a partial upsert gives the first row's columns: no row silently writes NULL where another updates.
      const before = await read(db, name);
      const err = await table
        .upsert(
          [
            { id: 1n, name: 'a', updated_at: new Date(0) },
            { id: 2n, name: 'b', price: '9.00', updated_at: new Date(0) },
          ],
          { partial: true },
        )
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RowValidationError);
      expect(err).toMatchObject({ rowIndex: 1, column: 'price', rule: 'partial upsert columns' });
      expect(await read(db, name)).toEqual(before);
    });

    it('partial: SQL and value defaults and IDENTITY for new keys, NULL-safe keys matched, untouched columns kept', async () => {
      const { db, schema } = get();
      const model = defineTable(
        `${schema}.partial_defaults`,
        {
          seq: t.bigint().identity(),
          k1: t.integer().notNull(),
          k2: t.varchar(8),
          v: t.integer(),
          note: t.varchar(8),
          at: t.timestamptz().notNull().default(sql('current_timestamp')),
          tag: t.varchar(8).notNull().default('new'),
        },
        { upsertKey: ['k1', 'k2'], nullSafeUpsertKey: true },
      );
      const table = bind(db, model);
      await table.create();
      await table.upsert([
        { k1: 1, k2: null, v: 1, note: 'n1', tag: 'old' },
        { k1: 1, k2: 'a', v: 1, note: 'na', tag: 'old' },
      ]);
      const seqs = async () =>
        (await db.query<Row>(`select seq from "${schema}".partial_defaults order by k1, k2 nulls first`)).map(
          (x) => x.seq,
        );
      const [seqNull, seqA] = await seqs();
      const r = await table.upsert(
        [
          { k1: 1, k2: null, v: 2 },
          { k1: 2, k2: null, v: 3 },
        ],
        { partial: true },
      );
      expect(r).toMatchObject({ updated: 1, inserted: 1 });
      const rows = await db.query<Row>(
        `select k1, k2, v, note, tag, at is not null as has_at from "${schema}".partial_defaults order by k1, k2 nulls first`,
      );
      expect(rows).toEqual([
        { k1: 1, k2: null, v: 2, note: 'n1', tag: 'old', has_at: true },
        { k1: 1, k2: 'a', v: 1, note: 'na', tag: 'old', has_at: true },
        { k1: 2, k2: null, v: 3, note: null, tag: 'new', has_at: true },
      ]);
      // Updated in place: the matched row keeps its IDENTITY value; the new one gets a fresh one.
      const after = await seqs();
      expect(after.slice(0, 2)).toEqual([seqNull, seqA]);
      expect(after[2]).not.toBeNull();
      expect([seqNull, seqA]).not.toContain(after[2]);
    });

    it('partial is refused outside upsert, and without a column to update', async () => {
      const { db, table, name } = await fresh('partial_refusals');
      await seed(table);
      const before = await read(db, name);
      await expect(
        table.loadFrom(fromLocalFile(csv('id,name,updated_at\n5,x,2026-11-25T00:00:00Z\n')), {
          mode: 'append',
          partial: true,
        }),
      ).rejects.toThrow(/partial applies to upsert only; append/);
      const keyOnly = defineTable(
        `${get().schema}.partial_key_only`,
        { id: t.bigint().notNull(), name: t.varchar(8) },
        { upsertKey: ['id'] },
      );
      const bound = bind(db, keyOnly);
      await bound.create();
      await expect(bound.upsert([{ id: 1n }], { partial: true })).rejects.toThrow(
        /a partial upsert updates the given columns besides the key \(id\), but none is given/,
      );
      expect(await read(db, name)).toEqual(before);
    });
  });
}

/**
 * The invariant every upsert keeps, checked after each one in this suite: no upsert key occurs
 * twice in the target, as the warehouse itself compares keys (GROUP BY uses its equality).
 */
export function uniqueKeysChecked<T extends TableModel>(db: Warehouse, table: BoundTable<T>): BoundTable<T> {
  const loadFrom = table.loadFrom.bind(table);
  table.loadFrom = async (source, options = {}) => {
    const result = await loadFrom(source, options);
    const key = table.model.options.upsertKey;
    if ((options.mode ?? 'upsert') === 'upsert' && key.length > 0) {
      const cols = key.map((k) => `"${k}"`).join(', ');
      const repeated = await db.query(
        `select ${cols}, count(*) as copies from "${table.model.schema}"."${table.model.name}" group by ${cols} having count(*) > 1 limit 5`,
      );
      expect(repeated, `upsert key repeated in ${table.model.qualifiedName}`).toEqual([]);
    }
    return result;
  };
  return table;
}
