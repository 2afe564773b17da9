// The statements upshift's Redshift loader sends, run through the emulator as one client would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ROLE, failure, startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
let S: string;
beforeAll(async () => {
  f = await startFixture('flow', 2);
  S = `"${f.schema.schema}"`;
  await f.client.query(`create table ${S}.candy (id bigint not null, name varchar(64) not null, price numeric(10,2),
    tags super, updated_at timestamptz not null) diststyle key distkey (id) sortkey (updated_at)`);
});
afterAll(async () => {
  await f?.close();
});

const OPTIONS = `manifest format as csv quote as '"' delimiter ',' null as '\\\\N' gzip timeformat 'auto' dateformat 'auto' compupdate off statupdate off`;

async function stage(name: string, csv: string): Promise<string> {
  const part = await f.put(`${name}/part-00000.csv.gz`, csv, true);
  return f.put(`${name}/manifest.json`, JSON.stringify({ entries: [{ url: part, mandatory: true }] }));
}

async function upsert(c: pg.Client, manifest: string, stageName: string, lock = true): Promise<void> {
  await c.query('begin');
  if (lock) await c.query(`lock ${S}.candy`);
  await c.query(`create temp table ${stageName} (like ${S}.candy)`);
  await c.query(`alter table ${stageName} add column __upshift_ord bigint`);
  await c.query(
    `copy ${stageName} (id, name, price, tags, updated_at, __upshift_ord) from '${manifest}' ${ROLE} ${OPTIONS}`,
  );
  await c.query(`delete from ${S}.candy using (select distinct id from ${stageName}) s where ${S}.candy.id = s.id`);
  await c.query(`insert into ${S}.candy (id, name, price, tags, updated_at)
    select id, name, price, tags, updated_at from (
      select *, row_number() over (partition by id order by __upshift_ord desc) as rn from ${stageName}) d where rn = 1`);
  await c.query('commit');
  await c.query(`drop table ${stageName}`);
}

describe("the loader's Redshift path through the emulator", () => {
  it('upserts: stage, dedupe by load order, delete + insert, in one transaction', async () => {
    const m1 = await stage(
      'u1',
      '1,"Gum",\\N,"[""a""]",2024-01-01T00:00:00Z,1\n2,"Mint",0.50,\\N,2024-01-01T00:00:00Z,2\n1,"Gum v2",1.25,\\N,2024-01-02T00:00:00Z,3\n',
    );
    await upsert(f.client, m1, 'stage_1');
    const m2 = await stage('u2', '2,"Mint v2",0.75,\\N,2024-02-01T00:00:00Z,1\n3,"",\\N,\\N,2024-02-01T00:00:00Z,2\n');
    await upsert(f.client, m2, 'stage_2');
    const rows = (await f.client.query(`select id, name, price, tags from ${S}.candy order by id`)).rows;
    expect(rows).toEqual([
      { id: '1', name: 'Gum v2', price: '1.25', tags: null },
      { id: '2', name: 'Mint v2', price: '0.75', tags: null },
      { id: '3', name: '', price: null, tags: null },
    ]);
  });

  it('the same plan sent as one multi-statement query', async () => {
    const m = await stage('multi', '4,"Taffy",2.00,\\N,2024-03-01T00:00:00Z,1\n');
    await f.client.query(`begin; lock ${S}.candy; create temp table stage_m (like ${S}.candy);
      alter table stage_m add column __upshift_ord bigint;
      copy stage_m (id, name, price, tags, updated_at, __upshift_ord) from '${m}' ${ROLE} ${OPTIONS};
      delete from ${S}.candy using stage_m where ${S}.candy.id = stage_m.id;
      insert into ${S}.candy (id, name, price, tags, updated_at) select id, name, price, tags, updated_at from stage_m;
      commit;`);
    expect((await f.client.query(`select name from ${S}.candy where id = 4`)).rows).toEqual([{ name: 'Taffy' }]);
  });

  it('a rejected COPY rolls the load back and decodes from stl_load_errors in the same session', async () => {
    const m = await stage(
      'bad',
      `5,"ok",1,\\N,2024-01-01T00:00:00Z,1\n6,"${'é'.repeat(40)}",1,\\N,2024-01-01T00:00:00Z,2\n`,
    );
    const c = await f.connect();
    const e = await upsert(c, m, 'stage_bad').then(
      () => undefined,
      (err: unknown) => err as pg.DatabaseError,
    );
    expect(e?.code).toBe('XX000');
    expect(e?.message).toBe(`Load into table 'stage_bad' failed.  Check 'stl_load_errors' system table for details.`);
    await c.query('rollback');
    const le = (
      await c.query(`select line_number, colname, type, raw_line, raw_field_value, err_code, err_reason, filename
      from stl_load_errors where query = pg_last_copy_id() order by line_number`)
    ).rows;
    expect(le).toHaveLength(1);
    expect(le[0].line_number).toBe('2');
    expect(le[0].colname.trim()).toBe('name');
    expect(le[0].type.trim()).toBe('varchar');
    expect(le[0].raw_field_value.trim()).toBe('é'.repeat(40));
    expect(le[0].err_code).toBe(1204);
    expect(le[0].filename.trim()).toMatch(/bad\/part-00000\.csv\.gz$/);
    expect((await c.query(`select count(*)::int as n from ${S}.candy where id in (5, 6)`)).rows[0].n).toBe(0);
  });

  it('two concurrent upserts without LOCK: one fails with 1023 and lands on retry', async () => {
    const a = await f.connect();
    const b = await f.connect();
    const ma = await stage('ca', '10,"A",1,\\N,2024-01-01T00:00:00Z,1\n');
    const mb = await stage('cb', '11,"B",1,\\N,2024-01-01T00:00:00Z,1\n');
    await a.query('begin');
    await b.query('begin');
    await a.query(`select count(*) from ${S}.candy`);
    await b.query(`select count(*) from ${S}.candy`);
    await a.query(`insert into ${S}.candy (id, name, updated_at) values (12, 'x', now())`);
    await b.query(`insert into ${S}.candy (id, name, updated_at) values (13, 'y', now())`);
    await a.query('commit');
    const e = await failure(b, 'commit');
    expect(e.message).toBe('1023');
    // the retry (with LOCK, as the loader does) lands both upserts
    await Promise.all([upsert(a, ma, 'stage_ca'), upsert(b, mb, 'stage_cb')]);
    expect(
      (await f.client.query(`select id from ${S}.candy where id in (10, 11, 12) order by id`)).rows.map((r) => r.id),
    ).toEqual(['10', '11', '12']);
  });

  it('loads 200k rows through a manifest in a few seconds', async () => {
    let csv = '';
    for (let i = 0; i < 200_000; i++) csv += `${1000 + i},"name ${i}",${i % 100}.25,\\N,2024-01-01T00:00:00Z,${i}\n`;
    const m = await stage('big', csv);
    await f.client.query(`create temp table big_stage (like ${S}.candy)`);
    await f.client.query(`alter table big_stage add column __upshift_ord bigint`);
    const t0 = Date.now();
    const r = await f.client.query(
      `copy big_stage (id, name, price, tags, updated_at, __upshift_ord) from '${m}' ${ROLE} ${OPTIONS}`,
    );
    expect(r.rowCount).toBe(200_000);
    expect(Date.now() - t0).toBeLessThan(30_000); // ~4 s on an idle 2-core machine
    expect((await f.client.query('select sum(__upshift_ord)::text as s from big_stage')).rows[0].s).toBe(
      String((199_999 * 200_000) / 2),
    );
  });
});
