import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { ROLE, failure, startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('copy', 2);
});
afterAll(async () => {
  await f?.close();
});

const LOADER_OPTIONS = `${ROLE} manifest format as csv quote as '"' delimiter ',' null as '\\\\N' gzip timeformat 'auto' dateformat 'auto' compupdate off statupdate off`;

async function table(sql: string): Promise<void> {
  await f.client.query(sql);
}

async function rows(sql: string): Promise<Array<Record<string, unknown>>> {
  return (await f.client.query(sql)).rows;
}

describe('COPY from S3', () => {
  it('answers pg_last_copy_id() with -1 before any COPY in the session', async () => {
    const c = await f.connect();
    expect((await c.query('select pg_last_copy_id()')).rows[0].pg_last_copy_id).toBe(-1);
  });

  it('loads a manifest of gzipped CSV parts as the loader writes them (NULL AS \\N, "" is empty)', async () => {
    await table(
      `create table loader_t (id bigint not null, name varchar(10), price numeric(10,2), at timestamptz, ok boolean, d date)`,
    );
    const p0 = await f.put(
      'loader/part-00000.csv.gz',
      '1,"alpha",1.50,2024-01-02T03:04:05.123456Z,true,2024-01-02\n2,"",\\N,\\N,false,\\N\n',
      true,
    );
    const p1 = await f.put(
      'loader/part-00001.csv.gz',
      '3,"\\N",2,2024-06-01 10:00:00+02,t,2024-06-01\n4,"a ""q"", b",\\N,\\N,\\N,\\N\n',
      true,
    );
    const manifest = await f.put(
      'loader/manifest.json',
      JSON.stringify({
        entries: [
          { url: p0, mandatory: true },
          { url: p1, mandatory: true },
        ],
      }),
    );
    const notices: string[] = [];
    f.client.on('notice', (n) => notices.push(n.message ?? ''));
    const r = await f.client.query(`copy loader_t (id, name, price, at, ok, d) from '${manifest}' ${LOADER_OPTIONS}`);
    expect(notices).toContain("Load into table 'loader_t' completed, 4 record(s) loaded successfully.");
    expect(r.command).toBe('COPY');
    expect(r.rowCount).toBe(4);
    const got = await rows(
      `select id, name, price, to_char(at at time zone 'utc', 'YYYY-MM-DD HH24:MI:SS.US') as at, ok, d::text from loader_t order by id`,
    );
    expect(got).toEqual([
      { id: '1', name: 'alpha', price: '1.50', at: '2024-01-02 03:04:05.123456', ok: true, d: '2024-01-02' },
      { id: '2', name: '', price: null, at: null, ok: false, d: null },
      { id: '3', name: '\\N', price: '2.00', at: '2024-06-01 08:00:00.000000', ok: true, d: '2024-06-01' },
      { id: '4', name: 'a "q", b', price: null, at: null, ok: null, d: null },
    ]);
    const commits = await rows(
      `select trim(filename) as filename, lines_scanned, status from stl_load_commits where query = pg_last_copy_id() order by 1`,
    );
    expect(commits).toEqual([
      { filename: p0, lines_scanned: 2, status: 1 },
      { filename: p1, lines_scanned: 2, status: 1 },
    ]);
    expect((await rows('select pg_last_copy_id() as id'))[0]!.id).toBeGreaterThan(0);
  });

  it('treats a bare path as a key prefix (s3://b/x also loads x_old/...)', async () => {
    await table('create table prefix_t (id int, v varchar(20))');
    await f.put('pre/x', '1|x\n');
    await f.put('pre/x1', '2|x1\n');
    await f.put('pre/x_old/part', '3|x_old\n');
    await f.put('pre/y', '4|y\n');
    await f.client.query(`copy prefix_t from 's3://upshift-test/${f.prefix}pre/x' ${ROLE}`);
    expect((await rows('select id from prefix_t order by id')).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('fails on an empty prefix as Redshift words it', async () => {
    const e = await failure(f.client, `copy prefix_t from 's3://upshift-test/${f.prefix}nothing-here/' ${ROLE}`);
    expect(e.code).toBe('XX000');
    expect(e.message).toBe(`The specified S3 prefix '${f.prefix}nothing-here/' does not exist`);
    expect(e.detail).toMatch(/code:\s+8001/);
  });

  it('fails when a mandatory manifest entry is missing, skips a missing optional one', async () => {
    await table('create table man_t (id int)');
    const present = await f.put('man/a.csv', '1\n');
    const missing = `s3://upshift-test/${f.prefix}man/missing.csv`;
    const m1 = await f.put(
      'man/optional.json',
      JSON.stringify({
        entries: [
          { url: present, mandatory: true },
          { url: missing, mandatory: false },
        ],
      }),
    );
    await f.client.query(`copy man_t from '${m1}' ${ROLE} manifest csv`);
    expect((await rows('select id from man_t')).map((r) => r.id)).toEqual([1]);
    const m2 = await f.put(
      'man/mandatory.json',
      JSON.stringify({
        entries: [
          { url: present, mandatory: true },
          { url: missing, mandatory: true },
        ],
      }),
    );
    const e = await failure(f.client, `copy man_t from '${m2}' ${ROLE} manifest csv`);
    expect(e.code).toBe('XX000');
    expect(e.message).toMatch(/The specified key does not exist/);
    expect(e.detail).toContain(missing);
    expect((await rows('select count(*)::int as n from man_t'))[0]!.n).toBe(1);
    const e2 = await failure(
      f.client,
      `copy man_t from 's3://upshift-test/${f.prefix}man/no-manifest.json' ${ROLE} manifest csv`,
    );
    expect(e2.message).toMatch(/^Problem reading manifest file/);
  });

  it("rejects a bad row with Redshift's load error and fills stl_load_errors and sys_load_error_detail", async () => {
    await table('create table bad_t (id int not null, name varchar(5))');
    await table(`insert into bad_t values (0, 'keep')`);
    const url = await f.put('bad/data.csv', 'id,name\n1,ok\n2,fine\nx3,bad\n4,late\n');
    const c = await f.connect();
    const e = await failure(c, `copy bad_t from '${url}' ${ROLE} csv ignoreheader 1`);
    expect(e.code).toBe('XX000');
    expect(e.message).toBe(`Load into table 'bad_t' failed.  Check 'stl_load_errors' system table for details.`);
    // atomic: nothing of the failed COPY landed
    expect((await c.query('select id from bad_t')).rows.map((r) => r.id)).toEqual([0]);
    const le = (await c.query(`select * from stl_load_errors where query = pg_last_copy_id()`)).rows;
    expect(le).toHaveLength(1);
    const row = le[0]!;
    expect(row.filename.trim()).toBe(url);
    expect(row.filename).toHaveLength(256);
    expect(row.line_number).toBe('4');
    expect(row.colname.trim()).toBe('id');
    expect(row.type.trim()).toBe('int4');
    expect(row.raw_line.trim()).toBe('x3,bad');
    expect(row.raw_field_value.trim()).toBe('x3');
    expect(row.err_code).toBe(1207);
    expect(row.err_reason.trim()).toBe("Invalid digit, Value 'x', Pos 0, Type: Integer");
    for (const col of ['userid', 'slice', 'tbl', 'starttime', 'session', 'query', 'col_length', 'position'])
      expect(row).toHaveProperty(col);
    const id = (await c.query('select pg_last_copy_id() as id')).rows[0].id;
    expect(row.query).toBe(id);
    const d = (await c.query(`select * from sys_load_error_detail where query_id = $1`, [id])).rows;
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ line_number: '4', error_code: 1207 });
    expect(d[0].file_name.trim()).toBe(url);
    expect(d[0].column_name.trim()).toBe('id');
    expect(d[0].error_message.trim()).toBe("Invalid digit, Value 'x', Pos 0, Type: Integer");
    expect(d[0]).not.toHaveProperty('raw_line');
    for (const col of [
      'user_id',
      'transaction_id',
      'session_id',
      'database_name',
      'table_id',
      'start_time',
      'column_type',
      'column_length',
      'position',
    ])
      expect(d[0]).toHaveProperty(col);
  });

  it('reports the Redshift error codes for length, NOT NULL, extra and missing columns', async () => {
    await table('create table codes_t (id int not null, name varchar(3))');
    const cases: Array<[string, number, string]> = [
      ['1,abcd\n', 1204, 'String length exceeds DDL length'],
      ['1,éé\n', 1204, 'String length exceeds DDL length'],
      [',abc\n', 1213, 'Missing data for not-null field'],
      ['1,a,extra\n', 1202, 'Extra column(s) found'],
      ['1\n', 1214, 'Delimiter not found'],
    ];
    for (const [body, code, reason] of cases) {
      const url = await f.put(`codes/${code}-${Math.random()}.csv`, body);
      await failure(f.client, `copy codes_t from '${url}' ${ROLE} csv`);
      const r = (
        await rows(`select err_code, trim(err_reason) as reason from stl_load_errors where query = pg_last_copy_id()`)
      )[0]!;
      expect(r).toEqual({ err_code: code, reason });
    }
  });

  it('keeps pg_last_copy_id() after a syntax or credentials failure', async () => {
    const before = (await rows('select pg_last_copy_id() as id'))[0]!.id;
    await failure(f.client, `copy codes_t from 's3://upshift-test/x' csv`);
    await failure(f.client, `copy codes_t from 's3://upshift-test/x' ${ROLE} nonsense`);
    expect((await rows('select pg_last_copy_id() as id'))[0]!.id).toBe(before);
  });

  it('refuses a COPY without credentials and accepts every credentials form', async () => {
    const e = await failure(f.client, `copy codes_t from 's3://upshift-test/x' csv`);
    expect(e.message).toMatch(/^Invalid credentials/);
    await table('create table cred_t (id int)');
    const url = await f.put('cred/a', '1\n');
    await f.client.query(
      `copy cred_t from '${url}' access_key_id 'AKIA' secret_access_key 'secret' session_token 'tok'`,
    );
    await f.client.query(`copy cred_t from '${url}' credentials 'aws_access_key_id=AKIA;aws_secret_access_key=secret'`);
    await f.client.query(
      `copy cred_t from '${url}' credentials 'aws_iam_role=arn:aws:iam::1:role/r' region 'us-east-1' compupdate off statupdate on`,
    );
    expect((await rows('select count(*)::int as n from cred_t'))[0]!.n).toBe(3);
  });

  it('NOLOAD checks the data without loading it', async () => {
    await table('create table noload_t (id int)');
    const good = await f.put('noload/good', '1\n2\n');
    await f.client.query(`copy noload_t from '${good}' ${ROLE} noload`);
    expect((await rows('select count(*)::int as n from noload_t'))[0]!.n).toBe(0);
    const bad = await f.put('noload/bad', '1\nx\n');
    await failure(f.client, `copy noload_t from '${bad}' ${ROLE} noload`);
    expect(await rows('select line_number from stl_load_errors where query = pg_last_copy_id()')).toEqual([
      { line_number: '2' },
    ]);
  });

  it('MAXERROR skips up to that many bad rows and records them', async () => {
    await table('create table maxerr_t (id int)');
    const url = await f.put('maxerr/a', '1\nx\n3\n');
    const r = await f.client.query(`copy maxerr_t from '${url}' ${ROLE} maxerror 1`);
    expect(r.rowCount).toBe(2);
    expect((await rows('select id from maxerr_t order by 1')).map((x) => x.id)).toEqual([1, 3]);
    expect(await rows('select line_number from stl_load_errors where query = pg_last_copy_id()')).toEqual([
      { line_number: '2' },
    ]);
  });

  it('reads the default pipe-delimited text format with IGNOREHEADER, DELIMITER and NULL AS', async () => {
    await table('create table text_t (id int, v varchar(10), n int)');
    const a = await f.put('text/a', 'header\n1|one|\\N\n2||5\n');
    await f.client.query(`copy text_t from '${a}' ${ROLE} ignoreheader 1`);
    const b = await f.put('text/b', '3\tthree\tNULL\n');
    await f.client.query(`copy text_t from '${b}' ${ROLE} delimiter '\\t' null as 'NULL'`);
    expect(await rows('select * from text_t order by id')).toEqual([
      { id: 1, v: 'one', n: null },
      { id: 2, v: '', n: 5 },
      { id: 3, v: 'three', n: null },
    ]);
  });

  it('EMPTYASNULL, BLANKSASNULL and TRUNCATECOLUMNS', async () => {
    await table('create table blanks_t (id int, v varchar(4))');
    const url = await f.put('blanks/a.csv', '1,\n2,"  "\n3,abcdef\n4,"éééé"\n');
    await f.client.query(`copy blanks_t from '${url}' ${ROLE} csv emptyasnull blanksasnull truncatecolumns`);
    expect(await rows('select * from blanks_t order by id')).toEqual([
      { id: 1, v: null },
      { id: 2, v: null },
      { id: 3, v: 'abcd' },
      { id: 4, v: 'éé' },
    ]);
  });

  it('DATEFORMAT and TIMEFORMAT with explicit formats and epochsecs', async () => {
    await table('create table dt_t (d date, t timestamp)');
    const a = await f.put('dt/a', '02/03/2024|2024.03.02 13:14:15\n');
    await f.client.query(`copy dt_t from '${a}' ${ROLE} dateformat 'MM/DD/YYYY' timeformat 'YYYY.MM.DD HH24:MI:SS'`);
    const b = await f.put('dt/b', '2024-01-01|1700000000\n');
    await f.client.query(`copy dt_t from '${b}' ${ROLE} timeformat 'epochsecs'`);
    expect(await rows(`select d::text, t::text from dt_t order by d`)).toEqual([
      { d: '2024-01-01', t: '2023-11-14 22:13:20' },
      { d: '2024-02-03', t: '2024-03-02 13:14:15' },
    ]);
    const bad = await f.put('dt/bad', '2024/01/01|2024-01-01 00:00:00\n');
    await failure(f.client, `copy dt_t from '${bad}' ${ROLE}`);
    expect((await rows('select err_code from stl_load_errors where query = pg_last_copy_id()'))[0]!.err_code).toBe(
      1205,
    );
  });

  it('decompresses GZIP, BZIP2 and ZSTD', async () => {
    await table('create table comp_t (id int, v varchar(10))');
    const gz = await f.put('comp/a.gz', '1|gz one\n', true);
    const bz = await f.put(
      'comp/b.bz2',
      Buffer.from('QlpoOTFBWSZTWT3tIL8AAAJZgAAQQAAwABIBhJQgADEDQNASk0GjeqVyzInttClvxdyRThQkD3tIL8A=', 'base64'),
    );
    const zs = await f.put('comp/c.zst', Buffer.from('KLUv/QRYkQAAMXx6cyBvbmUKMnx6cyB0d28KXgtXSg==', 'base64'));
    await f.client.query(`copy comp_t from '${gz}' ${ROLE} gzip`);
    await f.client.query(`copy comp_t from '${bz}' ${ROLE} bzip2`);
    await f.client.query(`copy comp_t from '${zs}' ${ROLE} zstd`);
    expect((await rows('select v from comp_t order by v')).map((r) => r.v)).toEqual([
      'bz one',
      'bz two',
      'gz one',
      'zs one',
      'zs two',
    ]);
  });

  it("FORMAT JSON 'auto', 'auto ignorecase' and a jsonpaths file", async () => {
    await table('create table json_t (id int, name varchar(20), tags super)');
    const a = await f.put('json/a.json', '{"id": 1, "name": "one", "tags": ["x", "y"]}\n{"id": 2,\n "name": null}\n');
    await f.client.query(`copy json_t from '${a}' ${ROLE} format as json 'auto'`);
    const b = await f.put('json/b.json', '{"ID": 3, "Name": "three"}');
    await f.client.query(`copy json_t from '${b}' ${ROLE} json 'auto ignorecase'`);
    const paths = await f.put('json/paths.json', JSON.stringify({ jsonpaths: ["$['k']", '$.inner.n', '$.t'] }));
    const c = await f.put('json/c.json', '{"k": 4, "inner": {"n": "four"}, "t": {"a": 1}}');
    await f.client.query(`copy json_t from '${c}' ${ROLE} json '${paths}'`);
    expect(await rows('select * from json_t order by id')).toEqual([
      { id: 1, name: 'one', tags: '["x","y"]' },
      { id: 2, name: null, tags: null },
      { id: 3, name: 'three', tags: null },
      { id: 4, name: 'four', tags: '{"a":1}' },
    ]);
  });

  it('FORMAT PARQUET, mapping columns by position; a manifest needs content_length', async () => {
    await table('create table pq_t (id bigint, name varchar(10), score double precision, at timestamp, ok boolean)');
    const buf = Buffer.from(
      parquetWriteBuffer({
        columnData: [
          { name: 'a', data: [1n, 2n], type: 'INT64' },
          { name: 'b', data: ['p', null], type: 'STRING' },
          { name: 'c', data: [1.5, 2.5], type: 'DOUBLE' },
          { name: 'd', data: [new Date('2024-05-06T07:08:09.123Z'), null], type: 'TIMESTAMP' },
          { name: 'e', data: [true, false], type: 'BOOLEAN' },
        ],
      }),
    );
    const url = await f.put('pq/part.parquet', buf);
    await f.client.query(`copy pq_t from '${url}' ${ROLE} format as parquet`);
    expect(
      await rows(`select id, name, score, to_char(at, 'YYYY-MM-DD HH24:MI:SS.MS') as at, ok from pq_t order by id`),
    ).toEqual([
      { id: '1', name: 'p', score: 1.5, at: '2024-05-06 07:08:09.123', ok: true },
      { id: '2', name: null, score: 2.5, at: null, ok: false },
    ]);
    const m = await f.put('pq/manifest', JSON.stringify({ entries: [{ url, mandatory: true }] }));
    const e = await failure(f.client, `copy pq_t from '${m}' ${ROLE} manifest format as parquet`);
    expect(e.message).toBe("File entry does not have 'meta' key.");
    const m2 = await f.put(
      'pq/manifest2',
      JSON.stringify({ entries: [{ url, mandatory: true, meta: { content_length: buf.length } }] }),
    );
    await f.client.query(`copy pq_t from '${m2}' ${ROLE} manifest format as parquet`);
    expect((await rows('select count(*)::int as n from pq_t'))[0]!.n).toBe(4);
  });

  it('ACCEPTINVCHARS replaces invalid UTF-8; without it the row is rejected', async () => {
    await table('create table inv_t (id int, v varchar(10))');
    const url = await f.put('inv/a', Buffer.concat([Buffer.from('1|a'), Buffer.from([0xff]), Buffer.from('b\n')]));
    await failure(f.client, `copy inv_t from '${url}' ${ROLE}`);
    expect((await rows('select err_code from stl_load_errors where query = pg_last_copy_id()'))[0]!.err_code).toBe(
      1220,
    );
    await f.client.query(`copy inv_t from '${url}' ${ROLE} acceptinvchars as '^'`);
    expect((await rows('select v from inv_t'))[0]!.v).toBe('a^b');
  });

  it('is atomic inside a transaction: rollback undoes it, a failure aborts the transaction', async () => {
    await table('create table tx_t (id int)');
    const good = await f.put('tx/good', '1\n2\n');
    const bad = await f.put('tx/bad', '3\nx\n');
    const c = await f.connect();
    await c.query('begin');
    await c.query(`copy tx_t from '${good}' ${ROLE}`);
    expect((await c.query('select count(*)::int as n from tx_t')).rows[0].n).toBe(2);
    await c.query('rollback');
    expect((await c.query('select count(*)::int as n from tx_t')).rows[0].n).toBe(0);
    await c.query('begin');
    await c.query('insert into tx_t values (10)');
    await failure(c, `copy tx_t from '${bad}' ${ROLE}`);
    await expect(c.query('select 1')).rejects.toMatchObject({ code: '25P02' });
    await c.query('rollback');
    // the load errors outlive the rolled-back transaction
    expect(
      (await c.query('select count(*)::int as n from stl_load_errors where query = pg_last_copy_id()')).rows[0].n,
    ).toBe(1);
    expect((await c.query('select count(*)::int as n from tx_t')).rows[0].n).toBe(0);
  });

  it('pg_last_copy_id() in the same multi-statement query as the COPY names that COPY', async () => {
    await table('create table same_q (id int)');
    const url = await f.put('sameq/a', '1\n');
    const c = await f.connect();
    const r = (await c.query(`copy same_q from '${url}' ${ROLE}; select pg_last_copy_id() as id`)) as unknown as Array<{
      rows: Array<{ id: number }>;
    }>;
    const id = r[1]!.rows[0]!.id;
    expect(id).toBeGreaterThan(0);
    expect((await c.query('select count(*)::int as n from stl_load_commits where query = $1', [id])).rows[0].n).toBe(1);
  });

  it('refuses COPY FROM STDIN as Redshift does', async () => {
    const e = await failure(f.client, 'copy tx_t from stdin');
    expect(e.message).toBe('LOAD source is not supported. (Hint: only S3 or DynamoDB or EMR based load is allowed)');
  });

  it('loads BOOLEAN spellings, VARBYTE as hex, SUPER as JSON text; refuses multibyte CHAR', async () => {
    await table('create table types_t (b boolean, vb varbyte(4), doc super, c char(2))');
    const url = await f.put('types/a.csv', 't,414243,"{""k"":1}",ab\nyes,,,\nN,00,[1],\n0,ff,"""s""",\nf,"","",\n');
    await f.client.query(`copy types_t from '${url}' ${ROLE} csv`).catch(async (err: unknown) => {
      throw new Error(
        `${String(err)}: ${JSON.stringify(await rows('select * from stl_load_errors where query = pg_last_copy_id()'))}`,
      );
    });
    const r = await rows(`select b, encode(vb, 'hex') as vb, doc, c from types_t`);
    expect(r).toEqual([
      { b: true, vb: '414243', doc: '{"k":1}', c: 'ab' },
      { b: true, vb: null, doc: null, c: '  ' },
      { b: false, vb: '00', doc: '[1]', c: '  ' },
      { b: false, vb: 'ff', doc: '"s"', c: '  ' },
      { b: false, vb: '', doc: '', c: '  ' },
    ]);
    const bad = await f.put('types/bad.csv', 'maybe,,,\n');
    await failure(f.client, `copy types_t from '${bad}' ${ROLE} csv`);
    expect((await rows('select err_code from stl_load_errors where query = pg_last_copy_id()'))[0]!.err_code).toBe(
      1210,
    );
    const mb = await f.put('types/mb.csv', 't,,,é\n');
    await failure(f.client, `copy types_t from '${mb}' ${ROLE} csv`);
    const e = (
      await rows('select err_code, trim(err_reason) as r from stl_load_errors where query = pg_last_copy_id()')
    )[0]!;
    expect(e).toEqual({
      err_code: 1220,
      r: 'Multibyte character not supported for CHAR (Hint: try using VARCHAR). Invalid char: c3 a9',
    });
  });

  it('a malformed CSV record (unclosed quote) fails the COPY even under MAXERROR; a stray quote in a bare field is data', async () => {
    await table('create table csvq_t (id int, v varchar(20))');
    const url = await f.put('csvq/a.csv', '1,a"b\n2,"open\n3,x\n');
    await failure(f.client, `copy csvq_t from '${url}' ${ROLE} csv maxerror 10`);
    expect((await rows('select count(*)::int as n from csvq_t'))[0]!.n).toBe(0);
    const ok = await f.put('csvq/b.csv', '1,a"b\n');
    await f.client.query(`copy csvq_t from '${ok}' ${ROLE} csv`);
    expect((await rows('select v from csvq_t'))[0]!.v).toBe('a"b');
  });

  it("a value only Postgres rejects (DATEFORMAT 'auto' garbage) still becomes a load error at its file and line", async () => {
    await table('create table auto_t (id int, d date)');
    const a = await f.put('auto/a', '1|2024-01-01\n');
    const b = await f.put('auto/b', '2|2024-01-02\n3|not a date\n');
    const m = await f.put(
      'auto/manifest',
      JSON.stringify({
        entries: [
          { url: a, mandatory: true },
          { url: b, mandatory: true },
        ],
      }),
    );
    const e = await failure(f.client, `copy auto_t from '${m}' ${ROLE} manifest dateformat 'auto'`);
    expect(e.message).toBe(`Load into table 'auto_t' failed.  Check 'stl_load_errors' system table for details.`);
    const r =
      await rows(`select trim(filename) as filename, line_number, trim(colname) as colname, trim(raw_field_value) as v
      from stl_load_errors where query = pg_last_copy_id()`);
    expect(r).toEqual([{ filename: b, line_number: '2', colname: 'd', v: 'not a date' }]);
    expect((await rows('select count(*)::int as n from auto_t'))[0]!.n).toBe(0);
  });
});
