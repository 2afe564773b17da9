import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { ROLE, failure, startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('unload', 2);
  await f.client.query(`create table src (id int, name varchar(20), note varchar(20))`);
  await f.client.query(
    `insert into src values (1, 'a|b', null), (2, 'say "hi"', 'x'), (3, 'plain', 'line\nbreak'), (4, 'd', 'e')`,
  );
});
afterAll(async () => {
  await f?.close();
});

const dest = (name: string): string => `s3://upshift-test/${f.prefix}${name}`;

describe('UNLOAD', () => {
  it('writes one file per slice, named <prefix><slice>_part_<nn>, pipe-delimited, with a manifest', async () => {
    const r = await f.client.query(
      `unload ('select id, name from src order by id') to '${dest('par/venue_')}' ${ROLE} manifest`,
    );
    expect(r.command).toBe('UNLOAD');
    expect(await f.list('par/')).toEqual(['par/venue_0000_part_00', 'par/venue_0001_part_00', 'par/venue_manifest']);
    const manifest = JSON.parse((await f.get('par/venue_manifest')).toString());
    expect(manifest.entries.map((e: { url: string }) => e.url)).toEqual([
      dest('par/venue_0000_part_00'),
      dest('par/venue_0001_part_00'),
    ]);
    const sizes = await Promise.all(
      ['par/venue_0000_part_00', 'par/venue_0001_part_00'].map(async (k) => (await f.get(k)).length),
    );
    expect(manifest.entries.map((e: { meta: { content_length: number } }) => e.meta.content_length)).toEqual(sizes);
    const all = [
      (await f.get('par/venue_0000_part_00')).toString(),
      (await f.get('par/venue_0001_part_00')).toString(),
    ].join('');
    expect(all.split('\n').filter(Boolean).sort()).toEqual(['1|a|b', '2|say "hi"', '3|plain', '4|d']);
  });

  it('PARALLEL OFF writes <prefix>000; HEADER, DELIMITER, ADDQUOTES, ESCAPE, NULL AS', async () => {
    await f.client.query(`unload ('select id, name, note from src order by id') to '${dest('ser/out_')}' ${ROLE}
      parallel off header delimiter ',' addquotes escape null as 'NULL'`);
    expect(await f.list('ser/')).toEqual(['ser/out_000']);
    expect((await f.get('ser/out_000')).toString()).toBe(
      'id,name,note\n"1","a|b","NULL"\n"2","say \\"hi\\"","x"\n"3","plain","line\\\nbreak"\n"4","d","e"\n',
    );
  });

  it('FORMAT CSV with GZIP names parts .gz and quotes as CSV does', async () => {
    await f.client.query(
      `unload ('select id, name from src where id <= 2 order by id') to '${dest('csv/p_')}' ${ROLE} format csv gzip parallel off`,
    );
    expect(await f.list('csv/')).toEqual(['csv/p_000.gz']);
    expect(gunzipSync(await f.get('csv/p_000.gz')).toString()).toBe('1,a|b\n2,"say ""hi"""\n');
    await f.client.query(
      `unload ('select 1 as a, null::varchar as b, ''''::varchar as c') to '${dest('csv/n_')}' ${ROLE} format csv parallel off`,
    );
    expect((await f.get('csv/n_000')).toString()).toBe('1,,""\n');
  });

  it('FORMAT PARQUET writes .parquet parts readable as Parquet', async () => {
    await f.client.query(
      `unload ('select id, name from src order by id') to '${dest('pq/t_')}' ${ROLE} format as parquet`,
    );
    const keys = await f.list('pq/');
    expect(keys).toEqual(['pq/t_0000_part_00.parquet', 'pq/t_0001_part_00.parquet']);
    const rows = [];
    for (const k of keys) {
      const b = await f.get(k);
      rows.push(
        ...(await parquetReadObjects({
          file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
        })),
      );
    }
    expect(rows.sort((a, b) => a.id - b.id)).toEqual([
      { id: 1, name: 'a|b' },
      { id: 2, name: 'say "hi"' },
      { id: 3, name: 'plain' },
      { id: 4, name: 'd' },
    ]);
  });

  it('refuses a non-empty destination without ALLOWOVERWRITE', async () => {
    const e = await failure(f.client, `unload ('select 1') to '${dest('par/venue_')}' ${ROLE}`);
    expect(e.message).toMatch(/^Specified unload destination on S3 is not empty/);
    await f.client.query(
      `unload ('select id from src where id = 1') to '${dest('par/venue_')}' ${ROLE} allowoverwrite parallel off`,
    );
    expect((await f.get('par/venue_000')).toString()).toBe('1\n');
  });

  it('splits files at MAXFILESIZE', async () => {
    await f.client.query(`create table big (s varchar(1000))`);
    await f.client.query(`insert into big select repeat('x', 999) from generate_series(1, 12000)`);
    await f.client.query(`unload ('select s from big') to '${dest('big/b_')}' ${ROLE} parallel off maxfilesize 5 mb`);
    expect(await f.list('big/')).toEqual(['big/b_000', 'big/b_001', 'big/b_002']);
  });

  it('takes the query with doubled or escaped quotes', async () => {
    await f.client.query(
      `unload ('select name from src where name = ''plain''') to '${dest('q/a_')}' ${ROLE} parallel off`,
    );
    expect((await f.get('q/a_000')).toString()).toBe('plain\n');
    await f.client.query(
      `unload ('select name from src where name = \\'d\\'') to '${dest('q/b_')}' ${ROLE} parallel off`,
    );
    expect((await f.get('q/b_000')).toString()).toBe('d\n');
  });
});
