// Inlined parameters mean what bind parameters mean: the same query, bound and inlined, gives
// the same rows or the same error on a real Postgres, whatever the context types $1 as.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { inlineParameters, postgresLiterals } from '../../src/sql/index.js';
import { testDatabaseUrl } from '../helpers/pg.js';

let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
});
afterAll(() => pool.end());

const outcome = (p: Promise<pg.QueryResult>) =>
  p.then(
    (r) => ({ rows: r.rows as unknown }),
    (e: Error) => ({ error: e.message }),
  );

describe('inlined parameters are typed by their context, as bind parameters are', () => {
  const cases: Array<[string, unknown[]]> = [
    ['select $1 + 1 as v', [41]],
    ['select $1 = 42 as v', [42]],
    ['select $1 / 2 as v', [-1.5]], // an integer context: '-1.5' is refused, bound or inlined
    ['select $1 * 1.5 as v', [3]],
    ['select g from generate_series(1, 10) g where g > $1 limit $2', [7, 2]],
    ['select $1::bigint as v', [2n ** 62n]],
    ['select not $1 as v', [true]],
    ['select $1::date + 1 as v', ['2026-02-28']],
    ['select $1::jsonb -> $2 as v', [{ a: [1, "q'"] }, 'a']],
    ['select length($1::bytea) as v', [new Uint8Array([0, 255, 39])]],
    ['select $1::text is null as v', [null]],
  ];
  it.each(cases)('%s', async (sql, params) => {
    const bound = await outcome(pool.query(sql, params));
    const inlined = await outcome(pool.query(inlineParameters(sql, params, postgresLiterals)));
    expect(inlined).toEqual(bound);
  });
});
