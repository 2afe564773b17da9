// One query id per statement across the system views: a COPY's stl_query row has the id its load
// errors are recorded under (pg_last_copy_id()), as on Redshift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE, startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('qids', 2);
});
afterAll(async () => {
  await f?.close();
});

describe('query ids', () => {
  it("a COPY's stl_query and sys_query_history rows carry its load errors' query id", async () => {
    const c = await f.connect();
    await c.query('create table qid_t (id int)');
    const url = await f.put('qid/a', '1\nx\n3\n');
    await c.query(`copy qid_t from '${url}' ${ROLE} maxerror 1`);
    const id = (await c.query<{ id: number }>('select pg_last_copy_id() as id')).rows[0]!.id;
    const q = await c.query(`select querytxt from stl_query where query = $1`, [id]);
    expect(q.rows.map((r: { querytxt: string }) => r.querytxt.trim())).toEqual([
      `copy qid_t from '${url}' ${ROLE} maxerror 1`,
    ]);
    const h = await c.query(`select query_type from sys_query_history where query_id = $1`, [id]);
    expect(h.rows).toEqual([{ query_type: 'COPY                            ' }]);
    const e = await c.query(`select line_number from sys_load_error_detail where query_id = $1`, [id]);
    expect(e.rows).toEqual([{ line_number: '2' }]);
  });
});
