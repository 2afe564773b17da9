// The Redshift Data API served by the emulator, driven by the real RedshiftDataClient:
// ExecuteStatement, DescribeStatement and GetStatementResult with Redshift's typed fields,
// named parameters, errors, paging, and the same translation and query ids as the wire endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
} from '@aws-sdk/client-redshift-data';
import { CLUSTER, startDataApiFixture, type DataApiFixture } from './data-api-setup.js';
import { ROLE } from './setup.js';

let f: DataApiFixture;
beforeAll(async () => {
  f = await startDataApiFixture('dapi', { resultPageBytes: 4000 });
});
afterAll(async () => {
  await f?.close();
});

const TYPED = `select 1::smallint as i2, 2::int as i4, 9007199254740993::bigint as i8, 1.5::real as f4,
  2.25::double precision as f8, 12.34::numeric(10,2) as num, true as b, 'x'::varchar(10) as vc, 'y'::char(3) as ch,
  '2026-11-24'::date as d, '2026-11-24 10:11:12.5'::timestamp as ts, null::int as nothing`;

describe('ExecuteStatement, DescribeStatement, GetStatementResult', () => {
  it("returns Redshift's typed fields and column metadata; NULL is isNull", async () => {
    const d = await f.run(TYPED);
    expect(d).toMatchObject({ Status: 'FINISHED', HasResultSet: true, ResultRows: 1, QueryString: TYPED });
    expect(d.Duration).toBeGreaterThan(0);
    expect(d.RedshiftPid).toBeGreaterThan(0);
    const r = await f.client.send(new GetStatementResultCommand({ Id: d.Id }));
    expect(r.TotalNumRows).toBe(1);
    expect(r.ColumnMetadata!.map((c) => c.typeName)).toEqual([
      'int2',
      'int4',
      'int8',
      'float4',
      'float8',
      'numeric',
      'bool',
      'varchar',
      'bpchar',
      'date',
      'timestamp',
      'int4',
    ]);
    expect(r.ColumnMetadata![5]).toMatchObject({ name: 'num', precision: 10, scale: 2, isSigned: true });
    expect(r.ColumnMetadata![7]).toMatchObject({ name: 'vc', precision: 10, isCaseSensitive: true });
    expect(r.Records![0]).toEqual([
      { longValue: 1 },
      { longValue: 2 },
      { longValue: 9007199254740992 }, // the SDK reads JSON numbers as doubles, as it does from AWS
      { doubleValue: 1.5 },
      { doubleValue: 2.25 },
      { stringValue: '12.34' },
      { booleanValue: true },
      { stringValue: 'x' },
      { stringValue: 'y  ' },
      { stringValue: '2026-11-24' },
      { stringValue: '2026-11-24 10:11:12.5' },
      { isNull: true },
    ]);
  });

  it('writes an int8 beyond 2^53 exactly in the JSON it sends', async () => {
    const d = await f.run('select 9007199254740993::bigint as big');
    const res = await fetch(f.emulator.dataApiEndpoint!, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'RedshiftData.GetStatementResult',
        authorization: 'AWS4-HMAC-SHA256 Credential=raw/20260101/us-east-1/redshift-data/aws4_request',
      },
      body: JSON.stringify({ Id: d.Id }),
    });
    expect(await res.text()).toContain('"Records":[[{"longValue":9007199254740993}]]');
  });

  it('binds named parameters as typed strings; a parameter without a value is a ValidationException', async () => {
    const d = await f.run(`select :n::int + 1 as next, :word as word, length(:word) as len`, {
      Parameters: [
        { name: 'n', value: '41' },
        { name: 'word', value: `it's a \\ test` },
      ],
    });
    expect(d.QueryParameters).toEqual([
      { name: 'n', value: '41' },
      { name: 'word', value: `it's a \\ test` },
    ]);
    expect(await f.rows(d.Id!)).toEqual([[{ longValue: 42 }, { stringValue: `it's a \\ test` }, { longValue: 13 }]]);
    await expect(
      f.client.send(
        new ExecuteStatementCommand({
          ClusterIdentifier: CLUSTER,
          Database: 'test',
          Sql: 'select :missing',
          Parameters: [{ name: 'other', value: '1' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it("fails a statement with Redshift's error text; its result does not exist", async () => {
    const d = await f.run(`select * from ${f.s}.no_such_table`);
    expect(d.Status).toBe('FAILED');
    expect(d.Error).toBe(`ERROR: relation "${f.schema.schema}.no_such_table" does not exist`);
    expect(d.Duration).toBe(-1);
    await expect(f.client.send(new GetStatementResultCommand({ Id: d.Id }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Query does not have result. Please check query status with DescribeStatement.',
    });
    await expect(
      f.client.send(new DescribeStatementCommand({ Id: '00000000-0000-0000-0000-000000000000' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Query does not exist.' });
  });

  it('pages a large result with NextToken; TotalNumRows counts them all', async () => {
    const d = await f.run(`select g as n, repeat('x', 20) as pad from generate_series(1, 500) g`);
    const first = await f.client.send(new GetStatementResultCommand({ Id: d.Id }));
    expect(first.TotalNumRows).toBe(500);
    expect(first.NextToken).toBeDefined();
    expect(first.Records!.length).toBeLessThan(500);
    const all = await f.rows(d.Id!);
    expect(all.map((r) => r[0]!.longValue)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('counts the rows a command affected; a command has no result set', async () => {
    await f.run(`create table ${f.s}.counted (id int)`);
    const d = await f.run(`insert into ${f.s}.counted select g from generate_series(1, 7) g`);
    expect(d).toMatchObject({ Status: 'FINISHED', HasResultSet: false, ResultRows: 7 });
  });

  it("runs Redshift's DDL through the emulator's translation (DISTKEY, SORTKEY, ENCODE)", async () => {
    const ddl = await f.run(
      `create table ${f.s}.events (id bigint encode az64 distkey, at timestamp sortkey, body varchar(max))`,
    );
    expect(ddl.Status).toBe('FINISHED');
    // pg_table_def shows the tables of the search_path, as on Redshift.
    const d = await f.run(
      `set search_path to ${f.s}; select "column", type, encoding, distkey, sortkey from pg_table_def where tablename = 'events'`,
    );
    expect((await f.rows(d.Id!)).map((r) => r.map((v) => v.stringValue ?? v.booleanValue ?? v.longValue))).toEqual([
      ['id', 'bigint', 'az64       ', true, 0],
      ['at', 'timestamp without time zone', 'none       ', false, 1], // a sort key column is RAW,
      ['body', 'character varying(65535)', 'lzo        ', false, 0],
    ]);
  });

  it("numbers statements with the query ids of stl_query and sys_query_history (a COPY's load errors too)", async () => {
    await f.run(`create table ${f.s}.loaded (id int)`);
    const url = await f.put('loaded/a', '1\nx\n3\n');
    const copy = await f.run(`copy ${f.s}.loaded from '${url}' ${ROLE} maxerror 1`);
    expect(copy).toMatchObject({ Status: 'FINISHED', ResultRows: 2 });
    const id = copy.RedshiftQueryId!;
    expect(id).toBeGreaterThan(0);
    const h = await f.run(
      `select h.query_type, e.line_number from sys_query_history h join sys_load_error_detail e on e.query_id = h.query_id
       where h.query_id = ${id}`,
    );
    expect(await f.rows(h.Id!)).toEqual([[{ stringValue: 'COPY' + ' '.repeat(28) }, { longValue: 2 }]]);
    const q = await f.run(`select count(*) as n from stl_query where query = ${h.RedshiftQueryId!}`);
    expect(await f.rows(q.Id!)).toEqual([[{ longValue: 1 }]]);
  });
});

describe('Redshift types stored as others', () => {
  it('SUPER reads as stringValue and VARBYTE as blobValue, named as Redshift names them', async () => {
    await f.run(`create table ${f.s}.odd (doc super, raw varbyte(16))`);
    const ins = await f.run(`insert into ${f.s}.odd values (json_parse('{"a":1}'), '\\\\x616263')`);
    expect(ins.Status).toBe('FINISHED');
    const d = await f.run(`select doc, raw from ${f.s}.odd`);
    const r = await f.client.send(new GetStatementResultCommand({ Id: d.Id }));
    expect(r.ColumnMetadata!.map((c) => [c.typeName, c.tableName, c.schemaName])).toEqual([
      ['super', 'odd', f.schema.schema],
      ['varbyte', 'odd', f.schema.schema],
    ]);
    expect(r.Records![0]![0]).toEqual({ stringValue: '{"a":1}' });
    expect(Buffer.from(r.Records![0]![1]!.blobValue!).toString()).toBe('abc');
  });
});
