// A migration changes only what its summary lists. On a varied Postgres schema (uuid, numeric
// without scale, text, arrays, FKs in both directions, identity ALWAYS, named constraints,
// indexes) the catalog is read before, after `up` and after `down`: after `up` only the listed
// columns differ, after `down` the catalog equals the one before, and the rows never change.
// Also: NOT NULL with a default on a column holding NULLs backfills those NULLs (documented in
// the README's migrations section) instead of failing in `up`.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codegen, generateMigration, migrateDown, migrateUp, type MigrationsConfig } from '../../codegen/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { createProject, type TempProject } from './project.js';

const SLOW = 180_000;
let db: TestSchema;
let project: TempProject;
let config: MigrationsConfig & { modelsDir: string };

interface Catalog {
  columns: Record<string, unknown>[];
  constraints: Record<string, unknown>[];
  indexes: Record<string, unknown>[];
}

/** What a migration could change by accident: every column, constraint and index of the schema. */
async function readCatalog(): Promise<Catalog> {
  const s = db.schema;
  const q = async (text: string) => (await db.pool.query(text, [s])).rows;
  return {
    columns: await q(`
      select c.relname as table, a.attname as column, a.attnum as position, format_type(a.atttypid, a.atttypmod) as type,
             a.attnotnull as not_null, a.attidentity as identity, pg_get_expr(d.adbin, d.adrelid) as default,
             col_description(c.oid, a.attnum) as comment
      from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where n.nspname = $1 and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped and c.relname not like 'upshift_%'
      order by 1, 2`),
    constraints: await q(`
      select c.relname as table, con.conname as name, con.contype as type, pg_get_constraintdef(con.oid) as definition
      from pg_constraint con join pg_class c on c.oid = con.conrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname not like 'upshift_%' order by 1, 2`),
    indexes: await q(
      `select tablename, indexname, indexdef from pg_indexes where schemaname = $1 and tablename not like 'upshift_%' order by 1, 2`,
    ),
  };
}

const rowsOf = async (table: string) => (await db.pool.query(`select * from ${db.schema}.${table} order by 1`)).rows;

beforeAll(async () => {
  [db, project] = await Promise.all([createTestSchema('mig_cat'), createProject()]);
  config = {
    pool: db.pool,
    dir: path.join(project.dir, 'migrations'),
    schema: db.schema,
    modelsDir: path.join(project.dir, 'models'),
  };
  const s = db.schema;
  await db.pool.query(`
    create table ${s}.owners (id uuid constraint owners_key primary key, code text not null constraint owners_code_unique unique);
    create table ${s}.accounts (
      row_id bigint generated always as identity,
      id uuid not null,
      owner_id uuid constraint accounts_owner_fk references ${s}.owners (id),
      balance numeric,
      label varchar(20),
      qty integer,
      note text,
      tags text[],
      constraint accounts_key primary key (id),
      constraint accounts_qty_check check (qty >= 0)
    );
    create index accounts_label_idx on ${s}.accounts (label);
    create unique index accounts_row_id_idx on ${s}.accounts (row_id);
    create table ${s}.entries (id bigint primary key, account_id uuid not null constraint entries_account_fk references ${s}.accounts (id) on delete cascade);
    insert into ${s}.owners values ('00000000-0000-0000-0000-000000000001', 'alpha');
    insert into ${s}.accounts (id, owner_id, balance, label, qty, note, tags) values
      ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 123456789.123456789, 'first', 1, 'a long text', '{x,y}'),
      ('00000000-0000-0000-0000-0000000000a2', null, null, null, null, null, null);
    insert into ${s}.entries values (1, '00000000-0000-0000-0000-0000000000a1');
  `);
  await codegen(db.pool, { schemas: [s], outDir: config.modelsDir });
});
afterAll(async () => {
  await db?.drop();
  await project?.remove();
});

describe('a migration changes only what its summary lists', () => {
  it(
    'up changes only the listed columns in place; down restores the catalog exactly',
    async () => {
      const file = path.join(config.modelsDir, db.schema, 'accounts.ts');
      const generated = await readFile(file, 'utf8');
      // three changes the old planner deep-copied for: a default, NOT NULL with a default, a wider VARCHAR
      const edited = generated
        .replace('label: t.varchar(20),', "label: t.varchar(40).default('none'),")
        .replace('qty: t.integer(),', 'qty: t.integer().default(0).notNull(),')
        .replace(/\n\}, \{/, "\n  status: t.varchar(16).default('new').notNull(),\n}, {");
      expect(edited).not.toBe(generated);
      await writeFile(file, edited);
      const before = await readCatalog();
      const data = {
        owners: await rowsOf('owners'),
        accounts: await rowsOf('accounts'),
        entries: await rowsOf('entries'),
      };

      const { file: migration, plan } = await generateMigration({ ...config, name: 'label qty status' });
      expect(plan.refused).toEqual([]);
      expect(plan.tables.map((t) => t.model.model.name)).toEqual(['accounts']);
      const text = await readFile(migration!, 'utf8');
      expect(text).not.toContain('__upshift_new');
      expect(plan.tables[0]!.summary).toEqual([
        'column label: type is VARCHAR(40) in the model, VARCHAR(20) in the database',
        "column label: default is 'none' in the model, none in the database",
        'column qty: nullability is NOT NULL in the model, NULL in the database',
        'column qty: default is 0 in the model, none in the database',
        'column status: in the model (VARCHAR(16)), not in the database',
        'column qty: NULLs are set to its default 0 before NOT NULL (down keeps those values)',
      ]);

      await migrateUp(config);
      const after = await readCatalog();
      expect(after.constraints).toEqual(before.constraints);
      expect(after.indexes).toEqual(before.indexes);
      const changed = (c: Record<string, unknown>) =>
        c.table === 'accounts' && ['label', 'qty', 'status'].includes(c.column as string);
      expect(after.columns.filter((c) => !changed(c))).toEqual(before.columns.filter((c) => !changed(c)));
      const byName = (cat: Catalog, column: string) =>
        cat.columns.find((c) => c.table === 'accounts' && c.column === column);
      expect(byName(after, 'label')).toEqual({
        ...byName(before, 'label'),
        type: 'character varying(40)',
        default: "'none'::character varying",
      });
      expect(byName(after, 'qty')).toEqual({ ...byName(before, 'qty'), not_null: true, default: '0' });
      expect(byName(after, 'status')).toMatchObject({
        type: 'character varying(16)',
        not_null: true,
        default: "'new'::character varying",
        identity: '',
      });
      expect(await rowsOf('owners')).toEqual(data.owners);
      expect(await rowsOf('entries')).toEqual(data.entries);
      // the only row change: the NULL qty took the default, and the new column its default
      expect(await rowsOf('accounts')).toEqual(data.accounts.map((r) => ({ ...r, qty: r.qty ?? 0, status: 'new' })));

      await migrateDown(config);
      expect(await readCatalog()).toEqual(before);
      expect(await rowsOf('accounts')).toEqual(data.accounts.map((r) => ({ ...r, qty: r.qty ?? 0 })));
      expect(await rowsOf('entries')).toEqual(data.entries);
    },
    SLOW,
  );

  it(
    'a destructive migration (drop text and array columns, drop an identity ALWAYS) is undone to the same types, identity kind and comments',
    async () => {
      await migrateUp(config); // the first test's migration again, so its model is the live table
      const file = path.join(config.modelsDir, db.schema, 'accounts.ts');
      const current = await readFile(file, 'utf8');
      await db.pool.query(`comment on column ${db.schema}.accounts.note is 'kept by down'`);
      const edited = current
        .replace(/\n *\/\/ upshift: text[^\n]*\n *note: [^\n]*/, '')
        .replace(/\n *\/\/ upshift: text\[\][^\n]*\n *tags: [^\n]*/, '')
        .replace('row_id: t.bigint().identity(1, 1),', 'row_id: t.bigint().notNull(),');
      expect(edited).not.toMatch(/note:|tags:|identity\(/);
      await writeFile(file, edited);
      const before = await readCatalog();
      const data = await rowsOf('accounts');
      const { plan } = await generateMigration({ ...config, name: 'drop note tags identity', allowDestructive: true });
      expect(plan.refused).toEqual([]);
      await migrateUp(config);
      const up = await readCatalog();
      expect(up.columns.filter((c) => c.table === 'accounts').map((c) => c.column)).toEqual([
        'balance',
        'id',
        'label',
        'owner_id',
        'qty',
        'row_id',
        'status',
      ]);
      expect(up.columns.find((c) => c.column === 'row_id')).toMatchObject({ identity: '', not_null: true });
      expect(up.constraints).toEqual(before.constraints);
      await migrateDown(config);
      // re-added columns come back at the end of the table: compare all but the position
      const withoutPosition = (cat: Catalog) => ({ ...cat, columns: cat.columns.map(({ position: _, ...c }) => c) });
      expect(withoutPosition(await readCatalog())).toEqual(withoutPosition(before));
      // the dropped data is gone (it was destructive), everything else is as it was
      expect(await rowsOf('accounts')).toEqual(data.map((r) => ({ ...r, note: null, tags: null })));
      // identity ALWAYS again, continuing after the existing values
      await expect(
        db.pool.query(`insert into ${db.schema}.accounts (row_id, id) values (99, gen_random_uuid())`),
      ).rejects.toThrow(/cannot insert a non-DEFAULT value into column "row_id"/);
      const { rows: added } = await db.pool.query(
        `insert into ${db.schema}.accounts (id) values (gen_random_uuid()) returning row_id`,
      );
      expect(Number(added[0].row_id)).toBe(3);
    },
    SLOW,
  );
});
