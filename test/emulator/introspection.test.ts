// Catalog queries as introspection tools write them against Redshift (svv_*, pg_class.reldiststyle,
// pg_attribute.attisdistkey / attsortkeyord / attencodingtype, information_schema for keys).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { testDatabaseUrl } from '../helpers/pg.js';
import { startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
let S: string;
beforeAll(async () => {
  f = await startFixture('introspect', 2);
  S = f.schema.schema;
  await f.client.query(`create table orders (
      id bigint not null encode az64, customer varchar(64) not null encode lzo, total decimal(12, 2),
      placed_at timestamptz not null, doc super, primary key (id))
    diststyle key distkey (customer) compound sortkey (placed_at, id)`);
  await f.client.query(`comment on table orders is 'the orders'`);
  await f.client.query(`comment on column orders.total is 'gross'`);
  await f.client.query(`create table dims (k int, v varchar(10)) diststyle all interleaved sortkey (k, v)`);
  await f.client.query(`insert into orders values (1, 'c', 1.00, now(), null)`);
});
afterAll(async () => {
  await f?.close();
});

describe('introspection through the emulator', () => {
  it('svv_tables joined with svv_columns, with remarks', async () => {
    const r = await f.client
      .query(`select c.table_name, c.column_name, c.ordinal_position, c.data_type, c.character_maximum_length,
        c.numeric_precision, c.numeric_scale, c.is_nullable, c.remarks, t.remarks as table_remarks
      from svv_columns c join svv_tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where t.table_type = 'BASE TABLE' and c.table_schema in ('${S}') order by c.table_name, c.ordinal_position`);
    const orders = r.rows.filter((x) => x.table_name === 'orders');
    expect(orders.map((x) => [x.column_name, x.data_type])).toEqual([
      ['id', 'bigint'],
      ['customer', 'character varying'],
      ['total', 'numeric'],
      ['placed_at', 'timestamp with time zone'],
      ['doc', 'super'],
    ]);
    expect(orders[2]).toMatchObject({
      numeric_precision: 12,
      numeric_scale: 2,
      remarks: 'gross',
      table_remarks: 'the orders',
      is_nullable: 'YES',
    });
    expect(orders[1]).toMatchObject({ character_maximum_length: 64, is_nullable: 'NO' });
  });

  it('pg_class.reldiststyle and pg_attribute dist/sort keys and encodings', async () => {
    const cls = await f.client
      .query(`select c.relname, c.reldiststyle from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and n.nspname = '${S}' order by 1`);
    expect(cls.rows).toEqual([
      { relname: 'dims', reldiststyle: 8 },
      { relname: 'orders', reldiststyle: 1 },
    ]);
    const attrs = await f.client
      .query(`select c.relname, a.attname, a.attisdistkey, a.attsortkeyord, format_encoding(a.attencodingtype::integer) as encoding
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'r' and a.attnum > 0 and not a.attisdropped and n.nspname = '${S}' order by 1, a.attnum`);
    expect(attrs.rows).toEqual([
      { relname: 'dims', attname: 'k', attisdistkey: false, attsortkeyord: 1, encoding: 'none' },
      { relname: 'dims', attname: 'v', attisdistkey: false, attsortkeyord: -2, encoding: 'none' },
      { relname: 'orders', attname: 'id', attisdistkey: false, attsortkeyord: 2, encoding: 'az64' },
      { relname: 'orders', attname: 'customer', attisdistkey: true, attsortkeyord: 0, encoding: 'lzo' },
      { relname: 'orders', attname: 'total', attisdistkey: false, attsortkeyord: 0, encoding: 'az64' },
      { relname: 'orders', attname: 'placed_at', attisdistkey: false, attsortkeyord: 1, encoding: 'none' },
      { relname: 'orders', attname: 'doc', attisdistkey: false, attsortkeyord: 0, encoding: 'zstd' },
    ]);
  });

  it('svv_table_info and declared primary keys', async () => {
    // Another session's temp table with rows (a Postgres load's stage table) can't be counted: it is left out.
    const other = new pg.Client({ connectionString: testDatabaseUrl() });
    await other.connect();
    await other.query('create temp table upshift_stage_other (id int); insert into upshift_stage_other values (1)');
    const info = await f.client.query(
      `select "schema", "table", diststyle, sortkey1, encoded from svv_table_info where "schema" in ('${S}')`,
    );
    expect(info.rows).toEqual([
      { schema: S, table: 'orders', diststyle: 'KEY(customer)', sortkey1: 'placed_at', encoded: 'Y' },
    ]);
    const pk = await f.client
      .query(`select k.table_name, k.column_name, k.ordinal_position from information_schema.table_constraints tc
      join information_schema.key_column_usage k on k.constraint_schema = tc.constraint_schema and k.constraint_name = tc.constraint_name
       and k.table_name = tc.table_name where tc.constraint_type = 'PRIMARY KEY' and tc.table_schema in ('${S}')`);
    expect(pk.rows).toEqual([{ table_name: 'orders', column_name: 'id', ordinal_position: 1 }]);
    await other.end();
  });

  it('sys_load_detail (Serverless) lists the files of the last COPY', async () => {
    await f.client.query('create table loaded (id int)');
    const url = await f.put('sld/a.csv', '1\n2\n3\n');
    await f.client.query(`copy loaded from '${url}' iam_role default csv`);
    const r = await f.client
      .query(`select trim(file_name) as filename, sum(lines_scanned) as lines_scanned from sys_load_detail
      where query_id = pg_last_copy_id() group by trim(file_name)`);
    expect(r.rows).toEqual([{ filename: url, lines_scanned: '3' }]);
  });

  it('svv_table_info does not wait for a table another session has locked (a load in progress)', async () => {
    const loader = await f.connect();
    await loader.query('begin');
    await loader.query('lock orders');
    try {
      const t0 = Date.now();
      await f.client.query(`select "table" from svv_table_info where "schema" = '${S}'`);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await loader.query('rollback');
    }
  });

  it('svv_table_info counts a table dropped while it is being scanned as empty (it once failed: syntax error at or near "<oid>")', async () => {
    // The race, made deterministic: the row count is asked for an oid whose table is gone.
    await f.client.query('create table gone (k int)');
    const [{ oid }] = (await f.client.query<{ oid: number }>(`select 'gone'::regclass::oid::int as oid`)).rows as [
      { oid: number },
    ];
    await f.client.query('drop table gone');
    const direct = new pg.Client({ connectionString: testDatabaseUrl() });
    await direct.connect();
    try {
      const catalog = (
        await direct.query<{ nspname: string }>(
          `select n.nspname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where p.proname = 'count_rows' limit 1`,
        )
      ).rows[0]!.nspname;
      expect((await direct.query(`select "${catalog}".count_rows($1) as n`, [oid])).rows).toEqual([{ n: '0' }]);
    } finally {
      await direct.end();
    }
  });
});
