// Lock and storage system tables. Columns and their meaning from the Redshift reference:
//   https://docs.aws.amazon.com/redshift/latest/dg/r_STV_LOCKS.html (current table locks: owner
//     transaction and process, status holding or waiting)
//   https://docs.aws.amazon.com/redshift/latest/dg/r_STV_TBL_PERM.html (one row per table and slice,
//     rows in the slice, temp 0/1, backup 0/1; the current session's temp tables included)
//   https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_DISKUSAGE.html (one row per 1 MB block per
//     column and slice; three hidden columns after the user's)
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, within, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('storage', 2);
  await f.client.query('create table perm_t (id int, name varchar(10)) sortkey (id)');
  await f.client.query(`insert into perm_t values (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')`);
  await f.client.query('create table perm_nobackup (id int) backup no');
  await f.client.query('create table lock_t (id int)');
});
afterAll(async () => {
  await f?.close();
});

const oid = async (c: pg.Client, table: string): Promise<number> =>
  (await c.query(`select '${table}'::regclass::oid::int as id`)).rows[0].id;
const backendPid = async (c: pg.Client): Promise<number> =>
  (await c.query('select pg_backend_pid() as pid')).rows[0].pid;

async function locksOn(
  c: pg.Client,
  table: number,
): Promise<Array<{ pid: number; owner: number; status: string; started: boolean }>> {
  const r = await c.query(`select lock_owner_pid::int as pid, lock_owner::bigint as owner, trim(lock_status) as status,
      lock_owner_start_ts is not null as started from stv_locks where table_id = ${table} order by lock_owner_pid, lock_status`);
  return r.rows.map((row) => ({ ...row, owner: Number(row.owner) }));
}

describe('stv_locks', () => {
  it('shows a lock one session holds to another, with its transaction and process, until it commits', async () => {
    const holder = await f.connect();
    const watcher = await f.connect();
    const table = await oid(holder, 'lock_t');
    expect(await locksOn(watcher, table)).toEqual([]);
    await holder.query('begin');
    await holder.query('insert into lock_t values (1)');
    const xid = Number((await holder.query('select (txid_current() % 4294967296)::bigint as x')).rows[0].x);
    expect(await locksOn(watcher, table)).toEqual([
      { pid: await backendPid(holder), owner: xid, status: 'Holding write lock', started: true },
    ]);
    await holder.query('commit');
    expect(await locksOn(watcher, table)).toEqual([]);
  });

  it('shows a read lock, and a session waiting for a lock', async () => {
    const reader = await f.connect();
    const locker = await f.connect();
    const watcher = await f.connect();
    const table = await oid(reader, 'lock_t');
    await reader.query('begin');
    await reader.query('select count(*) from lock_t');
    await locker.query('begin');
    const waiting = locker.query('lock lock_t');
    waiting.catch(() => {});
    // The LOCK may take a moment to reach Postgres: poll until it waits.
    let locks = await locksOn(watcher, table);
    for (let i = 0; i < 50 && locks.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      locks = await locksOn(watcher, table);
    }
    const readerPid = await backendPid(reader);
    expect(locks).toContainEqual(expect.objectContaining({ pid: readerPid, status: 'Holding read lock' }));
    expect(locks.filter((l) => l.pid !== readerPid).map((l) => l.status)).toEqual(['Waiting for write lock']);
    await reader.query('commit');
    await within(5000, 'LOCK after the reader committed', waiting);
    expect((await locksOn(watcher, table)).map((l) => l.status)).toEqual(['Holding write lock']);
    await locker.query('commit');
  });
});

describe('stv_tbl_perm', () => {
  it('lists a created table once per slice, its rows spread over the slices', async () => {
    const id = await oid(f.client, 'perm_t');
    const r = await f.client
      .query(`select slice, trim(name) as name, rows::int as rows, sorted_rows::int as sorted, temp, backup,
      block_count > 0 as has_blocks from stv_tbl_perm where id = ${id} order by slice`);
    expect(r.rows).toEqual([
      { slice: 0, name: 'perm_t', rows: 3, sorted: 3, temp: 0, backup: 1, has_blocks: true },
      { slice: 1, name: 'perm_t', rows: 2, sorted: 2, temp: 0, backup: 1, has_blocks: true },
    ]);
    // The reference's usage note: sum(rows) per table is its row count (after a vacuum).
    const sum = await f.client.query(
      `select trim(name) as tablename, sum(rows)::int as sum from stv_tbl_perm where id = ${id} group by name`,
    );
    expect(sum.rows).toEqual([{ tablename: 'perm_t', sum: 5 }]);
    await f.client.query("insert into perm_t values (6, 'f')");
    const after = await f.client.query(`select sum(rows)::int as n from stv_tbl_perm where id = ${id}`);
    expect(after.rows[0].n).toBe(6);
    await f.client.query('delete from perm_t where id = 6');
  });

  it("shows BACKUP NO, no sorted rows without a sort key, and the session's own temp tables only", async () => {
    const nb = await oid(f.client, 'perm_nobackup');
    const r = await f.client.query(
      `select distinct backup, sorted_rows::int as sorted from stv_tbl_perm where id = ${nb}`,
    );
    expect(r.rows).toEqual([{ backup: 0, sorted: 0 }]);
    const other = await f.connect();
    await f.client.query('create temp table perm_tmp (x int)');
    await f.client.query('insert into perm_tmp values (1)');
    const tmp = await oid(f.client, 'perm_tmp');
    const mine = await f.client.query(
      `select sum(rows)::int as n, min(temp) as temp from stv_tbl_perm where id = ${tmp}`,
    );
    expect(mine.rows).toEqual([{ n: 1, temp: 1 }]);
    const theirs = await other.query(`select count(*)::int as n from stv_tbl_perm where id = ${tmp}`);
    expect(theirs.rows[0].n).toBe(0);
  });
});

describe('svv_diskusage', () => {
  it("has blocks for every column, the three hidden ones too, holding the slice's rows", async () => {
    const id = await oid(f.client, 'perm_t');
    const cols = await f.client.query(`select col, count(distinct slice)::int as slices, sum(num_values)::int as n
      from svv_diskusage where tbl = ${id} group by col order by col`);
    // Two user columns (0, 1) and INSERT_XID, DELETE_XID, ROW_ID (2, 3, 4); every column's blocks hold all 5 rows.
    expect(cols.rows).toEqual([0, 1, 2, 3, 4].map((col) => ({ col, slices: 2, n: 5 })));
    const max = await f.client.query(
      `select trim(name) as tablename, max(blocknum) as max from svv_diskusage where tbl = ${id} and col = 1 group by name`,
    );
    expect(max.rows).toEqual([{ tablename: 'perm_t', max: 0 }]);
  });
});
