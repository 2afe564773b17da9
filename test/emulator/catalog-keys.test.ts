// Declared keys in pg_constraint, where JDBC, SQLAlchemy and psql read them, and no trace of the
// emulator's own byte-length checks in the catalog.
// "Uniqueness, primary key, and foreign key constraints are informational only; they are not
// enforced by Amazon Redshift" — https://docs.aws.amazon.com/redshift/latest/dg/t_Defining_constraints.html
// pg_constraint's contype: p primary key, u unique, f foreign key, c check; conkey lists the
// constrained columns' attnums — https://www.postgresql.org/docs/current/catalog-pg-constraint.html
// Redshift's CHECK is not a table constraint at all: CREATE TABLE lists only UNIQUE, PRIMARY KEY,
// REFERENCES and NOT NULL — https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('keys', 2);
  await f.client.query(
    `create table k_parent (id int primary key, code char(3) unique, name varchar(20), blob varbyte(8))`,
  );
  await f.client.query(`create table k_child (a int, b int, parent_id int references k_parent (id), note varchar(5),
    constraint k_child_pk primary key (b, a))`);
});
afterAll(async () => {
  await f?.close();
});

const constraints = async (table: string) =>
  (
    await f.client.query(
      `select conname, contype, conkey, confrelid::regclass::text as ref, confkey from pg_catalog.pg_constraint
    where conrelid = '${table}'::regclass order by contype, conname`,
    )
  ).rows;

describe('declared keys and the catalog', () => {
  it('pg_constraint lists PRIMARY KEY and UNIQUE with their columns, and no CHECK constraints', async () => {
    expect(await constraints('k_parent')).toEqual([
      { conname: 'k_parent_pkey', contype: 'p', conkey: [1], ref: '-', confkey: null },
      { conname: 'k_parent_code_key', contype: 'u', conkey: [2], ref: '-', confkey: null },
    ]);
  });

  it('a composite primary key keeps its declared column order; a foreign key names the referenced table and columns', async () => {
    expect(await constraints('k_child')).toEqual([
      { conname: 'k_child_parent_id_fkey', contype: 'f', conkey: [3], ref: 'k_parent', confkey: [1] },
      { conname: 'k_child_pk', contype: 'p', conkey: [2, 1], ref: '-', confkey: null },
    ]);
  });

  it('the primary-key query SQLAlchemy runs finds the key columns', async () => {
    const r = await f.client.query(`select a.attname from pg_catalog.pg_constraint c
      join pg_catalog.pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
      where c.conrelid = 'k_child'::regclass and c.contype = 'p' order by array_position(c.conkey, a.attnum)`);
    expect(r.rows.map((x) => x.attname)).toEqual(['b', 'a']);
  });

  it('an IDENTITY column has a default in pg_attrdef (atthasdef), the "identity"(...) svv_columns shows (pg_attrdef had no row)', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html: IDENTITY(seed, step); Redshift keeps it as
    // the column's default "identity"(<table oid>, <0-based column>, '<seed>,<step>'). The column query of JDBC's
    // getColumns and SQLAlchemy's get_columns: pg_attribute left join pg_attrdef, pg_get_expr(adbin, adrelid).
    await f.client.query(`create table k_ident (note varchar(5) default 'n', id bigint identity(1, 1), v int)`);
    const oid = (await f.client.query(`select 'k_ident'::regclass::oid::int as o`)).rows[0].o as number;
    const r = await f.client
      .query(`select a.attname, a.atthasdef, pg_catalog.pg_get_expr(d.adbin, d.adrelid) as def, d.adsrc
      from pg_catalog.pg_attribute a left join pg_catalog.pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where a.attrelid = 'k_ident'::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`);
    const identity = `"identity"(${oid}, 1, '1,1'::text)`;
    expect(r.rows).toEqual([
      { attname: 'note', atthasdef: true, def: "'n'::character varying", adsrc: "'n'::character varying" },
      { attname: 'id', atthasdef: true, def: identity, adsrc: identity },
      { attname: 'v', atthasdef: false, def: null, adsrc: null },
    ]);
    const cols = await f.client.query(`select column_default from svv_columns
      where table_schema = current_schema() and table_name = 'k_ident' and column_name = 'id'`);
    expect(cols.rows).toEqual([{ column_default: identity }]);
    // Other node trees (pg_index, pg_constraint) still go to Postgres's pg_get_expr in the same statement.
    const both = await f.client
      .query(`select (select count(*) from pg_catalog.pg_attrdef where adrelid = 'k_ident'::regclass)::int as n,
      pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred from pg_catalog.pg_index i limit 1`);
    expect(both.rows[0]).toMatchObject({ n: 2 });
  });

  it('every constraint has its own oid', async () => {
    const r = await f.client.query(`select count(*)::int as n, count(distinct oid)::int as d from pg_constraint
      where conrelid in ('k_parent'::regclass, 'k_child'::regclass)`);
    expect(r.rows[0]).toEqual({ n: 4, d: 4 });
  });

  it('information_schema shows no CHECK constraints for VARCHAR, CHAR and VARBYTE columns', async () => {
    const tc = await f.client.query(`select constraint_type, constraint_name from information_schema.table_constraints
      where table_schema = current_schema() and table_name in ('k_parent', 'k_child') and constraint_name !~ '_not_null$'
      order by 1, 2`);
    expect(tc.rows).toEqual([
      { constraint_type: 'FOREIGN KEY', constraint_name: 'k_child_parent_id_fkey' },
      { constraint_type: 'PRIMARY KEY', constraint_name: 'k_child_pk' },
      { constraint_type: 'PRIMARY KEY', constraint_name: 'k_parent_pkey' },
      { constraint_type: 'UNIQUE', constraint_name: 'k_parent_code_key' },
    ]);
    const cc = await f.client.query(`select count(*)::int as n from information_schema.check_constraints
      where constraint_schema = current_schema() and constraint_name like 'rs\\_%'`);
    expect(cc.rows[0].n).toBe(0);
    const cu = await f.client.query(`select count(*)::int as n from information_schema.constraint_column_usage
      where table_schema = current_schema() and table_name in ('k_parent', 'k_child') and constraint_name like 'rs\\_%'`);
    expect(cu.rows[0].n).toBe(0);
  });

  it('the byte-length checks still apply', async () => {
    await expect(f.client.query(`insert into k_child (a, b, note) values (1, 1, 'ééé')`)).rejects.toThrow(
      'value too long for type character varying(5)',
    );
  });
});
