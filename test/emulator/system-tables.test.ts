// Query history and session system tables, filled from what the emulator ran. Columns and their
// meaning from the Redshift reference:
//   https://docs.aws.amazon.com/redshift/latest/dg/r_STL_QUERY.html (queries only, not DDL/utility;
//     label 'default' without QUERY_GROUP; aborted 1 when stopped by the system)
//   https://docs.aws.amazon.com/redshift/latest/dg/r_STL_QUERYTEXT.html (text in 200-character rows, sequence 0, 1, ...)
//   https://docs.aws.amazon.com/redshift/latest/dg/r_SVL_QLOG.html (elapsed in microseconds, substring: 60 characters)
//   https://docs.aws.amazon.com/redshift/latest/dg/r_SVL_STATEMENTTEXT.html (every statement: QUERY, DDL, UTILITY)
//   https://docs.aws.amazon.com/redshift/latest/dg/r_STV_RECENTS.html (status Done, pid -1 for finished queries)
//   https://docs.aws.amazon.com/redshift/latest/dg/SYS_QUERY_HISTORY.html (query_type SELECT/INSERT/COPY/DDL..., status success/failed)
//   https://docs.aws.amazon.com/redshift/latest/dg/r_STV_SESSIONS.html, r_PG_USER_INFO.html, r_SVV_EXTERNAL_SCHEMAS.html
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE, startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
let c: pg.Client;
let pid: number;
const LONG = `select ${Array.from({ length: 60 }, (_, i) => `${i} as c${i}`).join(', ')}`;
beforeAll(async () => {
  f = await startFixture('systables', 2);
  c = await f.connect();
  pid = (await c.query('select pg_backend_pid() as pid')).rows[0].pid;
  await c.query('create table st_t (id int)');
  await c.query('select 42 as answer');
  await c.query('insert into st_t values (1), (2)');
  await c.query('select * from st_no_such_table').catch(() => {});
  await c.query(LONG);
  const file = await f.put('st/a.txt', '3\n');
  await c.query({ text: `copy st_t from '${file}' ${ROLE}`, queryMode: 'extended' } as pg.QueryConfig);
  await c.query({ text: 'select $1::int as p', values: [7] });
});
afterAll(async () => {
  await f?.close();
});

const mine = async (sql: string) => (await c.query(sql.replace('$PID', String(pid)))).rows;

describe('query history', () => {
  it("stl_query lists this session's queries (not its DDL) with their text, times and outcome", async () => {
    const rows =
      await mine(`select trim(querytxt) as text, aborted, trim(label) as label, trim(database) as db, starttime <= endtime as ordered
      from stl_query where pid = $PID order by query`);
    const texts = rows.map((r) => r.text);
    expect(texts).toEqual(
      expect.arrayContaining(['select 42 as answer', 'insert into st_t values (1), (2)', 'select $1::int as p']),
    );
    expect(texts).not.toContain('create table st_t (id int)');
    expect(texts.indexOf('select 42 as answer')).toBeLessThan(texts.indexOf('insert into st_t values (1), (2)'));
    const failed = rows.find((r) => r.text === 'select * from st_no_such_table');
    expect(failed?.aborted).toBe(1);
    expect(rows.find((r) => r.text === 'select 42 as answer')).toMatchObject({
      aborted: 0,
      label: 'default',
      ordered: true,
    });
    expect(rows[0].db).toBe((await mine('select current_database() as d'))[0].d);
    expect(texts.some((t) => /^copy st_t from /.test(t))).toBe(true);
  });

  it('stl_querytext keeps a long statement in 200-character rows numbered from 0', async () => {
    const rows = await mine(`select t.sequence, t.text from stl_querytext t join stl_query q on q.query = t.query
      where q.pid = $PID and q.querytxt like 'select 0 as c0,%' order by t.sequence`);
    expect(LONG.length).toBeGreaterThan(400);
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: Math.ceil(LONG.length / 200) }, (_, i) => i));
    expect(
      rows
        .map((r) => r.text)
        .join('')
        .trimEnd(),
    ).toBe(LONG);
  });

  it('svl_qlog: elapsed in microseconds, the first 60 characters', async () => {
    const [r] =
      await mine(`select elapsed, (extract(epoch from endtime - starttime) * 1000000)::bigint as us, trim(substring) as s
      from svl_qlog where pid = $PID and substring like 'select 0 as c0,%'`);
    expect(Number(r.elapsed)).toBe(Number(r.us));
    expect(r.s).toBe(LONG.slice(0, 60).trimEnd());
  });

  it('svl_statementtext has every statement, DDL included, by type', async () => {
    const rows = await mine(`select type, trim(text) as text from svl_statementtext where pid = $PID and sequence = 0`);
    expect(rows).toContainEqual({ type: 'DDL', text: 'create table st_t (id int)' });
    expect(rows).toContainEqual({ type: 'QUERY', text: 'select 42 as answer' });
    expect(rows).toContainEqual({ type: 'UTILITY', text: `set search_path to "${f.schema.schema}", public` });
  });

  it('stv_recents lists finished queries as Done with pid -1', async () => {
    const rows = await mine(
      `select trim(status) as status, pid from stv_recents where trim(query) = 'select 42 as answer'`,
    );
    expect(rows).toContainEqual({ status: 'Done', pid: -1 });
  });

  it('sys_query_history: query types, statuses and the error of a failed query', async () => {
    const rows =
      await mine(`select trim(query_type) as type, trim(status) as status, trim(error_message) as error, trim(query_text) as text
      from sys_query_history where session_id = $PID order by query_id`);
    expect(rows).toContainEqual({ type: 'SELECT', status: 'success', error: null, text: 'select 42 as answer' });
    expect(rows).toContainEqual({
      type: 'INSERT',
      status: 'success',
      error: null,
      text: 'insert into st_t values (1), (2)',
    });
    expect(rows).toContainEqual({ type: 'DDL', status: 'success', error: null, text: 'create table st_t (id int)' });
    expect(rows).toContainEqual({
      type: 'SELECT',
      status: 'failed',
      error: 'relation "st_no_such_table" does not exist',
      text: 'select * from st_no_such_table',
    });
    expect(rows.find((r) => r.type === 'COPY')?.status).toBe('success');
  });
});

describe('sessions and users', () => {
  it('stv_sessions lists this session by its process id', async () => {
    const rows = await mine(`select process, trim(db_name) as db from stv_sessions where process = $PID`);
    expect(rows).toEqual([{ process: pid, db: (await mine('select current_database() as d'))[0].d }]);
  });

  it('pg_user_info lists the current user, password hidden', async () => {
    const rows = await mine(`select usename, passwd from pg_user_info where usename = current_user`);
    expect(rows).toEqual([{ usename: (await mine('select current_user as u'))[0].u, passwd: '********' }]);
  });

  it('svv_external_schemas is empty, with its columns', async () => {
    const r = await c.query('select * from svv_external_schemas');
    expect(r.rows).toEqual([]);
    expect(r.fields.map((x) => x.name)).toEqual([
      'esoid',
      'eskind',
      'schemaname',
      'esowner',
      'databasename',
      'esoptions',
    ]);
  });
});
