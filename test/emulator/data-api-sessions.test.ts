// BatchExecuteStatement as one transaction, and Data API sessions (SessionKeepAliveSeconds /
// SessionId) keeping a backend session, its temp tables with it, until they expire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchExecuteStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
} from '@aws-sdk/client-redshift-data';
import { CLUSTER, startDataApiFixture, type DataApiFixture } from './data-api-setup.js';

let f: DataApiFixture;
beforeAll(async () => {
  f = await startDataApiFixture('dapis');
});
afterAll(async () => {
  await f?.close();
});

async function batch(sqls: string[], extra: Record<string, unknown> = {}) {
  const r = await f.client.send(
    new BatchExecuteStatementCommand({ ClusterIdentifier: CLUSTER, Database: 'test', Sqls: sqls, ...extra }),
  );
  return { r, d: await f.waitFor(r.Id!) };
}

const ids = async (table: string): Promise<unknown[]> =>
  (await f.schema.pool.query(`select id from ${f.s}.${table} order by id`)).rows.map((r: { id: unknown }) => r.id);

describe('BatchExecuteStatement', () => {
  it('runs its statements in order as sub-statements <id>:1, <id>:2... with their own query ids and results', async () => {
    const { r, d } = await batch([
      `create table ${f.s}.b_ok (id int)`,
      `insert into ${f.s}.b_ok values (1), (2)`,
      `select count(*) as n from ${f.s}.b_ok`,
    ]);
    expect(d.Status).toBe('FINISHED');
    expect(d.HasResultSet).toBe(true);
    const subs = d.SubStatements!;
    expect(subs.map((s) => [s.Id, s.Status, s.HasResultSet, s.ResultRows])).toEqual([
      [`${r.Id}:1`, 'FINISHED', false, 0],
      [`${r.Id}:2`, 'FINISHED', false, 2],
      [`${r.Id}:3`, 'FINISHED', true, 1],
    ]);
    expect(new Set(subs.map((s) => s.RedshiftQueryId)).size).toBe(3);
    expect((await f.client.send(new GetStatementResultCommand({ Id: `${r.Id}:3` }))).Records).toEqual([
      [{ longValue: 2 }],
    ]);
    const one = await f.client.send(new DescribeStatementCommand({ Id: `${r.Id}:2` }));
    expect(one).toMatchObject({
      Id: `${r.Id}:2`,
      Status: 'FINISHED',
      QueryString: `insert into ${f.s}.b_ok values (1), (2)`,
    });
    await expect(f.client.send(new GetStatementResultCommand({ Id: r.Id }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('is one transaction: a failure rolls back the statements before it, and those after it are ABORTED', async () => {
    await f.run(`create table ${f.s}.b_target (id int)`);
    await f.run(`insert into ${f.s}.b_target values (1), (2)`);
    const { d } = await batch([
      `insert into ${f.s}.b_target values (3)`,
      `insert into ${f.s}.b_target values ('not a number')`,
      `delete from ${f.s}.b_target`,
    ]);
    expect(d.Status).toBe('FAILED');
    expect(d.Error).toBe('ERROR: invalid input syntax for type integer: "not a number"');
    expect(d.SubStatements!.map((s) => s.Status)).toEqual(['FINISHED', 'FAILED', 'ABORTED']);
    expect(d.SubStatements![1]!.Error).toBe(d.Error);
    expect(await ids('b_target')).toEqual([1, 2]);
  });
});

describe('sessions', () => {
  it('SessionKeepAliveSeconds keeps the session: its temp table is there for statements naming its SessionId', async () => {
    const first = await f.client.send(
      new ExecuteStatementCommand({
        ClusterIdentifier: CLUSTER,
        Database: 'test',
        Sql: 'create temp table scratch (id int)',
        SessionKeepAliveSeconds: 30,
      }),
    );
    expect(first.SessionId).toMatch(/^[0-9a-f-]{36}$/);
    const created = await f.waitFor(first.Id!);
    expect(created).toMatchObject({ Status: 'FINISHED', SessionId: first.SessionId });
    const insert = await f.client.send(
      new ExecuteStatementCommand({ SessionId: first.SessionId, Sql: 'insert into scratch values (7), (8)' }),
    );
    expect(insert.SessionId).toBe(first.SessionId);
    expect((await f.waitFor(insert.Id!)).Status).toBe('FINISHED');
    const sel = await f.client.send(
      new ExecuteStatementCommand({ SessionId: first.SessionId, Sql: 'select sum(id) as s from scratch' }),
    );
    const done = await f.waitFor(sel.Id!);
    expect(done.RedshiftPid).toBe(created.RedshiftPid);
    expect(await f.rows(sel.Id!)).toEqual([[{ longValue: 15 }]]);
    const elsewhere = await f.run('select * from scratch');
    expect(elsewhere.Status).toBe('FAILED');
    expect(elsewhere.Error).toBe('ERROR: relation "scratch" does not exist');
  });

  it("runs a session's statements one at a time, in the order they came", async () => {
    const first = await f.client.send(
      new ExecuteStatementCommand({
        ClusterIdentifier: CLUSTER,
        Database: 'test',
        Sql: 'create temp table seq (at timestamp, n int)',
        SessionKeepAliveSeconds: 30,
      }),
    );
    const sid = first.SessionId!;
    const slow = await f.client.send(
      new ExecuteStatementCommand({
        SessionId: sid,
        Sql: 'insert into seq select clock_timestamp(), 1 from (select pg_sleep(0.2)) s',
      }),
    );
    const fast = await f.client.send(
      new ExecuteStatementCommand({ SessionId: sid, Sql: 'insert into seq select clock_timestamp(), 2' }),
    );
    expect(['SUBMITTED', 'PICKED']).toContain(
      (await f.client.send(new DescribeStatementCommand({ Id: fast.Id }))).Status,
    );
    await f.waitFor(slow.Id!);
    await f.waitFor(fast.Id!);
    const order = await f.client.send(
      new ExecuteStatementCommand({ SessionId: sid, Sql: 'select n from seq order by at' }),
    );
    await f.waitFor(order.Id!);
    expect(await f.rows(order.Id!)).toEqual([[{ longValue: 1 }], [{ longValue: 2 }]]);
  });

  it('a session expires after its keep-alive; then, and for an unknown id, the Data API answers ValidationException', async () => {
    const first = await f.client.send(
      new ExecuteStatementCommand({
        ClusterIdentifier: CLUSTER,
        Database: 'test',
        Sql: 'create temp table brief (id int)',
        SessionKeepAliveSeconds: 1,
      }),
    );
    const created = await f.waitFor(first.Id!);
    await new Promise((r) => setTimeout(r, 1300));
    await expect(
      f.client.send(new ExecuteStatementCommand({ SessionId: first.SessionId, Sql: 'select * from brief' })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'Session is not available' });
    const gone = await f.schema.pool.query('select count(*)::int as n from pg_stat_activity where pid = $1', [
      created.RedshiftPid,
    ]);
    expect(gone.rows[0].n).toBe(0);
    const unknown = '11111111-2222-3333-4444-555555555555';
    await expect(
      f.client.send(new ExecuteStatementCommand({ SessionId: unknown, Sql: 'select 1' })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: `Session with Id: ${unknown} is invalid` });
  });

  it('a batch runs in a session too', async () => {
    const { r, d } = await batch(['create temp table tb (id int)', 'insert into tb values (5)'], {
      SessionKeepAliveSeconds: 30,
    });
    expect(d.Status).toBe('FINISHED');
    const sel = await f.client.send(new ExecuteStatementCommand({ SessionId: r.SessionId, Sql: 'select id from tb' }));
    await f.waitFor(sel.Id!);
    expect(await f.rows(sel.Id!)).toEqual([[{ longValue: 5 }]]);
  });

  it('refuses SessionId together with a cluster', async () => {
    const first = await f.client.send(
      new ExecuteStatementCommand({
        ClusterIdentifier: CLUSTER,
        Database: 'test',
        Sql: 'select 1',
        SessionKeepAliveSeconds: 5,
      }),
    );
    await expect(
      f.client.send(
        new ExecuteStatementCommand({ SessionId: first.SessionId, ClusterIdentifier: CLUSTER, Sql: 'select 1' }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('closing the emulator', () => {
  it('ends the backend sessions of statements in flight, a running one included', async () => {
    const g = await startDataApiFixture('dapiclose');
    const key = `closer_${g.schema.schema}`;
    const client = g.clientFor(key);
    const exec = (sql: string) =>
      client.send(new ExecuteStatementCommand({ ClusterIdentifier: CLUSTER, Database: 'test', Sql: sql }));
    const slow = await exec(`select pg_sleep(30) /* ${key} */`);
    for (;;) {
      const d = await client.send(new DescribeStatementCommand({ Id: slow.Id }));
      if (d.Status === 'STARTED') break;
      await new Promise((r) => setTimeout(r, 5));
    }
    for (let i = 0; i < 5; i++) await exec(`select ${i} /* ${key} */`);
    const t0 = Date.now();
    await g.emulator.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 200));
    const left = await f.schema.pool.query(
      `select pid, query from pg_stat_activity where pid <> pg_backend_pid() and (query like $1 or query like $2)`,
      [`%${key}%`, `%"IAM:${key}"%`],
    );
    expect(left.rows).toEqual([]);
    for (const c of [client]) c.destroy();
    await g.schema.drop();
  });
});
