// Statements the emulator runs itself (COPY, UNLOAD) through the extended protocol, as JDBC tools
// send every statement, and pipelines (several statements before one Sync) that fail as a unit.
//
// Pipelines: "each Sync ordinarily causes an implicit COMMIT if the preceding step(s) succeeded,
// or an implicit ROLLBACK if they failed" and "after an error, the backend will skip command
// messages until it finds Sync" — https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-PIPELINING
// COPY appends the input to the table and reports the rows loaded; UNLOAD writes one file per
// slice: https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html,
// https://docs.aws.amazon.com/redshift/latest/dg/r_UNLOAD.html
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROLE, s3url, startFixture, type EmulatorFixture } from './setup.js';
import { WireClient, summary } from './wire-client.js';

let f: EmulatorFixture;
let good: string;
let bad: string;
beforeAll(async () => {
  f = await startFixture('extended', 2);
  await f.client.query('create table ext_t (id int, name varchar(10))');
  good = await f.put('ext/good.txt', '1|a\n2|b\n');
  bad = await f.put('ext/bad.txt', '3|c\nx|d\n');
});
afterAll(async () => {
  await f?.close();
});
beforeEach(async () => {
  await f.client.query('truncate ext_t');
});

/** A statement node-postgres sends as Parse/Bind/Describe/Execute/Sync, as pgjdbc does by default. */
const extended = (text: string): pg.QueryConfig => ({ text, queryMode: 'extended' }) as pg.QueryConfig;

const ids = async (): Promise<number[]> =>
  (await f.client.query('select id from ext_t order by id')).rows.map((r: { id: number }) => r.id);

const wire = async (): Promise<WireClient> => {
  const w = await WireClient.connect(f.emulator.url);
  w.query(`set search_path to "${f.schema.schema}"`);
  await w.untilReady();
  return w;
};

describe('COPY and UNLOAD through the extended protocol', () => {
  it('COPY as an unnamed extended-protocol statement loads and reports the rows', async () => {
    const c = await f.connect();
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(n.message ?? ''));
    const r = await c.query(extended(`copy ext_t from '${good}' ${ROLE}`));
    expect(r.command).toBe('COPY');
    expect(r.rowCount).toBe(2);
    expect(notices).toContain("Load into table 'ext_t' completed, 2 record(s) loaded successfully.");
    expect(await ids()).toEqual([1, 2]);
  });

  it('COPY as a named prepared statement, executed twice', async () => {
    const c = await f.connect();
    const q = { name: 'load_ext', text: `copy ext_t from '${good}' ${ROLE}` };
    await c.query(q);
    const r = await c.query(q);
    expect(r.rowCount).toBe(2);
    expect(await ids()).toEqual([1, 1, 2, 2]);
  });

  it('a failing COPY reports the load error, and the session goes on', async () => {
    const c = await f.connect();
    await expect(c.query(extended(`copy ext_t from '${bad}' ${ROLE}`))).rejects.toThrow(
      /Load into table 'ext_t' failed/,
    );
    expect((await c.query(extended('select 1 as one'))).rows).toEqual([{ one: 1 }]);
    expect(await ids()).toEqual([]);
  });

  it('UNLOAD through the extended protocol writes one file per slice', async () => {
    await f.client.query(`insert into ext_t values (1, 'a'), (2, 'b')`);
    const c = await f.connect();
    const r = await c.query(extended(`unload ('select id, name from ext_t') to '${s3url(f, 'unl/p_')}' ${ROLE}`));
    expect(r.command).toBe('UNLOAD');
    expect(await f.list('unl/')).toEqual(['unl/p_0000_part_00', 'unl/p_0001_part_00']);
    const text = (await f.get('unl/p_0000_part_00')).toString() + (await f.get('unl/p_0001_part_00')).toString();
    expect(text.split('\n').filter(Boolean).sort()).toEqual(['1|a', '2|b']);
  });
});

describe('a pipeline commits or rolls back as one', () => {
  it('a refused statement after two INSERTs: the error, the rest skipped, the INSERTs rolled back', async () => {
    const w = await wire();
    w.statement(`insert into ext_t values (1, 'a')`)
      .statement(`insert into ext_t values (2, 'b')`)
      .statement(`insert into ext_t values (3, 'c') on conflict do nothing`)
      .statement(`insert into ext_t values (4, 'd')`)
      .sync();
    expect(summary(await w.untilReady())).toEqual([
      '1',
      '2',
      'n',
      'C:INSERT 0 1',
      '1',
      '2',
      'n',
      'C:INSERT 0 1',
      'E:42601 syntax error at or near "on"',
      'Z:I',
    ]);
    expect(await ids()).toEqual([]);
    w.statement('select 1').sync();
    expect(summary(await w.untilReady())).toEqual(['1', '2', 'T', 'D', 'C:SELECT 1', 'Z:I']);
    w.close();
  });

  it('an INSERT then a failing COPY: the INSERT is rolled back', async () => {
    const w = await wire();
    w.statement(`insert into ext_t values (9, 'z')`).statement(`copy ext_t from '${bad}' ${ROLE}`).sync();
    const got = summary(await w.untilReady());
    expect(got.slice(0, 4)).toEqual(['1', '2', 'n', 'C:INSERT 0 1']);
    expect(got.find((s) => s.startsWith('E:'))).toMatch(/^E:XX000 Load into table 'ext_t' failed/);
    expect(got[got.length - 1]).toBe('Z:I');
    expect(await ids()).toEqual([]);
    w.close();
  });

  it('an INSERT, a COPY and an INSERT in one pipeline all commit at Sync, answered in order', async () => {
    const w = await wire();
    w.statement(`insert into ext_t values (0, 'z')`)
      .statement(`copy ext_t from '${good}' ${ROLE}`)
      .statement(`insert into ext_t values (5, 'e')`)
      .sync();
    expect(summary(await w.untilReady()).filter((s) => s !== 'N')).toEqual([
      '1',
      '2',
      'n',
      'C:INSERT 0 1',
      '1',
      '2',
      'n',
      'C:COPY 2',
      '1',
      '2',
      'n',
      'C:INSERT 0 1',
      'Z:I',
    ]);
    expect(await ids()).toEqual([0, 1, 2, 5]);
    w.close();
  });

  it("BEGIN and COPY in one pipeline (pgjdbc with autocommit off) leave the client's transaction open", async () => {
    const w = await wire();
    w.statement('begin').statement(`copy ext_t from '${good}' ${ROLE}`).sync();
    expect(summary(await w.untilReady()).filter((s) => s !== 'N')).toEqual([
      '1',
      '2',
      'n',
      'C:BEGIN',
      '1',
      '2',
      'n',
      'C:COPY 2',
      'Z:T',
    ]);
    expect(await ids()).toEqual([]);
    w.statement('commit').sync();
    expect(summary(await w.untilReady()).pop()).toBe('Z:I');
    expect(await ids()).toEqual([1, 2]);
    w.close();
  });

  it("a refused statement inside the client's transaction aborts it", async () => {
    const w = await wire();
    w.statement('begin')
      .statement(`insert into ext_t values (1, 'a')`)
      .statement(`insert into ext_t values (2, 'b') returning id`)
      .sync();
    expect(summary(await w.untilReady())).toEqual([
      '1',
      '2',
      'n',
      'C:BEGIN',
      '1',
      '2',
      'n',
      'C:INSERT 0 1',
      'E:42601 syntax error at or near "returning"',
      'Z:E',
    ]);
    w.statement('commit').sync();
    expect(summary(await w.untilReady())).toEqual(['1', '2', 'n', 'C:ROLLBACK', 'Z:I']);
    expect(await ids()).toEqual([]);
    w.close();
  });

  it('a multi-statement simple query with a refused statement commits nothing', async () => {
    const c = await f.connect();
    await expect(
      c.query(`insert into ext_t values (1, 'a'); insert into ext_t values (2, 'b') on conflict do nothing`),
    ).rejects.toThrow(/syntax error at or near "on"/);
    expect(await ids()).toEqual([]);
    await expect(c.query(`insert into ext_t values (1, 'a'); copy ext_t from '${bad}' ${ROLE}`)).rejects.toThrow(
      /failed/,
    );
    expect(await ids()).toEqual([]);
    await c.query(`insert into ext_t values (1, 'a'); copy ext_t from '${good}' ${ROLE}`);
    expect(await ids()).toEqual([1, 1, 2]);
  });
});
