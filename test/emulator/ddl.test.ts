import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('ddl', 4);
});
afterAll(async () => {
  await f?.close();
});

describe('Redshift CREATE TABLE and the catalog views', () => {
  it('accepts table and column attributes and shows them in pg_table_def', async () => {
    await f.client.query(`create table events (
      id bigint identity(1, 1) encode az64,
      account_id integer not null distkey,
      kind varchar(max) encode zstd,
      code char(3),
      payload super,
      blob varbyte(16),
      shape geometry,
      at_time timetz,
      created_at timestamp not null default getdate() sortkey,
      span interval day to second,
      ym interval year to month,
      amount decimal(12, 2),
      label text collate case_insensitive
    ) backup no diststyle key`);
    const r = await f.client.query(`select "column", type, encoding, distkey, sortkey, notnull from pg_table_def
      where tablename = 'events' and schemaname = current_schema() order by "column"`);
    const byName = Object.fromEntries(r.rows.map((x) => [x.column, { ...x, encoding: x.encoding.trim() }]));
    expect(byName.account_id).toMatchObject({ type: 'integer', distkey: true, notnull: true });
    expect(byName.kind).toMatchObject({ type: 'character varying(65535)', encoding: 'zstd' });
    expect(byName.id.encoding).toBe('az64');
    expect(byName.created_at).toMatchObject({ sortkey: 1, type: 'timestamp without time zone' });
    expect(byName.payload.type).toBe('super');
    expect(byName.blob.type).toBe('varbyte(16)');
    expect(byName.shape.type).toBe('geometry');
    expect(byName.at_time.type).toBe('time with time zone');
    expect(byName.span.type).toBe('interval day to second');
    expect(byName.amount.type).toBe('numeric(12,2)');
    expect(byName.label.type).toBe('character varying(256)');
    expect(byName.code.type).toBe('character(3)');
    // ENCODE AUTO defaults: lzo for character types, az64 for numbers and times, none (raw) for the sort key
    expect(byName.code.encoding).toBe('lzo');
    expect(byName.amount.encoding).toBe('az64');
    expect(byName.created_at.encoding).toBe('none');
    // char columns come back blank-padded, as on Redshift
    expect(r.rows.find((x) => x.column === 'kind')!.encoding).toBe('zstd'.padEnd(11));
  });

  it('shows dist style and sort keys in svv_table_info (non-empty tables only, as documented)', async () => {
    await f.client.query(
      `create table keyed (a int, b varchar(5), c date) diststyle key distkey (a) compound sortkey (c, b)`,
    );
    await f.client.query(`create table evenly (a int) diststyle even`);
    await f.client.query(`create table everywhere (a int) diststyle all sortkey auto`);
    await f.client.query(`create table interleaved_t (a int, b int) interleaved sortkey (a, b)`);
    let r = await f.client.query(`select "table" from svv_table_info where schema = $1`, [f.schema.schema]);
    expect(r.rows.map((x) => x.table)).not.toContain('keyed');
    await f.client.query(`insert into keyed values (1, 'x', '2024-01-01'); insert into evenly values (1);
      insert into everywhere values (1); insert into interleaved_t values (1, 2)`);
    r = await f.client.query(
      `select "table", diststyle, sortkey1, sortkey_num, tbl_rows, encoded from svv_table_info
      where schema = $1 order by 1`,
      [f.schema.schema],
    );
    const t = Object.fromEntries(r.rows.map((x) => [x.table, x]));
    expect(t.keyed).toMatchObject({ diststyle: 'KEY(a)', sortkey1: 'c', sortkey_num: 2, tbl_rows: '1' });
    expect(t.evenly).toMatchObject({ diststyle: 'EVEN', sortkey1: 'AUTO(SORTKEY)' });
    expect(t.everywhere).toMatchObject({ diststyle: 'ALL', sortkey1: 'AUTO(SORTKEY)' });
    expect(t.interleaved_t).toMatchObject({ sortkey1: 'INTERLEAVED', sortkey_num: 2 });
    expect(t.evenly.encoded).toBe('Y, AUTO(ENCODE)');
  });

  it('exposes pg_attribute.attisdistkey / attsortkeyord and format_encoding', async () => {
    const r = await f.client
      .query(`select attname, attisdistkey, attsortkeyord, format_encoding(attencodingtype::int) as enc
      from pg_attribute where attrelid = 'keyed'::regclass and attnum > 0 order by attnum`);
    expect(r.rows).toEqual([
      { attname: 'a', attisdistkey: true, attsortkeyord: 0, enc: 'az64' },
      { attname: 'b', attisdistkey: false, attsortkeyord: 2, enc: 'none' },
      { attname: 'c', attisdistkey: false, attsortkeyord: 1, enc: 'none' },
    ]);
  });

  it('lists columns with Redshift types in svv_columns and svv_all_columns', async () => {
    const r = await f.client.query(
      `select column_name, data_type, character_maximum_length, numeric_precision, numeric_scale, is_nullable
      from svv_columns where table_schema = $1 and table_name = 'events' order by ordinal_position`,
      [f.schema.schema],
    );
    const c = Object.fromEntries(r.rows.map((x) => [x.column_name, x]));
    expect(c.kind).toMatchObject({ data_type: 'character varying', character_maximum_length: 65535 });
    expect(c.payload.data_type).toBe('super');
    expect(c.ym.data_type).toBe('interval year to month');
    expect(c.span.data_type).toBe('interval day to second');
    expect(c.at_time.data_type).toBe('time with time zone');
    expect(c.shape.data_type).toBe('geometry');
    expect(c.blob).toMatchObject({ data_type: 'varbyte', character_maximum_length: 16 });
    expect(c.amount).toMatchObject({ data_type: 'numeric', numeric_precision: 12, numeric_scale: 2 });
    expect(c.account_id.is_nullable).toBe('NO');
    const all = await f.client.query(
      `select count(*)::int as n from svv_all_columns where schema_name = $1 and table_name = 'events'`,
      [f.schema.schema],
    );
    expect(all.rows[0].n).toBe(13);
  });

  it('reports the configured number of slices in stv_slices', async () => {
    const r = await f.client.query('select count(*)::int as n from stv_slices');
    expect(r.rows[0].n).toBe(4);
    const s = await f.client.query('select s.slice from stv_slices s order by 1');
    expect(s.rows.map((x) => x.slice)).toEqual([0, 1, 2, 3]);
  });

  it('pg_table_def shows only schemas on the search_path', async () => {
    const c = await f.connect();
    await c.query('set search_path to public');
    const r = await c.query(`select count(*)::int as n from pg_table_def where schemaname = $1`, [f.schema.schema]);
    expect(r.rows[0].n).toBe(0);
  });

  it('CREATE TEMP TABLE (LIKE ...) inherits columns, NOT NULL, dist style, sort keys and encodings but not defaults', async () => {
    await f.client
      .query(`create table parent (id int not null encode raw, name varchar(20) default 'x' encode zstd, at date)
      diststyle key distkey (id) sortkey (at)`);
    await f.client.query(`create temp table child (like parent)`);
    const r = await f.client.query(
      `select "column", type, encoding, distkey, sortkey, notnull from pg_table_def where tablename = 'child' and schemaname like 'pg_temp%' order by "column"`,
    );
    expect(r.rows.map((x) => ({ ...x, encoding: x.encoding.trim() }))).toEqual([
      { column: 'at', type: 'date', encoding: 'none', distkey: false, sortkey: 1, notnull: false },
      { column: 'id', type: 'integer', encoding: 'none', distkey: true, sortkey: 0, notnull: true },
      { column: 'name', type: 'character varying(20)', encoding: 'zstd', distkey: false, sortkey: 0, notnull: false },
    ]);
    await f.client.query(`insert into child (id) values (1)`);
    expect((await f.client.query('select name from child')).rows[0].name).toBeNull();
    await f.client.query(`create temp table child2 (like parent including defaults)`);
    await f.client.query(`insert into child2 (id) values (1)`);
    expect((await f.client.query('select name from child2')).rows[0].name).toBe('x');
    await expect(f.client.query('insert into child (id) values (null)')).rejects.toMatchObject({ code: '23502' });
  });

  it('counts VARCHAR and CHAR lengths in UTF-8 bytes', async () => {
    await f.client.query('create table bytes_t (v varchar(4), c char(2))');
    await f.client.query(`insert into bytes_t (v) values ('abcd')`);
    await f.client.query(`insert into bytes_t (v) values ('éa')`); // 3 bytes
    const e = await failure(f.client, `insert into bytes_t (v) values ('ééa')`); // 3 characters, 5 bytes
    expect(e.code).toBe('22001');
    expect(e.message).toBe('value too long for type character varying(4)');
    const c = await failure(f.client, `insert into bytes_t (c) values ('é')`);
    expect(c.message).toMatch(/Multibyte character not supported for CHAR/);
  });

  it('IDENTITY(seed, step) generates values', async () => {
    await f.client.query('create table ident (id bigint identity(100, 5), v int)');
    await f.client.query('insert into ident (v) values (1), (2)');
    expect((await f.client.query('select id from ident order by v')).rows.map((x) => x.id)).toEqual(['100', '105']);
    const e = await failure(f.client, 'insert into ident (id, v) values (1, 3)');
    expect(e.message).toBe('cannot set an identity column to a value');
    await f.client.query('create table ident2 (id bigint generated by default as identity(1, 1), v int)');
    await f.client.query('insert into ident2 (id, v) values (42, 1)');
    await f.client.query('insert into ident2 (v) values (2)');
    expect((await f.client.query('select id from ident2 order by v')).rows.map((x) => x.id)).toEqual(['42', '1']);
  });

  it('refuses SERIAL and types Redshift does not have, in its words', async () => {
    const e = await failure(f.client, 'create table s (id serial, v int)');
    expect(e.message).toBe('Column "s.id" has unsupported type "serial".');
    expect(e.code).toBe('0A000');
    const j = await failure(f.client, 'create table j (doc jsonb)');
    expect(j.message).toBe('Column "j.doc" has unsupported type "jsonb".');
  });

  it('refuses CREATE INDEX and triggers', async () => {
    const e = await failure(f.client, 'create index ix on keyed (a)');
    expect(e.message).toBe('SQL command "create index ix on keyed (a)" not supported on Redshift tables.');
    const t = await failure(f.client, 'create trigger trg after insert on keyed for each row execute function f()');
    expect(t.message).toBe('syntax error at or near "trigger"');
  });

  it('folds quoted identifiers to lower case, unless enable_case_sensitive_identifier is on', async () => {
    await f.client.query(`create table if not exists "Quoted" ("Id" integer, "name" varchar(10)) sortkey ("Id")`);
    await f.client.query(`create table if not exists "Quoted" ("Id" integer)`);
    const r = await f.client.query(
      `select "column", sortkey from pg_table_def where tablename = 'quoted' and schemaname = current_schema() order by 1`,
    );
    expect(r.rows).toEqual([
      { column: 'id', sortkey: 1 },
      { column: 'name', sortkey: 0 },
    ]);
    const alias = await f.client.query(`select "Id" as "MixedCase" from "QUOTED"`);
    expect(alias.fields[0]!.name).toBe('mixedcase');
    const c = await f.connect();
    await c.query('set enable_case_sensitive_identifier to true');
    await c.query(`create table "CaseKept" ("Id" int)`);
    const k = await c.query(`select "Id" as "MixedCase" from "CaseKept"`);
    expect(k.fields[0]!.name).toBe('MixedCase');
    await c.query('reset enable_case_sensitive_identifier');
    await expect(c.query(`select * from "CaseKept"`)).rejects.toMatchObject({ code: '42P01' });
  });

  it('accepts Redshift-only session parameters and functions', async () => {
    await f.client.query(`set query_group to 'etl'`);
    expect((await f.client.query('show query_group')).rows[0]).toEqual({ query_group: 'etl' });
    const r = await f.client.query(
      `select nvl(null, 'x') as a, len('abc') as b, sysdate is not null as c, current_setting('TimeZone') as tz`,
    );
    expect(r.rows[0]).toEqual({ a: 'x', b: 3, c: true, tz: 'UTC' });
  });

  it('CREATE TABLE AS with Redshift table attributes', async () => {
    await f.client.query(
      `create table ctas_t diststyle key distkey (a) sortkey (a) as select 1 as a, 'x'::varchar(5) as b`,
    );
    const r = await f.client.query(
      `select diststyle, sortkey1 from svv_table_info where "table" = 'ctas_t' and schema = current_schema()`,
    );
    expect(r.rows).toEqual([{ diststyle: 'KEY(a)', sortkey1: 'a' }]);
    await f.client
      .query(`create table ctas_pos distkey (1) sortkey (1, 3) as select 1 as eventid, 2::smallint as venueid,
      current_date as dateid, 'x'::varchar(200) as eventname, true as flag`);
    const d = await f.client.query(`select "column", trim(encoding) as encoding, distkey, sortkey from pg_table_def
      where tablename = 'ctas_pos' and schemaname = current_schema() order by "column"`);
    expect(d.rows).toEqual([
      { column: 'dateid', encoding: 'none', distkey: false, sortkey: 2 },
      { column: 'eventid', encoding: 'none', distkey: true, sortkey: 1 },
      { column: 'eventname', encoding: 'lzo', distkey: false, sortkey: 0 },
      { column: 'flag', encoding: 'none', distkey: false, sortkey: 0 },
      { column: 'venueid', encoding: 'az64', distkey: false, sortkey: 0 },
    ]);
    const info = await f.client.query(
      `select diststyle, sortkey1 from svv_table_info where "table" = 'ctas_pos' and schema = current_schema()`,
    );
    expect(info.rows).toEqual([{ diststyle: 'KEY(eventid)', sortkey1: 'eventid' }]);
  });

  it('ALTER TABLE: ADD COLUMN with Redshift types, DISTSTYLE / DISTKEY / SORTKEY / ENCODE, VARCHAR widening', async () => {
    await f.client.query('create table alt (id int, v varchar(3))');
    await f.client.query('alter table alt add column doc super');
    await f.client.query("alter table alt add column big varchar(max) encode zstd not null default ''");
    await f.client.query('alter table alt alter diststyle key distkey id');
    await f.client.query('alter table alt alter compound sortkey (v, id)');
    await f.client.query('alter table alt alter column v encode bytedict');
    await f.client.query("insert into alt (id, v) values (1, 'abc')");
    const r = await f.client.query(
      `select "column", type, trim(encoding) as encoding, distkey, sortkey from pg_table_def where tablename = 'alt' and schemaname = current_schema() order by "column"`,
    );
    expect(r.rows).toEqual([
      { column: 'big', type: 'character varying(65535)', encoding: 'zstd', distkey: false, sortkey: 0 },
      { column: 'doc', type: 'super', encoding: 'zstd', distkey: false, sortkey: 0 },
      { column: 'id', type: 'integer', encoding: 'az64', distkey: true, sortkey: 2 },
      { column: 'v', type: 'character varying(3)', encoding: 'bytedict', distkey: false, sortkey: 1 },
    ]);
    const info = await f.client.query(
      `select diststyle, sortkey1 from svv_table_info where "table" = 'alt' and schema = current_schema()`,
    );
    expect(info.rows).toEqual([{ diststyle: 'KEY(id)', sortkey1: 'v' }]);
    await expect(f.client.query(`insert into alt (id, v) values (2, 'éé')`)).rejects.toMatchObject({ code: '22001' });
    await f.client.query('alter table alt alter column v type varchar(4)');
    await f.client.query(`insert into alt (id, v) values (2, 'éé')`);
    await expect(f.client.query(`insert into alt (id, v) values (3, 'ééé')`)).rejects.toThrow(
      'value too long for type character varying(4)',
    );
    await f.client.query('alter table alt alter diststyle even');
    expect(
      (await f.client.query(`select diststyle from svv_table_info where "table" = 'alt' and schema = current_schema()`))
        .rows[0].diststyle,
    ).toBe('EVEN');
  });

  it('records a Redshift CREATE TABLE sent through the extended protocol', async () => {
    await f.client.query({
      text: 'create table ext_t (id int distkey, v varchar(max)) sortkey (id)',
      values: [],
      queryMode: 'extended',
    } as unknown as string);
    const r = await f.client.query(
      `select "column", type, distkey, sortkey from pg_table_def where tablename = 'ext_t' and schemaname = current_schema() order by 1`,
    );
    expect(r.rows).toEqual([
      { column: 'id', type: 'integer', distkey: true, sortkey: 1 },
      { column: 'v', type: 'character varying(65535)', distkey: false, sortkey: 0 },
    ]);
  });

  it('refuses keys on unknown columns and two column-level sort keys', async () => {
    expect((await failure(f.client, 'create table k1 (a int) distkey (b)')).message).toBe(
      'column "b" named in key does not exist',
    );
    expect((await failure(f.client, 'create table k2 (a int) sortkey (a, c)')).message).toBe(
      'column "c" named in key does not exist',
    );
    expect((await failure(f.client, 'create table k3 (a int sortkey, b int sortkey)')).message).toBe(
      'too many SORTKEY declarations at column "b" of table "k3"',
    );
    await expect(f.client.query('select * from k1')).rejects.toMatchObject({ code: '42P01' });
  });

  it('records PRIMARY KEY / UNIQUE / FOREIGN KEY but does not enforce them, as Redshift', async () => {
    await f.client.query('create table pk_parent (id int primary key, code varchar(3) unique)');
    await f.client.query(`create table pk_child (a int, b int, parent_id int references pk_parent (id),
      constraint child_pk primary key (a, b))`);
    await f.client.query("insert into pk_parent values (1, 'x'), (1, 'x')");
    await f.client.query('insert into pk_child values (1, 1, 99), (1, 1, 98)');
    expect((await f.client.query('select count(*)::int as n from pk_child')).rows[0].n).toBe(2);
    await expect(f.client.query('insert into pk_child (a, b) values (null, 1)')).rejects.toMatchObject({
      code: '23502',
    });
    const r = await f.client.query(
      `select tc.table_name, tc.constraint_name, tc.constraint_type, k.column_name, k.ordinal_position
      from information_schema.table_constraints tc join information_schema.key_column_usage k
        on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name and k.table_name = tc.table_name
      where tc.table_schema = $1 and tc.table_name like 'pk_%' order by 1, 2, 5`,
      [f.schema.schema],
    );
    expect(r.rows).toEqual([
      {
        table_name: 'pk_child',
        constraint_name: 'child_pk',
        constraint_type: 'PRIMARY KEY',
        column_name: 'a',
        ordinal_position: 1,
      },
      {
        table_name: 'pk_child',
        constraint_name: 'child_pk',
        constraint_type: 'PRIMARY KEY',
        column_name: 'b',
        ordinal_position: 2,
      },
      {
        table_name: 'pk_child',
        constraint_name: 'pk_child_parent_id_fkey',
        constraint_type: 'FOREIGN KEY',
        column_name: 'parent_id',
        ordinal_position: 1,
      },
      {
        table_name: 'pk_parent',
        constraint_name: 'pk_parent_code_key',
        constraint_type: 'UNIQUE',
        column_name: 'code',
        ordinal_position: 1,
      },
      {
        table_name: 'pk_parent',
        constraint_name: 'pk_parent_pkey',
        constraint_type: 'PRIMARY KEY',
        column_name: 'id',
        ordinal_position: 1,
      },
    ]);
    await f.client.query('create table pk_late (id int not null)');
    await f.client.query('alter table pk_late add primary key (id)');
    await f.client.query('insert into pk_late values (1), (1)');
    const late = await f.client.query(
      `select constraint_type from information_schema.table_constraints where table_name = 'pk_late'
      and table_schema = $1 and constraint_type = 'PRIMARY KEY'`,
      [f.schema.schema],
    );
    expect(late.rows).toHaveLength(1);
  });

  it('makes table-level PRIMARY KEY columns NOT NULL even when a DEFAULT or the name reads "not null"', async () => {
    // The NOT NULL used to be found by searching the column's SQL text for " not null".
    await f.client.query(`create table pk_text (a varchar(20) default 'is not null', "b not null" int,
      c boolean default (1 is not null), d int, primary key (a, "b not null", c))`);
    const r = await f.client.query(`select "column", notnull from pg_table_def
      where tablename = 'pk_text' and schemaname = current_schema() order by "column"`);
    expect(r.rows).toEqual([
      { column: 'a', notnull: true },
      { column: 'b not null', notnull: true },
      { column: 'c', notnull: true },
      { column: 'd', notnull: false },
    ]);
    await expect(f.client.query('insert into pk_text (a, "b not null") values (null, 1)')).rejects.toMatchObject({
      code: '23502',
    });
  });

  it('CREATE TABLE #name makes a session temp table, referenced as #name', async () => {
    const a = await f.connect();
    await a.query('create table #scratch (id int) diststyle even');
    await a.query('insert into #scratch values (1), (2)');
    expect((await a.query('select count(*)::int as n from #scratch')).rows[0].n).toBe(2);
    expect((await a.query('select 6 # 3 as x')).rows[0].x).toBe(5);
    const b = await f.connect();
    await expect(b.query('select * from #scratch')).rejects.toMatchObject({ code: '42P01' });
  });

  it('refuses DISTSTYLE / DISTKEY / SORTKEY given with LIKE (a LIKE table inherits them)', async () => {
    const e = await failure(f.client, 'create temp table like_keys (like parent) distkey (id)');
    expect(e.message).toMatch(/cannot be specified with LIKE/);
  });
});
