// ALTER TABLE ADD / DROP CONSTRAINT of declared keys, as Redshift has them:
// "ALTER TABLE table_name { ADD table_constraint | DROP CONSTRAINT constraint_name [ RESTRICT | CASCADE ] | ...
// RENAME TO new_name | ... }" — https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_TABLE.html
// The keys are informational (not enforced), so they live in the emulator's catalog only: DROP
// CONSTRAINT must remove them there (Postgres has no such constraint to drop), and a RENAME keeps
// them with the table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('alter_keys', 2);
  await f.client.query(
    `create table ak_parent (id int not null, code char(3), constraint ak_parent_key primary key (id))`,
  );
  await f.client.query(
    `create table ak_child (id int, parent_id int, constraint ak_child_parent foreign key (parent_id) references ak_parent (id))`,
  );
});
afterAll(async () => {
  await f?.close();
});

const keys = async (table: string) =>
  (
    await f.client.query(
      `select constraint_name, constraint_type from information_schema.table_constraints
    where table_schema = current_schema() and table_name = $1 and constraint_type <> 'CHECK' order by 1`,
      [table],
    )
  ).rows;

describe('ALTER TABLE ADD / DROP CONSTRAINT', () => {
  it('DROP CONSTRAINT removes a declared key (with RESTRICT or CASCADE too); ADD CONSTRAINT puts it back under its name', async () => {
    await f.client.query(`alter table ak_parent add constraint ak_parent_code unique (code)`);
    expect(await keys('ak_parent')).toEqual([
      { constraint_name: 'ak_parent_code', constraint_type: 'UNIQUE' },
      { constraint_name: 'ak_parent_key', constraint_type: 'PRIMARY KEY' },
    ]);
    await f.client.query(`alter table ak_parent drop constraint ak_parent_code`);
    await f.client.query(`alter table ak_child drop constraint "ak_child_parent" cascade`);
    expect(await keys('ak_parent')).toEqual([{ constraint_name: 'ak_parent_key', constraint_type: 'PRIMARY KEY' }]);
    expect(await keys('ak_child')).toEqual([]);
    await f.client.query(
      `alter table ak_child add constraint ak_child_parent foreign key (parent_id) references ak_parent (id)`,
    );
    const { rows } = await f.client
      .query(`select conname, confrelid::regclass::text as ref, conkey, confkey from pg_constraint
      where conrelid = 'ak_child'::regclass and contype = 'f'`);
    expect(rows).toEqual([{ conname: 'ak_child_parent', ref: 'ak_parent', conkey: [2], confkey: [1] }]);
  });

  it('DROP CONSTRAINT refuses trailing words other than RESTRICT / CASCADE', async () => {
    await expect(f.client.query(`alter table ak_parent drop constraint ak_parent_key sometimes`)).rejects.toThrow(
      /syntax error at or near "sometimes"/,
    );
    expect(await keys('ak_parent')).toEqual([{ constraint_name: 'ak_parent_key', constraint_type: 'PRIMARY KEY' }]);
  });

  it('RENAME TO keeps the keys with the table', async () => {
    await f.client.query(`create table ak_other (id int not null, constraint ak_other_pk primary key (id))`);
    await f.client.query(`alter table ak_other rename to ak_renamed`);
    expect(await keys('ak_renamed')).toEqual([{ constraint_name: 'ak_other_pk', constraint_type: 'PRIMARY KEY' }]);
  });
});
