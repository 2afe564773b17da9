// Emulators (or sessions) starting at once on a database the catalog and the function library are
// not yet installed in: each installer waits for the one before it and then sees its work, also
// when the Postgres server's default isolation is SERIALIZABLE (the emulator's backend sessions
// always are). Under a serializable snapshot taken before the advisory lock was granted, the later
// installers failed with "could not serialize access due to read/write dependencies".
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureCatalog } from '../../src/emulator/catalog.js';
import { ensureFunctions } from '../../src/emulator/functions.js';

const url = process.env.UPSHIFT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const serializable = '-c default_transaction_isolation=serializable';
const schemas: string[] = [];
const fresh = (what: string): string => {
  const s = `upshift_race_${what}_${process.pid}_${Date.now()}`;
  schemas.push(s);
  return s;
};
const outcomes = (r: PromiseSettledResult<unknown>[]): string[] =>
  r.map((x) => (x.status === 'fulfilled' ? 'ok' : String((x.reason as Error).message)));

afterAll(async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const s of schemas) await c.query(`drop schema if exists "${s}" cascade`);
  await c.end();
});

describe('installing into a new database from several sessions at once', () => {
  it('the function library: three serializable backend sessions all succeed and share one install', async () => {
    const schema = fresh('fn');
    const clients = await Promise.all(
      [0, 1, 2].map(async () => {
        const c = new pg.Client({ connectionString: url, options: serializable });
        await c.connect();
        return c;
      }),
    );
    try {
      // Distinct URLs: the per-process memo would otherwise let only the first one install.
      const r = await Promise.allSettled(clients.map((c, i) => ensureFunctions(c, `${url}?race=${i}`, schema)));
      expect(outcomes(r)).toEqual(['ok', 'ok', 'ok']);
      const v = await clients[0]!.query(
        `select count(*)::int as n, max(version) as v from "${schema}".function_library`,
      );
      expect(v.rows[0]).toMatchObject({ n: 1 });
      expect(
        (await clients[0]!.query(`select "${schema}".datediff('week', '2009-01-01'::date, '2009-12-31'::date) as w`))
          .rows[0].w,
      ).toBe('52');
    } finally {
      for (const c of clients) await c.end();
    }
  });

  it('the catalog: three emulators on a server whose default isolation is serializable', async () => {
    const schema = fresh('cat');
    const u = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(serializable)}`;
    const r = await Promise.allSettled([0, 1, 2].map(() => ensureCatalog(u, schema)));
    expect(outcomes(r)).toEqual(['ok', 'ok', 'ok']);
  });
});
