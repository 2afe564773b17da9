// A Redshift deep copy changes only what its summary lists. Through the local Redshift emulator,
// on a varied schema (named primary keys, UNIQUE, foreign keys to another table and to itself, a
// foreign key from another table, IDENTITY, defaults, encodings, dist and sort keys, comments),
// the catalog (svv_columns, pg_attribute, svv_table_info, pg_class and pg_constraint with
// constraint names) is read before, after `up` and after `down`: after `up` only the listed
// change differs, after `down` the catalog equals the one before. Another table's foreign key to
// the copied table makes `generate` refuse, naming it, unless --allow-destructive.
// Redshift: "ALTER TABLE table_name { ADD table_constraint | DROP CONSTRAINT constraint_name
// [ RESTRICT | CASCADE ] | ... | RENAME TO new_name ..." — https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codegen, generateMigration, migrateDown, migrateUp, type MigrationsConfig } from '../../codegen/index.js';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { testS3Endpoint } from '../helpers/s3.js';
import { createProject, type TempProject } from './project.js';

const SLOW = 180_000;
let db: TestSchema;
let emulator: RedshiftEmulator;
let pool: pg.Pool;
let project: TempProject;
let config: MigrationsConfig & { modelsDir: string };

type Rows = Record<string, unknown>[];
interface Catalog {
  columns: Rows;
  attributes: Rows;
  tables: Rows;
  constraints: Rows;
}

/** Everything a deep copy could lose by accident, for the test's tables. */
async function readCatalog(): Promise<Catalog> {
  const s = db.schema;
  const q = async (text: string) => (await pool.query(text, [s])).rows;
  const columns =
    await q(`select table_name, column_name, ordinal_position, data_type, character_maximum_length, numeric_precision,
      numeric_scale, is_nullable, column_default, remarks from svv_columns
    where table_schema = $1 and table_name not like 'upshift%' order by 1, 3`);
  // an IDENTITY default names the table's oid, which a copy changes (Redshift does the same)
  for (const c of columns)
    if (typeof c.column_default === 'string')
      c.column_default = c.column_default.replace(/^"identity"\(\d+,/, '"identity"(<oid>,');
  const attributes =
    await q(`select c.relname, a.attname, a.attnum, a.attisdistkey, a.attsortkeyord, format_encoding(a.attencodingtype::integer) as encoding
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = $1 and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped and c.relname not like 'upshift%' order by 1, 3`);
  const tables =
    await q(`select c.relname, c.reldiststyle, obj_description(c.oid, 'pg_class') as comment, i.diststyle, i.sortkey1, i.encoded
    from pg_class c join pg_namespace n on n.oid = c.relnamespace left join svv_table_info i on i.table_id = c.oid
    where n.nspname = $1 and c.relkind = 'r' and c.relname not like 'upshift%' order by 1`);
  const names = new Map(attributes.map((a) => [`${a.relname}:${a.attnum}`, a.attname]));
  const cols = (table: string, nums: unknown) =>
    (nums as number[] | null)?.map((n) => names.get(`${table}:${n}`) ?? n) ?? null;
  const constraints = (
    await q(`select c.relname, con.conname, con.contype, con.conkey, fc.relname as ref_table, con.confkey
      from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
      left join pg_class fc on fc.oid = con.confrelid
      where n.nspname = $1 and con.contype in ('p', 'u', 'f') and c.relname not like 'upshift%' order by 1, 2`)
  ).map((r) => ({
    table: r.relname,
    name: r.conname,
    type: r.contype,
    columns: cols(r.relname, r.conkey),
    references: r.ref_table ?? null,
    refColumns: cols(r.ref_table, r.confkey),
  }));
  return { columns, attributes, tables, constraints };
}

const rowsOf = async (table: string) => (await pool.query(`select * from "${db.schema}".${table} order by 1`)).rows;

beforeAll(async () => {
  [db, project] = await Promise.all([createTestSchema('mig_rs_cat'), createProject()]);
  emulator = await startRedshiftEmulator({
    port: 0,
    postgres: db.url,
    catalogSchema: `${db.schema}_cat`,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
  });
  pool = new pg.Pool({ connectionString: emulator.url, max: 2 });
  config = {
    pool,
    dir: path.join(project.dir, 'migrations'),
    schema: db.schema,
    modelsDir: path.join(project.dir, 'models'),
  };
  const s = `"${db.schema}"`;
  for (const statement of [
    `create table ${s}.owners (id bigint not null encode az64, code varchar(8) not null encode lzo,
       constraint owners_key primary key (id), constraint owners_code_unique unique (code)) diststyle all`,
    `create table ${s}.accounts (
       id bigint not null encode az64,
       owner_id bigint encode az64,
       parent_id bigint encode az64,
       balance decimal(18,4) default 0 encode az64,
       label varchar(20) default 'none' encode lzo,
       qty integer encode az64,
       note varchar(max) encode zstd,
       opened timestamp encode raw,
       constraint accounts_key primary key (id),
       constraint accounts_label_unique unique (label),
       constraint accounts_owner_fk foreign key (owner_id) references ${s}.owners (id),
       constraint accounts_parent_fk foreign key (parent_id) references ${s}.accounts (id)
     ) diststyle key distkey (id) compound sortkey (id, opened)`,
    `comment on table ${s}.accounts is 'ledger accounts'`,
    `comment on column ${s}.accounts.note is 'free text'`,
    `insert into ${s}.owners values (1, 'alpha')`,
    `insert into ${s}.accounts values (10, 1, null, 12.5, 'first', 3, 'a note', '2024-01-02 03:04:05'), (11, null, 10, null, null, null, null, null)`,
    `create table ${s}.events (event_id bigint identity(1, 1) encode az64, name varchar(32) not null encode lzo, at date encode az64,
       constraint events_pk primary key (event_id)) diststyle even`,
    `create table ${s}.attendees (id integer not null encode az64, event_id bigint encode az64,
       constraint attendees_event_fk foreign key (event_id) references ${s}.events (event_id)) diststyle even`,
    `insert into ${s}.events (name, at) values ('launch', '2024-05-06')`,
    `insert into ${s}.attendees values (1, 1)`,
  ]) {
    await pool.query(statement);
  }
  await codegen(pool, { schemas: [db.schema], outDir: config.modelsDir });
});
afterAll(async () => {
  await pool?.end();
  await emulator?.close();
  await db?.pool.query(`drop schema if exists "${db.schema}_cat" cascade`);
  await Promise.all([db?.drop(), project?.remove()]);
});

async function editModel(table: string, edit: (text: string) => string): Promise<void> {
  const file = path.join(config.modelsDir, db.schema, `${table}.ts`);
  const text = await readFile(file, 'utf8');
  const edited = edit(text);
  expect(edited).not.toBe(text);
  await writeFile(file, edited);
}

describe('a Redshift deep copy changes only what its summary lists', () => {
  it(
    'up keeps key names, UNIQUE and FOREIGN KEYs, encodings, dist/sort keys and comments; down restores the catalog exactly',
    async () => {
      // a type change and a default change: Redshift can ALTER neither in place
      await editModel('accounts', (text) =>
        text
          .replace("qty: t.integer().encode('az64'),", "qty: t.bigint().encode('az64'),")
          .replace(
            "balance: t.decimal(18, 4).default('0').encode('az64'),",
            "balance: t.decimal(18, 4).default('1').encode('az64'),",
          ),
      );
      const before = await readCatalog();
      const data = { owners: await rowsOf('owners'), accounts: await rowsOf('accounts') };

      const { file, plan } = await generateMigration({ ...config, name: 'qty bigint' });
      expect(plan.refused).toEqual([]);
      expect(plan.tables.map((t) => t.model.model.name)).toEqual(['accounts']);
      expect(plan.tables[0]!.summary).toEqual([
        `deep copy of ${db.schema}.accounts (Redshift can't ALTER these in place):`,
        '  column balance: default is 1 in the model, 0 in the database',
        '  column qty: type is BIGINT in the model, INTEGER in the database',
      ]);
      expect(await readFile(file!, 'utf8')).not.toMatch(/__upshift_new_pkey|DROP TABLE [^\n]*CASCADE/);

      await migrateUp(config);
      const after = await readCatalog();
      expect(after.constraints).toEqual(before.constraints);
      expect(after.attributes).toEqual(before.attributes);
      expect(after.tables).toEqual(before.tables);
      const changed = (c: Record<string, unknown>) =>
        c.table_name === 'accounts' && ['qty', 'balance'].includes(c.column_name as string);
      expect(after.columns.filter((c) => !changed(c))).toEqual(before.columns.filter((c) => !changed(c)));
      const column = (cat: Catalog, name: string) =>
        cat.columns.find((c) => c.table_name === 'accounts' && c.column_name === name);
      expect(column(after, 'qty')).toEqual({ ...column(before, 'qty'), data_type: 'bigint', numeric_precision: 64 });
      expect(column(after, 'balance')).toEqual({
        ...column(before, 'balance'),
        column_default: expect.stringMatching(/^1\b|^'1'|^\(?1(\.0+)?\)?(::numeric)?/),
      });
      expect(await rowsOf('owners')).toEqual(data.owners);
      expect((await rowsOf('accounts')).map((r) => ({ ...r, qty: r.qty === null ? null : Number(r.qty) }))).toEqual(
        data.accounts,
      );

      await migrateDown(config);
      expect(await readCatalog()).toEqual(before);
      expect(await rowsOf('accounts')).toEqual(data.accounts);
    },
    SLOW,
  );

  it(
    "another table's FOREIGN KEY to the copied table: generate refuses, naming it; --allow-destructive drops and re-creates it around the swap",
    async () => {
      await migrateUp(config); // the first test's migration again, so its model is the live table
      await editModel('events', (text) =>
        text.replace(
          "name: t.varchar(32).notNull().encode('lzo'),",
          "name: t.varchar(32).default('unnamed').notNull().encode('lzo'),",
        ),
      );
      const before = await readCatalog();
      const refused = await generateMigration({ ...config, name: 'events name default' });
      expect(refused.file).toBeUndefined();
      expect(refused.plan.refused).toEqual([
        {
          table: `${db.schema}.events`,
          reason:
            'this change needs a deep copy, which renumbers IDENTITY column(s) event_id (Redshift refuses explicit IDENTITY values), breaking anything that refers to them: pass --allow-destructive to allow it',
        },
        {
          table: `${db.schema}.events`,
          reason: `FOREIGN KEY attendees_event_fk of table ${db.schema}.attendees references this table, which the deep copy must DROP (Redshift refuses while that key exists, and DROP ... CASCADE would drop the key silently): pass --allow-destructive to drop attendees_event_fk before the copy and re-create it after, referencing the copy (this changes ${db.schema}.attendees)`,
        },
      ]);

      const { plan } = await generateMigration({ ...config, name: 'events name default', allowDestructive: true });
      expect(plan.tables[0]!.summary).toContain(
        `  FOREIGN KEY attendees_event_fk of ${db.schema}.attendees is dropped before the copy and re-created on it (Redshift can't keep a key to a dropped table)`,
      );
      await migrateUp(config);
      const after = await readCatalog();
      expect(after.constraints).toEqual(before.constraints);
      expect(after.attributes).toEqual(before.attributes);
      expect(after.tables).toEqual(before.tables);
      const changed = (c: Record<string, unknown>) => c.table_name === 'events' && c.column_name === 'name';
      expect(after.columns.filter((c) => !changed(c))).toEqual(before.columns.filter((c) => !changed(c)));
      expect(await rowsOf('attendees')).toEqual([{ id: 1, event_id: '1' }]);

      await migrateDown(config);
      expect(await readCatalog()).toEqual(before);
    },
    SLOW,
  );
});
