import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('protocol');
});
afterAll(async () => {
  await f?.close();
});

describe('wire protocol through the emulator', () => {
  it('answers select version() with a Redshift version string', async () => {
    const r = await f.client.query('select version()');
    expect(r.fields[0]!.name).toBe('version');
    expect(r.rows[0].version).toMatch(/^PostgreSQL 8\.0\.2 .*Redshift 1\.0\.\d+$/);
  });

  it('reports server_version 8.0.2 at startup', async () => {
    const c = await f.connect();
    expect((c as unknown as { connection: unknown }).connection).toBeDefined();
    const r = await c.query('show server_version');
    // The backend answers SHOW; the startup parameter is what drivers read.
    expect(r.rows).toHaveLength(1);
  });

  it('passes parameterized (extended protocol) queries through', async () => {
    const r = await f.client.query('select $1::int + $2::int as n, $3::text as s', [2, 3, 'héllo']);
    expect(r.rows[0]).toEqual({ n: 5, s: 'héllo' });
  });

  it('streams a large result', async () => {
    const r = await f.client.query('select g, md5(g::text) from generate_series(1, 100000) g');
    expect(r.rowCount).toBe(100000);
    expect(r.rows[99999].g).toBe(100000);
  });

  it('keeps temp tables per session', async () => {
    const a = await f.connect();
    const b = await f.connect();
    await a.query('create temp table only_a (x int)');
    await a.query('insert into only_a values (1)');
    expect((await a.query('select count(*)::int as n from only_a')).rows[0].n).toBe(1);
    await expect(b.query('select * from only_a')).rejects.toThrow(/does not exist/);
  });

  it('relays errors and recovers for the next query', async () => {
    await expect(f.client.query('select * from no_such_table_x')).rejects.toMatchObject({ code: '42P01' });
    await expect(f.client.query('select 1/0 as x', [])).rejects.toMatchObject({ code: '22012' });
    await expect(f.client.query('select $1::int as x', ['nope'])).rejects.toMatchObject({ code: '22P02' });
    expect((await f.client.query('select 1 as one')).rows[0].one).toBe(1);
  });

  it('runs multi-statement simple queries, including ones the emulator handles itself', async () => {
    const r = await f.client.query(
      "create table multi (id int, name varchar(10)) diststyle even; insert into multi values (1, 'a'); select count(*)::int as n from multi",
    );
    const results = r as unknown as pg.QueryResult[];
    expect(results).toHaveLength(3);
    expect(results[2]!.rows[0].n).toBe(1);
  });

  it('translates pg_catalog-qualified names and getdate()', async () => {
    const r = await f.client.query('select getdate() as d');
    expect(r.rows[0].d).toBeInstanceOf(Date);
  });

  it('works under Kysely: schema builder DDL, parameterized inserts and selects; its advisory-lock migrations are refused', async () => {
    const db = new Kysely<Record<string, Record<string, unknown>>>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: f.emulator.url, max: 1 }) }),
    });
    try {
      const ws = db.withSchema(f.schema.schema);
      await ws.schema
        .createTable('k_items')
        .addColumn('id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'varchar(20)')
        .execute();
      await ws
        .insertInto('k_items')
        .values([
          { id: 1, name: 'a' },
          { id: 2, name: 'b' },
        ])
        .execute();
      const rows = await ws.selectFrom('k_items').select(['id', 'name']).where('id', '=', 2).execute();
      expect(rows).toEqual([{ id: '2', name: 'b' }]);
      await expect(sql`select pg_advisory_xact_lock(${1})`.execute(db)).rejects.toThrow(
        /pg_advisory_xact_lock\(bigint\) does not exist/,
      );
    } finally {
      await db.destroy();
    }
  });

  it("forwards a CancelRequest to the session's backend", async () => {
    const c = await f.connect();
    const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
    const running = c.query('select pg_sleep(20)').then(
      () => undefined,
      (err: unknown) => err as { code: string },
    );
    await new Promise((r) => setTimeout(r, 300));
    const req = Buffer.alloc(16);
    req.writeInt32BE(16, 0);
    req.writeInt32BE(80877102, 4);
    req.writeInt32BE(processID, 8);
    req.writeInt32BE(secretKey, 12);
    const { connect } = await import('node:net');
    const s = connect(f.emulator.port, '127.0.0.1', () => s.write(req));
    s.on('error', () => {});
    expect(await running).toMatchObject({ code: '57014' });
    expect((await c.query('select 1 as one')).rows[0].one).toBe(1);
  });
});
