// The rest of the Data API the emulator serves: CancelStatement, the active statements limit,
// ListDatabases / ListSchemas / ListTables / DescribeTable, who statements run as, CSV results,
// and the test hooks: throttling and the log of what clients sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CancelStatementCommand,
  DescribeStatementCommand,
  DescribeTableCommand,
  ExecuteStatementCommand,
  GetStatementResultV2Command,
  ListDatabasesCommand,
  ListSchemasCommand,
  ListTablesCommand,
} from '@aws-sdk/client-redshift-data';
import { CLUSTER, startDataApiFixture, type DataApiFixture } from './data-api-setup.js';

let f: DataApiFixture;
beforeAll(async () => {
  f = await startDataApiFixture('dapio', {
    maxActiveStatements: 3,
    workgroups: ['wg'],
    secrets: { 'arn:aws:secretsmanager:us-east-1:123456789012:secret:main': 'postgres' },
  });
  await f.schema.pool.query(
    `create table ${f.s}.listed (id bigint not null default 7, name varchar(30), amount numeric(12,2))`,
  );
  await f.schema.pool.query(`create view ${f.s}.listed_v as select id from ${f.s}.listed`);
});
afterAll(async () => {
  await f?.close();
});

const base = { ClusterIdentifier: CLUSTER, Database: 'test' };
const start = (sql: string) => f.client.send(new ExecuteStatementCommand({ ...base, Sql: sql }));

describe('CancelStatement', () => {
  it('cancels a running statement on its backend: ABORTED', async () => {
    const r = await start('select pg_sleep(30)');
    // Wait until the backend runs it.
    for (;;) {
      const d = await f.client.send(new DescribeStatementCommand({ Id: r.Id }));
      if (d.Status === 'STARTED') break;
      await new Promise((res) => setTimeout(res, 5));
    }
    const t0 = Date.now();
    expect((await f.client.send(new CancelStatementCommand({ Id: r.Id }))).Status).toBe(true);
    const d = await f.waitFor(r.Id!);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(d.Status).toBe('ABORTED');
    expect(d.Error).toMatch(/^ERROR: Query \(\d+\) cancelled on user's request$/);
    await expect(f.client.send(new CancelStatementCommand({ Id: r.Id }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Could not cancel a query that is already in ABORTED state.',
    });
  });

  it('refuses statements beyond the active limit (ActiveStatementsExceededException)', async () => {
    const running = await Promise.all([1, 2, 3].map(() => start('select pg_sleep(30)')));
    await expect(start('select 1')).rejects.toMatchObject({ name: 'ActiveStatementsExceededException' });
    for (const r of running) await f.client.send(new CancelStatementCommand({ Id: r.Id }));
    for (const r of running) expect((await f.waitFor(r.Id!)).Status).toBe('ABORTED');
    expect((await f.run('select 1')).Status).toBe('FINISHED');
  });
});

describe('listing', () => {
  it('ListDatabases, ListSchemas and ListTables (patterns, types), the catalog schema hidden', async () => {
    expect((await f.client.send(new ListDatabasesCommand(base))).Databases).toContain('test');
    const schemas = (await f.client.send(new ListSchemasCommand(base))).Schemas!;
    expect(schemas).toEqual(expect.arrayContaining(['public', 'pg_catalog', f.schema.schema]));
    expect(schemas).not.toContain('upshift_emulator');
    const one = await f.client.send(
      new ListSchemasCommand({ ...base, SchemaPattern: `${f.schema.schema.slice(0, -2)}%` }),
    );
    expect(one.Schemas).toEqual([f.schema.schema]);
    const tables = await f.client.send(new ListTablesCommand({ ...base, SchemaPattern: f.schema.schema }));
    expect(tables.Tables).toEqual([
      { name: 'listed', schema: f.schema.schema, type: 'TABLE' },
      { name: 'listed_v', schema: f.schema.schema, type: 'VIEW' },
    ]);
    const paged = await f.client.send(
      new ListTablesCommand({ ...base, SchemaPattern: f.schema.schema, TablePattern: 'listed%', MaxResults: 1 }),
    );
    expect(paged.Tables!.map((t) => t.name)).toEqual(['listed']);
    const rest = await f.client.send(
      new ListTablesCommand({ ...base, SchemaPattern: f.schema.schema, MaxResults: 1, NextToken: paged.NextToken }),
    );
    expect(rest.Tables!.map((t) => t.name)).toEqual(['listed_v']);
    expect(rest.NextToken).toBeUndefined();
  });

  it("DescribeTable: the columns with Redshift's type names, lengths, nullability and defaults", async () => {
    const d = await f.client.send(new DescribeTableCommand({ ...base, Schema: f.schema.schema, Table: 'listed' }));
    expect(d.TableName).toBe('listed');
    expect(
      d.ColumnList!.map((c) => [c.name, c.typeName, c.length, c.precision, c.scale, c.nullable, c.columnDefault]),
    ).toEqual([
      ['id', 'int8', 0, 19, 0, 0, '7'],
      ['name', 'varchar', 30, 30, 0, 1, undefined],
      ['amount', 'numeric', 0, 12, 2, 1, undefined],
    ]);
  });
});

describe('who statements run as', () => {
  const whoami = async (extra: Record<string, unknown>): Promise<string | undefined> => {
    const r = await f.client.send(
      new ExecuteStatementCommand({ Database: 'test', Sql: 'select current_user as u', ...extra }),
    );
    const d = await f.waitFor(r.Id!);
    return (await f.rows(d.Id!))[0]![0]!.stringValue;
  };

  it('the IAM identity (IAM:<user>) for a cluster or workgroup, DbUser, or the user of a secret', async () => {
    const key = (await f.client.config.credentials()).accessKeyId;
    expect(await whoami({ ClusterIdentifier: CLUSTER })).toBe(`IAM:${key}`);
    expect(await whoami({ WorkgroupName: 'wg' })).toBe(`IAM:${key}`);
    expect(await whoami({ ClusterIdentifier: CLUSTER, DbUser: 'postgres' })).toBe('postgres');
    expect(
      await whoami({
        ClusterIdentifier: CLUSTER,
        SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:main',
      }),
    ).toBe('postgres');
  });

  it('refuses an unknown cluster, a missing cluster and DbUser with a workgroup', async () => {
    const send = (extra: Record<string, unknown>) =>
      f.client.send(new ExecuteStatementCommand({ Database: 'test', Sql: 'select 1', ...extra }));
    await expect(send({ ClusterIdentifier: 'nope' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Redshift endpoint doesn't exist in this region.",
    });
    await expect(send({})).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(send({ WorkgroupName: 'wg', DbUser: 'x' })).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(send({ WorkgroupName: 'other' })).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

describe('CSV results and test hooks', () => {
  it('ResultFormat CSV is read with GetStatementResultV2', async () => {
    const d = await f.run(`select 1 as a, 'x,y' as b, null as c union all select 2, 'z', 'w' order by 1`, {
      ResultFormat: 'CSV',
    });
    const r = await f.client.send(new GetStatementResultV2Command({ Id: d.Id }));
    expect(r.ResultFormat).toBe('CSV');
    expect(r.Records).toEqual([{ CSVRecords: '1,"x,y",\n2,z,w\n' }]);
  });

  it('throttles the next calls (the SDK retries them) and logs what the client sent', async () => {
    const from = f.emulator.aws!.requests.length;
    f.emulator.aws!.throttle(2, 'ExecuteStatement');
    const d = await f.run('select :v as v', { Parameters: [{ name: 'v', value: 'hello' }] });
    expect(d.Status).toBe('FINISHED');
    const sent = f.emulator.aws!.requests.slice(from).filter((q) => q.action === 'ExecuteStatement');
    expect(sent.map((q) => q.throttled ?? false)).toEqual([true, true, false]);
    expect(sent[2]!.body).toMatchObject({
      ClusterIdentifier: CLUSTER,
      Database: 'test',
      Sql: 'select :v as v',
      Parameters: [{ name: 'v', value: 'hello' }],
    });
    f.emulator.aws!.throttle(1);
    await expect(f.clientFor('impatient', 1).send(new ListDatabasesCommand(base))).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
    });
  });
});
