// Query parameters inlined as literals must mean exactly what bind parameters mean, and a
// query source that fails half-way must fail at once and leave its connection usable or closed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoadError, LocalStage, PostgresDatabase, fromPostgresQuery } from '../../src/index.js';
import { inlineParameters, postgresLiterals, type QueryParam } from '../../src/sql/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { candyModel } from './fixtures.js';

let s: TestSchema;
let db: PostgresDatabase;
let dir: string;

beforeAll(async () => {
  s = await createTestSchema('src_query');
  dir = mkdtempSync(join(tmpdir(), 'upshift-src-query-'));
  db = new PostgresDatabase({
    connectionString: s.url,
    stage: new LocalStage({ dir }),
    auditSchema: `${s.schema}_audit`,
  });
});
afterAll(async () => {
  await db.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await db.close();
  await s.drop();
  rmSync(dir, { recursive: true, force: true });
});

const inlineParams = (sql: string, params: readonly QueryParam[]) => inlineParameters(sql, params, postgresLiterals);

describe('query parameters inlined as literals', () => {
  const values = [
    "it's",
    'back\\slash',
    "'; drop table x; --",
    'ünïcödé 😀',
    '',
    '$1',
    42,
    -1.5,
    12345678901234567890n,
    true,
    false,
    null,
    new Date('2026-11-24T10:00:00.123Z'),
    { a: [1, "q'"] },
    new Uint8Array([0, 255, 39]),
  ];

  it.each(values.map((v) => [v]))('%s: the inlined literal gives what a bind parameter gives', async (v) => {
    const sql = 'select $1::text as t';
    const typed =
      v instanceof Date ? 'select $1::timestamptz as t' : v instanceof Uint8Array ? 'select $1::bytea as t' : sql;
    const bound = await s.pool.query(typed, [v]);
    const inlined = await s.pool.query(inlineParams(typed, [v]));
    expect(inlined.rows).toEqual(bound.rows);
  });

  it('leaves $n alone inside strings, quoted identifiers, comments and dollar quotes; checks the count', () => {
    const sql = `select '$1', "$1", E'\\'$1', $$ $1 $$, $tag$ $1 $tag$ /* $1 /* nested $1 */ */ -- $1\n, $1, x$1`;
    expect(inlineParams(sql, ['v'])).toBe(
      `select '$1', "$1", E'\\'$1', $$ $1 $$, $tag$ $1 $tag$ /* $1 /* nested $1 */ */ -- $1\n, 'v', x$1`,
    );
    expect(() => inlineParams('select $2', ['a'])).toThrow(/uses \$2 but 1 parameter\(s\) were given/);
    expect(() => inlineParams('select $1', ['a', 'b'])).toThrow(/\$2 given but not used/);
    expect(() => inlineParams('select $1', [[1, 2] as never])).toThrow(/is an array/);
  });
});

describe('a query source that fails half-way', () => {
  it('fails at once (no draining of the rest of the result) and the target stays unchanged', async () => {
    const table = db.table(candyModel(s.schema, 'halfway'));
    await table.create();
    const pg = (await import('pg')).default;
    const pool = new pg.Pool({ connectionString: s.url, max: 1 });
    try {
      const sql = `select g as id, case when g = 10 then 'bad' else '1.00' end as price, now() as updated_at from generate_series(1, 3000000) g`;
      for (const options of [{ connectionString: s.url }, { pool }]) {
        const started = Date.now();
        // partial: the query gives some columns only, which a whole-row upsert would refuse before its bad row.
        const err = await table.loadFrom(fromPostgresQuery(sql, options), { partial: true }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(LoadError);
        expect(err).toMatchObject({ line: 11, column: 'price', value: 'bad' });
        expect(Date.now() - started).toBeLessThan(3000);
      }
      // The pool's one connection was discarded, not left mid-COPY: the pool still answers.
      expect((await pool.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
      expect(await db.query(`select count(*)::int as n from "${s.schema}".halfway`)).toEqual([{ n: 0 }]);
    } finally {
      await pool.end();
    }
  });
});
