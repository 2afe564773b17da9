// UNLOAD's MANIFEST VERBOSE, PARTITION BY and FORMAT JSON, checked against the forms the UNLOAD
// reference documents, reading the written objects back from S3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { parquetReadObjects } from 'hyparquet';
import { ROLE, failure, startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('unload_formats', 2);
  await f.client.query(`create table venue (venueid int, venuename varchar(100), venuestate char(2), venueseats bigint,
    price numeric(8,2), opened date, active boolean)`);
  await f.client.query(`insert into venue values
    (1, 'Pinewood Racetrack', 'OH', 0, 12.50, '2001-02-03', true),
    (2, 'Columbus "Crew" Stadium', 'OH', 0, null, '2001-02-03', false),
    (4, 'Community, Ballpark, Arena', 'KS', 9007199254740993, 7.25, '2005-06-07', null),
    (5, 'Nowhere', null, 10, 1.00, null, true)`);
});
afterAll(async () => {
  await f?.close();
});

const dest = (name: string): string => `s3://upshift-test/${f.prefix}${name}`;
const text = async (key: string): Promise<string> => (await f.get(key)).toString('utf8');
const lines = (s: string): string[] => s.split('\n').filter(Boolean);

interface Manifest {
  entries: Array<{ url: string; meta: { content_length: number; record_count: number } }>;
  schema: { elements: Array<{ name: string; type: Record<string, unknown> }> };
  meta: { content_length: number; record_count: number };
  author: { name: string; version: string };
}

describe('UNLOAD MANIFEST VERBOSE', () => {
  it('writes entries with content_length and record_count, the schema in Redshift type names, and the totals', async () => {
    await f.client
      .query(`unload ('select venueid, venuename, venuestate, venueseats, price, opened, active, price * 2 as doubled,
      venuename || ''!'' as shout from venue') to '${dest('mv/venue_')}' ${ROLE} manifest verbose`);
    const keys = await f.list('mv/');
    expect(keys).toEqual(['mv/venue_0000_part_00', 'mv/venue_0001_part_00', 'mv/venue_manifest']);
    const m = JSON.parse(await text('mv/venue_manifest')) as Manifest;
    const files = await Promise.all(keys.slice(0, 2).map(async (k) => await f.get(k)));
    expect(m.entries).toEqual(
      files.map((b, i) => ({
        url: dest(keys[i]!),
        meta: { content_length: b.length, record_count: lines(b.toString()).length },
      })),
    );
    expect(m.schema.elements).toEqual([
      { name: 'venueid', type: { base: 'integer' } },
      { name: 'venuename', type: { base: 'character varying', max_length: 100 } },
      { name: 'venuestate', type: { base: 'character', max_length: 2 } },
      { name: 'venueseats', type: { base: 'bigint' } },
      { name: 'price', type: { base: 'numeric', precision: 8, scale: 2 } },
      { name: 'opened', type: { base: 'date' } },
      { name: 'active', type: { base: 'boolean' } },
      // Expressions without declared dimensions: see redshiftType's comment.
      { name: 'doubled', type: { base: 'numeric', precision: 38, scale: 2 } },
      { name: 'shout', type: { base: 'character varying', max_length: 65535 } },
    ]);
    expect(m.meta).toEqual({ content_length: files[0]!.length + files[1]!.length, record_count: 4 });
    expect(m.author).toEqual({ name: 'Amazon Redshift', version: '1.0.0' });
  });

  it('counts the header line in record_count, as the reference says', async () => {
    await f.client.query(
      `unload ('select venueid from venue') to '${dest('mvh/v_')}' ${ROLE} manifest verbose header parallel off`,
    );
    const m = JSON.parse(await text('mvh/v_manifest')) as Manifest;
    expect(lines(await text('mvh/v_000'))).toHaveLength(5);
    expect(m.entries.map((e) => e.meta.record_count)).toEqual([5]);
    expect(m.meta.record_count).toBe(5);
  });

  it('the manifest loads back with COPY ... MANIFEST', async () => {
    await f.client.query(`create table venue_back (like venue)`);
    await f.client.query(`unload ('select * from venue') to '${dest('mvb/v_')}' ${ROLE} manifest verbose`);
    await f.client.query(`copy venue_back from '${dest('mvb/v_manifest')}' ${ROLE} manifest`);
    const r = await f.client.query(`select count(*)::int as n from venue_back`);
    expect(r.rows[0].n).toBe(4);
  });
});

describe('UNLOAD PARTITION BY', () => {
  it('writes col=value/ prefixes (NULL as __HIVE_DEFAULT_PARTITION__) and leaves the partition columns out of the files', async () => {
    await f.client.query(`unload ('select venueid, venuename, venuestate from venue') to '${dest('pb/out')}' ${ROLE}
      partition by (venuestate) manifest`);
    // The prefix got its slash; one manifest at the root.
    expect(await f.list('pb/')).toEqual([
      'pb/out/manifest',
      'pb/out/venuestate=KS/0000_part_00',
      'pb/out/venuestate=OH/0000_part_00',
      'pb/out/venuestate=OH/0001_part_00',
      'pb/out/venuestate=__HIVE_DEFAULT_PARTITION__/0000_part_00',
    ]);
    expect(lines(await text('pb/out/venuestate=KS/0000_part_00'))).toEqual(['4|Community, Ballpark, Arena']);
    const oh = [
      ...lines(await text('pb/out/venuestate=OH/0000_part_00')),
      ...lines(await text('pb/out/venuestate=OH/0001_part_00')),
    ];
    expect(oh.sort()).toEqual(['1|Pinewood Racetrack', '2|Columbus "Crew" Stadium']);
    expect(lines(await text('pb/out/venuestate=__HIVE_DEFAULT_PARTITION__/0000_part_00'))).toEqual(['5|Nowhere']);
    const m = JSON.parse(await text('pb/out/manifest')) as Manifest;
    expect(m.entries.map((e) => e.url)).toEqual((await f.list('pb/out/venuestate=')).map((k) => dest(k)));
  });

  it('INCLUDE keeps the partition columns; several keys nest in order; values are escaped as Hive escapes them', async () => {
    await f.client.query(`unload ('select venueid, venuestate, opened, venuename from venue where venueid in (1, 4)')
      to '${dest('pbi/')}' ${ROLE} partition by (venuestate, opened) include parallel off`);
    expect(await f.list('pbi/')).toEqual([
      'pbi/venuestate=KS/opened=2005-06-07/000',
      'pbi/venuestate=OH/opened=2001-02-03/000',
    ]);
    expect(await text('pbi/venuestate=OH/opened=2001-02-03/000')).toBe('1|OH|2001-02-03|Pinewood Racetrack\n');
    await f.client
      .query(`unload ('select venueid, ''a/b=c:d'' as k from venue where venueid = 1') to '${dest('pbe/')}' ${ROLE}
      partition by (k) parallel off`);
    expect(await f.list('pbe/')).toEqual(['pbe/k=a%2Fb%3Dc%3Ad/000']);
  });

  it('partitions PARQUET files, the key column left out of the file', async () => {
    await f.client
      .query(`unload ('select venueid, venuestate from venue where venuestate is not null') to '${dest('pbq/')}' ${ROLE}
      parquet partition by (venuestate) parallel off`);
    expect(await f.list('pbq/')).toEqual(['pbq/venuestate=KS/000.parquet', 'pbq/venuestate=OH/000.parquet']);
    const b = await f.get('pbq/venuestate=OH/000.parquet');
    const rows = await parquetReadObjects({
      file: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
    });
    expect(rows.sort((x, y) => x.venueid - y.venueid)).toEqual([{ venueid: 1 }, { venueid: 2 }]);
  });

  it('refuses a key that is not a query column, a key of a type Redshift does not partition by, and no data column left', async () => {
    let e = await failure(
      f.client,
      `unload ('select venueid from venue') to '${dest('pbx1/')}' ${ROLE} partition by (nope)`,
    );
    expect(e.message).toMatch(/PARTITION BY column "nope" is not a column of the UNLOAD query \(columns: venueid\)/);
    e = await failure(
      f.client,
      `unload ('select venueid, 1.5::float8 as x from venue') to '${dest('pbx2/')}' ${ROLE} partition by (x)`,
    );
    expect(e.message).toMatch(/PARTITION BY column "x" has type double precision/);
    e = await failure(
      f.client,
      `unload ('select venuestate from venue') to '${dest('pbx3/')}' ${ROLE} partition by (venuestate)`,
    );
    expect(e.message).toMatch(/at least one column that is not a partition column/);
    expect(await f.list('pbx')).toEqual([]);
  });
});

describe('UNLOAD FORMAT JSON', () => {
  it('writes one JSON object per line: numbers bare, strings escaped, booleans t/f, NULL as null', async () => {
    await f.client
      .query(`unload ('select venueid, venuename, venuestate, venueseats, price, opened, active from venue order by venueid')
      to '${dest('js/v_')}' ${ROLE} format as json parallel off`);
    expect(await f.list('js/')).toEqual(['js/v_000']);
    expect(lines(await text('js/v_000'))).toEqual([
      '{"venueid":1,"venuename":"Pinewood Racetrack","venuestate":"OH","venueseats":0,"price":12.50,"opened":"2001-02-03","active":"t"}',
      '{"venueid":2,"venuename":"Columbus \\"Crew\\" Stadium","venuestate":"OH","venueseats":0,"price":null,"opened":"2001-02-03","active":"f"}',
      // Past 2^53 the digits stay as Postgres printed them.
      '{"venueid":4,"venuename":"Community, Ballpark, Arena","venuestate":"KS","venueseats":9007199254740993,"price":7.25,"opened":"2005-06-07","active":null}',
      '{"venueid":5,"venuename":"Nowhere","venuestate":null,"venueseats":10,"price":1.00,"opened":null,"active":"t"}',
    ]);
  });

  it('JSON with GZIP and PARTITION BY', async () => {
    await f.client
      .query(`unload ('select venueid, venuestate from venue where venueid < 3') to '${dest('jsg/')}' ${ROLE}
      json gzip partition by (venuestate) parallel off`);
    expect(await f.list('jsg/')).toEqual(['jsg/venuestate=OH/000.gz']);
    expect(lines(gunzipSync(await f.get('jsg/venuestate=OH/000.gz')).toString()).map((l) => JSON.parse(l))).toEqual([
      { venueid: 1 },
      { venueid: 2 },
    ]);
  });

  it('refuses the options the reference says JSON cannot take, and repeated column names', async () => {
    for (const opt of ['header', `delimiter ','`, 'addquotes', 'escape', `null as 'x'`]) {
      const e = await failure(f.client, `unload ('select 1 as a') to '${dest('jsx/')}' ${ROLE} json ${opt}`);
      expect(e.message).toMatch(/JSON format does not support DELIMITER, HEADER, ADDQUOTES, ESCAPE or NULL AS/);
    }
    const e = await failure(f.client, `unload ('select 1 as a, 2 as a') to '${dest('jsx/')}' ${ROLE} json`);
    expect(e.message).toMatch(/column name "a" appears more than once/);
  });
});
