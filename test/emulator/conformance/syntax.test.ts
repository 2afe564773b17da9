// Redshift SQL reference, "SQL commands" and "SQL reference" syntax: statements written as Redshift
// takes them, run through the emulator. Expected results come from the reference (page cited per case).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startFixture, type EmulatorFixture } from '../setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('conf_syn', 2);
  await f.client.query(`create table t (id int, name varchar(20))`);
  await f.client.query(`insert into t values (1, 'a'), (2, 'b'), (3, 'c')`);
});
afterAll(async () => { await f?.close(); });

const rows = async (sql: string): Promise<unknown[][]> => (await f.client.query({ text: sql, rowMode: 'array' })).rows;

describe('what keyword matching broke (each failed before the parser)', () => {
  it('an alias named like a system table is an alias', async () => {
    expect(await rows(`select count(*) as stl_load_errors from t`)).toEqual([['3']]);
  });

  it('a CTE named like a system table is the CTE', async () => {
    expect(await rows(`with stv_slices as (select 1 a) select * from stv_slices`)).toEqual([[1]]);
  });

  it('a table named conflict is not ON CONFLICT', async () => {
    await f.client.query(`create table tgt (id int); create table conflict (id int); insert into tgt values (1); insert into conflict values (1)`);
    const r = await f.client.query(`insert into tgt select a.id from tgt a join conflict on conflict.id = a.id`);
    expect(r.rowCount).toBe(1);
  });

  it("a backslash-escaped quote is read as Redshift reads it: 'it\\'s'", async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_Literals.html (string literals)
    expect(await rows(`select 'it\\'s', 'a\\\\b'`)).toEqual([["it's", 'a\\b']]);
  });

  it('the refusals stay: ON CONFLICT, RETURNING, advisory locks', async () => {
    expect((await failure(f.client, `insert into t values (9, 'z') on conflict do nothing`)).message).toBe('syntax error at or near "on"');
    expect((await failure(f.client, `delete from t where id = 9 returning id`)).message).toBe('syntax error at or near "returning"');
    expect((await failure(f.client, `select pg_advisory_lock(1)`)).code).toBe('42883');
  });
});

describe('Redshift syntax', () => {
  it('TOP n', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_Examples_with_TOP.html
    expect(await rows(`select top 2 id from t order by id desc`)).toEqual([[3], [2]]);
    expect(await rows(`select * from (select top 1 id from t order by id) x`)).toEqual([[1]]);
  });

  it('MINUS is EXCEPT', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_UNION.html
    expect(await rows(`select id from t minus select 2 order by 1`)).toEqual([[1], [3]]);
  });

  it('a subquery in FROM needs no alias', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_clause30.html
    expect(await rows(`select count(*) from (select id from t where id > 1)`)).toEqual([['2']]);
  });

  it('three-part names in the current database', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_FROM_clause30.html (database.schema.object)
    const db = (await rows(`select current_database()`))[0]![0] as string;
    expect(await rows(`select count(*) from ${db}.${f.schema.schema}.t`)).toEqual([['3']]);
  });

  it('CREATE VIEW ... WITH NO SCHEMA BINDING', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_VIEW.html
    await f.client.query(`create view v_late as select id from ${f.schema.schema}.t with no schema binding`);
    expect(await rows(`select count(*) from v_late`)).toEqual([['3']]);
  });

  it('IGNORE NULLS where Redshift places it for LAG is refused by name, RESPECT NULLS is the default', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_first_value.html
    expect(await rows(`select first_value(name respect nulls) over (order by id rows between unbounded preceding and unbounded following) from t limit 1`)).toEqual([['a']]);
    expect((await failure(f.client, `select lag(name) ignore nulls over (order by id) from t`)).code).toBe('0A000');
  });

  it('# temp tables and DATEADD in a DEFAULT', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html (# names a temporary table)
    await f.client.query(`create table #tmp (id int, at timestamp default getdate())`);
    await f.client.query(`insert into #tmp (id) values (1)`);
    expect(await rows(`select count(*) from #tmp where at <= dateadd(minute, 1, getdate())`)).toEqual([['1']]);
  });
});
