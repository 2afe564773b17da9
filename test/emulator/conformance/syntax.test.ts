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
afterAll(async () => {
  await f?.close();
});

const rows = async (sql: string): Promise<unknown[][]> => (await f.client.query({ text: sql, rowMode: 'array' })).rows;

describe('what keyword matching broke (each failed before the parser)', () => {
  it('an alias named like a system table is an alias', async () => {
    expect(await rows(`select count(*) as stl_load_errors from t`)).toEqual([['3']]);
  });

  it('a CTE named like a system table is the CTE', async () => {
    expect(await rows(`with stv_slices as (select 1 a) select * from stv_slices`)).toEqual([[1]]);
  });

  it('a table named conflict is not ON CONFLICT', async () => {
    await f.client.query(
      `create table tgt (id int); create table conflict (id int); insert into tgt values (1); insert into conflict values (1)`,
    );
    const r = await f.client.query(`insert into tgt select a.id from tgt a join conflict on conflict.id = a.id`);
    expect(r.rowCount).toBe(1);
  });

  it("a backslash-escaped quote is read as Redshift reads it: 'it\\'s'", async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_Literals.html (string literals)
    expect(await rows(`select 'it\\'s', 'a\\\\b'`)).toEqual([["it's", 'a\\b']]);
  });

  it('the refusals stay: ON CONFLICT, RETURNING, advisory locks', async () => {
    expect((await failure(f.client, `insert into t values (9, 'z') on conflict do nothing`)).message).toBe(
      'syntax error at or near "on"',
    );
    expect((await failure(f.client, `delete from t where id = 9 returning id`)).message).toBe(
      'syntax error at or near "returning"',
    );
    expect((await failure(f.client, `select pg_advisory_lock(1)`)).code).toBe('42883');
  });
});

describe('Redshift syntax', () => {
  it('ALTER TABLE ADD COLUMN ... DEFAULT getdate() fills existing rows (it failed: function getdate() does not exist)', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html (ADD [ COLUMN ] column_name ... DEFAULT default_expr)
    await f.client.query(`create table added (k int)`);
    await f.client.query(`insert into added values (1), (2)`);
    await f.client.query(`alter table added add column loaded_at timestamp default getdate()`);
    await f.client.query(`alter table added add column n int default 5 not null`);
    expect(await rows(`select k, loaded_at is not null, n from added order by k`)).toEqual([
      [1, true, 5],
      [2, true, 5],
    ]);
  });

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

  it("PG_GET_LATE_BINDING_VIEW_COLS lists the late-binding views' columns (dbt-redshift's catalog query; missing before)", async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/PG_GET_LATE_BINDING_VIEW_COLS.html: schema, view, column, type,
    // column number of every late-binding view; a view that binds is not listed.
    await f.client.query(
      `create view v_lbv (k, label) as select id, name from ${f.schema.schema}.t with no schema binding`,
    );
    await f.client.query(`create view v_bound as select id from t`);
    expect(
      await rows(`select view_name, col_name, col_type, col_num from pg_get_late_binding_view_cols()
      cols(view_schema name, view_name name, col_name name, col_type varchar, col_num int)
      where view_schema = '${f.schema.schema}' order by view_name, col_num`),
    ).toEqual([
      ['v_late', 'id', 'integer', 1],
      ['v_lbv', 'k', 'integer', 1],
      ['v_lbv', 'label', 'character varying(20)', 2],
    ]);
    // Replaced by a view that binds, it is no longer late-binding.
    await f.client.query(`create or replace view v_lbv (k, label) as select id, name from t`);
    expect(
      await rows(`select count(*) from pg_get_late_binding_view_cols() cols(s name, v name, c name, t varchar, n int)
      where v = 'v_lbv'`),
    ).toEqual([['0']]);
  });

  it('HAS_TABLE_PRIVILEGE on a system view named by a string (dbt-redshift asks it of svv_table_info; it failed: relation does not exist)', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_HAS_TABLE_PRIVILEGE.html
    expect(
      await rows(`select has_table_privilege(current_user, 'svv_table_info', 'SELECT'), has_table_privilege('stl_load_errors', 'select'),
      has_table_privilege('t', 'select')`),
    ).toEqual([[true, true, true]]);
  });

  it('RESPECT NULLS is the default of FIRST_VALUE', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_first_value.html
    expect(
      await rows(
        `select first_value(name respect nulls) over (order by id rows between unbounded preceding and unbounded following) from t limit 1`,
      ),
    ).toEqual([['a']]);
  });

  it('# temp tables and DATEADD in a DEFAULT', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html (# names a temporary table)
    await f.client.query(`create table #tmp (id int, at timestamp default getdate())`);
    await f.client.query(`insert into #tmp (id) values (1)`);
    expect(await rows(`select count(*) from #tmp where at <= dateadd(minute, 1, getdate())`)).toEqual([['1']]);
  });
});

describe('QUALIFY', () => {
  // https://docs.aws.amazon.com/redshift/latest/dg/r_QUALIFY_clause.html: the sample data and both examples.
  beforeAll(async () => {
    await f.client
      .query(`create table store_sales (ss_sold_date date, ss_sold_time time, ss_item text, ss_sales_price float);
      insert into store_sales values ('2022-01-01', '09:00:00', 'Product 1', 100.0), ('2022-01-01', '11:00:00', 'Product 2', 500.0),
      ('2022-01-01', '15:00:00', 'Product 3', 20.0), ('2022-01-01', '17:00:00', 'Product 4', 1000.0), ('2022-01-01', '18:00:00', 'Product 5', 30.0),
      ('2022-01-02', '10:00:00', 'Product 6', 5000.0), ('2022-01-02', '16:00:00', 'Product 7', 5.0)`);
  });
  const items = async (sql: string): Promise<unknown[]> => (await rows(sql)).map((r) => r[2]);

  it('the two most expensive items sold after 12:00 each day (documented)', async () => {
    const r = await f.client.query(`SELECT * FROM store_sales ss WHERE ss_sold_time > time '12:00:00'
      QUALIFY row_number() OVER (PARTITION BY ss_sold_date ORDER BY ss_sales_price DESC) <= 2 order by ss_sold_date, ss_sales_price desc`);
    expect(r.fields.map((x) => x.name)).toEqual(['ss_sold_date', 'ss_sold_time', 'ss_item', 'ss_sales_price']);
    expect(r.rows.map((x) => [x.ss_item, x.ss_sales_price])).toEqual([
      ['Product 4', 1000],
      ['Product 5', 30],
      ['Product 7', 5],
    ]);
  });

  it('the last item sold each day (documented)', async () => {
    expect(
      await items(`SELECT * FROM store_sales ss QUALIFY last_value(ss_item) OVER (PARTITION BY ss_sold_date ORDER BY ss_sold_time ASC
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) = ss_item order by 1`),
    ).toEqual(['Product 5', 'Product 7']);
  });

  it('with named columns, a window in the list, GROUP BY, LIMIT and inside a subquery', async () => {
    const r = await f.client.query({
      rowMode: 'array',
      text: `select ss_sold_date, ss_item item, rank() over (partition by ss_sold_date order by ss_sales_price) as rk
      from store_sales qualify rk = 1 order by ss_sold_date`,
    });
    expect(r.fields.map((x) => x.name)).toEqual(['ss_sold_date', 'item', 'rk']);
    expect(r.rows.map((x) => [x[1], x[2]])).toEqual([
      ['Product 3', '1'],
      ['Product 7', '1'],
    ]);
    // The window in the list is computed before the filter, as Redshift computes it: 5 rows that day.
    expect(
      await rows(
        `select ss_item, count(*) over (partition by ss_sold_date) from store_sales ss qualify ss_sales_price > 600 order by 1`,
      ),
    ).toEqual([
      ['Product 4', '5'],
      ['Product 6', '2'],
    ]);
    expect(
      await rows(
        `select ss_sold_date::text, count(*) from store_sales group by 1 qualify rank() over (order by count(*) desc) = 1`,
      ),
    ).toEqual([['2022-01-01', '5']]);
    expect(
      await rows(
        `select count(*) from (select ss_item from store_sales s qualify row_number() over (order by ss_item) <= 3 limit 2) x`,
      ),
    ).toEqual([['2']]);
    expect(
      await rows(`select a.id, b.id from t a join t b on b.id = a.id + 1 qualify max(b.id) over () = b.id`),
    ).toEqual([[2, 3]]);
  });
});

describe('LAG and LEAD with IGNORE NULLS (refused with 0A000 before)', () => {
  // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_LAG.html and r_WF_LEAD.html: IGNORE NULLS skips nulls in
  // choosing the row; offset defaults to 1, 0 is the current row; RESPECT NULLS is the default.
  beforeAll(async () => {
    await f.client.query(`create table lg (g int, o int, v int); insert into lg values
      (1, 1, 10), (1, 2, null), (1, 3, 30), (1, 4, null), (1, 5, 50), (2, 1, null), (2, 2, 7)`);
  });

  it('LAG skips null values, with and without an offset', async () => {
    expect(
      await rows(`select o, lag(v) ignore nulls over (partition by g order by o), lag(v, 2) ignore nulls over (partition by g order by o),
      lag(v, 0) ignore nulls over (partition by g order by o) from lg where g = 1 order by o`),
    ).toEqual([
      [1, null, null, 10],
      [2, 10, null, null],
      [3, 10, null, 30],
      [4, 30, 10, null],
      [5, 30, 10, 50],
    ]);
  });

  it('LEAD skips null values; RESPECT NULLS keeps them', async () => {
    expect(
      await rows(`select o, lead(v) ignore nulls over (partition by g order by o) as nx, lead(v) respect nulls over (partition by g order by o)
      from lg order by g, o`),
    ).toEqual([
      [1, 30, null],
      [2, 30, 30],
      [3, 50, null],
      [4, 50, 50],
      [5, null, null],
      [1, 7, 7],
      [2, null, null],
    ]);
  });

  it('the output column is named lag, as the function', async () => {
    const r = await f.client.query(`select lag(v) ignore nulls over (order by g, o) from lg`);
    expect(r.fields.map((x) => x.name)).toEqual(['lag']);
  });
});

describe('CREATE TABLE AS keeps its table properties', () => {
  // https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_AS.html: CTAS takes an optional column-name
  // list, DISTSTYLE / DISTKEY / SORTKEY (by name or position); without them the table is DISTSTYLE AUTO.
  const notices: string[] = [];
  beforeAll(() => {
    f.client.on('notice', (n) => notices.push(n.message ?? ''));
  });
  const def = async (table: string): Promise<unknown[][]> =>
    rows(`select "column", trim(encoding), distkey, sortkey from pg_table_def
    where tablename = '${table}' and schemaname = current_schema() order by "column"`);

  it('a plain CTAS is recorded with its columns, without a warning (it warned "not recorded" before)', async () => {
    notices.length = 0;
    await f.client.query(`create table ctas_plain as select id, name from t`);
    expect(notices.filter((n) => /not recorded/.test(n))).toEqual([]);
    expect(await def('ctas_plain')).toEqual([
      ['id', 'az64', false, 0],
      ['name', 'lzo', false, 0],
    ]);
    expect(
      await rows(
        `select diststyle, sortkey1 from svv_table_info where "table" = 'ctas_plain' and schema = current_schema()`,
      ),
    ).toEqual([['AUTO(ALL)', 'AUTO(SORTKEY)']]);
  });

  it('DISTKEY and SORTKEY by name, and a column-name list (refused as an unsupported type before)', async () => {
    await f.client.query(`create table ctas_keys (k, label) distkey(k) sortkey(label) as select id, name from t`);
    expect(await def('ctas_keys')).toEqual([
      ['k', 'az64', true, 0],
      ['label', 'none', false, 1],
    ]);
    expect(
      await rows(
        `select diststyle, sortkey1 from svv_table_info where "table" = 'ctas_keys' and schema = current_schema()`,
      ),
    ).toEqual([['KEY(k)', 'label']]);
    expect(await rows(`select count(*) from ctas_keys`)).toEqual([['3']]);
  });
});

describe('ALTER TABLE APPEND (a Postgres syntax error before)', () => {
  // https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE_APPEND.html: rows move to the columns of the same
  // names, the source is left empty; IGNOREEXTRA drops the source's extra columns, FILLTARGET fills the target's
  // with their defaults (or null); it commits at once and can't run inside a transaction block.
  beforeAll(async () => {
    await f.client.query(`create table ap_sales (id int, qty int, region varchar(10) default 'none');
      create table ap_monthly (qty int, id int); insert into ap_monthly values (5, 1), (7, 2);
      create table ap_wide (id int, qty int, region varchar(10), note text); insert into ap_wide values (3, 1, 'eu', 'x')`);
  });

  it('moves the rows by column name and empties the source', async () => {
    await f.client.query(`alter table ap_monthly add column region varchar(10)`);
    await f.client.query(`update ap_monthly set region = 'us'`);
    const r = await f.client.query(`alter table ap_sales append from ap_monthly`);
    expect(r.command).toBe('ALTER');
    expect(await rows(`select id, qty, region from ap_sales order by id`)).toEqual([
      [1, 5, 'us'],
      [2, 7, 'us'],
    ]);
    expect(await rows(`select count(*) from ap_monthly`)).toEqual([['0']]);
  });

  it('extra columns need IGNOREEXTRA or FILLTARGET', async () => {
    expect((await failure(f.client, `alter table ap_sales append from ap_wide`)).message).toMatch(
      /column\(s\) note not in target table ap_sales.*IGNOREEXTRA/,
    );
    await f.client.query(`alter table ap_sales append from ap_wide ignoreextra`);
    await f.client.query(`create table ap_narrow (id int); insert into ap_narrow values (9)`);
    expect((await failure(f.client, `alter table ap_sales append from ap_narrow`)).message).toMatch(
      /qty, region not in source table ap_narrow.*FILLTARGET/,
    );
    await f.client.query(`alter table ap_sales append from ap_narrow filltarget`);
    expect(await rows(`select id, qty, region from ap_sales where id > 2 order by id`)).toEqual([
      [3, 1, 'eu'],
      [9, null, 'none'],
    ]);
    expect(await rows(`select (select count(*) from ap_wide), (select count(*) from ap_narrow)`)).toEqual([['0', '0']]);
  });

  it('is refused inside a transaction block, and commits by itself outside one', async () => {
    await f.client.query(`insert into ap_narrow values (10)`);
    await f.client.query('begin');
    expect((await failure(f.client, `alter table ap_sales append from ap_narrow filltarget`)).code).toBe('25001');
    await f.client.query('rollback');
    const other = await f.connect();
    await f.client.query(`alter table ap_sales append from ap_narrow filltarget`);
    expect(
      await other.query({ text: `select count(*) from ap_sales where id = 10`, rowMode: 'array' }).then((r) => r.rows),
    ).toEqual([['1']]);
  });

  it('through the extended protocol (each statement its own Sync, as JDBC sends it)', async () => {
    await f.client.query(`insert into ap_narrow values (11)`);
    await f.client.query({ text: `alter table ap_sales append from ap_narrow filltarget`, values: [] });
    expect(await rows(`select count(*) from ap_sales where id = 11`)).toEqual([['1']]);
  });
});

describe('Redshift utility statements (each failed on Postgres before)', () => {
  const db = async (): Promise<string> => (await rows(`select current_database()`))[0]![0] as string;

  it('SHOW TABLES FROM SCHEMA db.schema [LIKE] [LIMIT]', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_SHOW_TABLES.html
    const r = await f.client.query(`show tables from schema ${await db()}.${f.schema.schema} like 'ap\\_%'`);
    expect(r.fields.map((x) => x.name)).toEqual([
      'database_name',
      'schema_name',
      'table_name',
      'table_type',
      'table_acl',
      'remarks',
    ]);
    expect(r.rows.map((x) => [x.table_name, x.table_type])).toEqual([
      ['ap_monthly', 'TABLE'],
      ['ap_narrow', 'TABLE'],
      ['ap_sales', 'TABLE'],
      ['ap_wide', 'TABLE'],
    ]);
    expect(
      (await f.client.query(`show tables from schema ${await db()}.${f.schema.schema} limit 2`)).rows,
    ).toHaveLength(2);
  });

  it('SHOW COLUMNS FROM TABLE db.schema.table', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_SHOW_COLUMNS.html
    const r = await f.client.query(`show columns from table ${await db()}.${f.schema.schema}.t`);
    expect(r.fields.map((x) => x.name)).toEqual([
      'database_name',
      'schema_name',
      'table_name',
      'column_name',
      'ordinal_position',
      'column_default',
      'is_nullable',
      'data_type',
      'character_maximum_length',
      'numeric_precision',
      'numeric_scale',
      'remarks',
    ]);
    expect(r.rows.map((x) => [x.column_name, x.ordinal_position, x.data_type, x.character_maximum_length])).toEqual([
      ['id', 1, 'integer', null],
      ['name', 2, 'character varying', 20],
    ]);
  });

  it("ANALYZE COMPRESSION answers with Redshift's columns", async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_ANALYZE_COMPRESSION.html (Table, Column, Encoding, Est_reduction_pct)
    const r = await f.client.query({ text: `analyze compression ctas_keys`, rowMode: 'array' });
    expect(r.fields.map((x) => x.name)).toEqual(['Table', 'Column', 'Encoding', 'Est_reduction_pct']);
    expect(r.rows).toEqual([
      ['ctas_keys', 'k', 'az64', '0.00'],
      ['ctas_keys', 'label', 'raw', '0.00'],
    ]);
  });

  it("CANCEL pid cancels that session's running query", async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CANCEL.html
    const other = await f.connect();
    const pid = (await other.query(`select pg_backend_pid() as p`)).rows[0].p as number;
    const running = other.query(`select pg_sleep(30)`).then(
      () => 'finished',
      (e: Error) => e.message,
    );
    await new Promise((r) => setTimeout(r, 300));
    await f.client.query(`cancel ${pid} 'long query'`);
    expect(await running).toMatch(/cancel/i);
  });

  it("CREATE USER with Redshift's password rules, md5 form and PASSWORD DISABLE", async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_USER.html
    const u = `u_${f.schema.schema.slice(-8)}`;
    try {
      expect((await failure(f.client, `create user ${u}a password 'abcdefgh1'`)).message).toBe(
        'Password must contain an uppercase character',
      );
      expect((await failure(f.client, `create user ${u}a password 'Abc1'`)).message).toBe(
        'Password must be 8 to 64 characters long',
      );
      await f.client.query(`create user ${u}a password 'ABCd4717'`);
      await f.client.query(`create user ${u}b password 'md5153c434b4b77c89e6b94f12c5393af5b'`);
      await f.client.query(`create user ${u}c password disable`);
      expect(await rows(`select usename, passwd is null from pg_shadow where usename like '${u}_' order by 1`)).toEqual(
        [
          [`${u}a`, false],
          [`${u}b`, false],
          [`${u}c`, true],
        ],
      );
    } finally {
      for (const s of ['a', 'b', 'c']) await f.client.query(`drop user if exists ${u}${s}`);
    }
  });
});
