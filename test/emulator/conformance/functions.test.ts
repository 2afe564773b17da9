// Redshift SQL reference, "SQL functions reference": each case runs a documented example through the
// emulator and checks the result the reference shows (the page is cited per case).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type EmulatorFixture } from '../setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('conf_fn', 2);
  // The reference's sample table for window function examples (WINSALES).
  await f.client.query(
    `create table winsales (salesid int, dateid date, sellerid int, buyerid char(10), qty int, qty_shipped int)`,
  );
  await f.client.query(`insert into winsales values
    (30001, '8/2/2003', 3, 'b', 10, 10), (10001, '12/24/2003', 1, 'c', 10, 10), (10005, '12/24/2003', 1, 'a', 30, null),
    (40001, '1/9/2004', 4, 'a', 40, null), (10006, '1/18/2004', 1, 'c', 10, null), (20001, '2/12/2004', 2, 'b', 20, 20),
    (40005, '2/12/2004', 4, 'a', 10, 10), (20002, '2/16/2004', 2, 'c', 20, 20), (30003, '4/18/2004', 3, 'b', 15, null),
    (30004, '4/18/2004', 3, 'b', 20, null), (30007, '9/7/2004', 3, 'c', 30, null)`);
});
afterAll(async () => {
  await f?.close();
});

const one = async (sql: string): Promise<unknown> => {
  const r = await f.client.query({ text: sql, rowMode: 'array' });
  return r.rows[0]?.[0];
};
const rows = async (sql: string): Promise<unknown[][]> => (await f.client.query({ text: sql, rowMode: 'array' })).rows;
const ts = (v: unknown): string =>
  (v as Date)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.000Z$/, '');

describe('date and time functions', () => {
  it('DATEDIFF counts boundaries crossed, with the datepart unquoted', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_DATEDIFF_function.html
    expect(await one(`select datediff(week,'2009-01-01','2009-12-31') as numweeks`)).toBe('52');
    expect(await one(`select datediff(hour, '2023-01-01', '2023-01-03 05:04:03')`)).toBe('53');
    expect(await one(`select datediff(days, 'Jun 1,2008 09:59:59 EST', 'Jul 4,2008 09:59:59 EST')`)).toBe('33');
    // The reference's own wording: 12-31-2008 to 01-01-2009 is 1 year; 8:30:00 to 10:00:00 is 2 hours.
    expect(await one(`select datediff(year, '2008-12-31', '2009-01-01')`)).toBe('1');
    expect(await one(`select datediff(hour, '2009-01-01 08:30:00', '2009-01-01 10:00:00')`)).toBe('2');
  });

  it('DATEADD adds dateparts to a date literal and returns a timestamp', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_DATEADD_function.html
    expect(ts(await one(`select dateadd(month, 18, '2008-02-28')`))).toBe('2009-08-28 00:00:00');
    expect(ts(await one(`select dateadd(day, 30, '2008-02-28')`))).toBe('2008-03-29 00:00:00');
  });

  it('ADD_MONTHS lands on the last day from a last day or past a shorter month', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_ADD_MONTHS.html
    expect(ts(await one(`select add_months('2008-01-01 05:07:30', 1)`))).toBe('2008-02-01 05:07:30');
    expect(ts(await one(`select add_months('2008-03-31',1)`))).toBe('2008-04-30 00:00:00');
    expect(ts(await one(`select add_months('2008-04-30',1)`))).toBe('2008-05-31 00:00:00');
  });

  it('MONTHS_BETWEEN: whole months for the same day, the rest in 31-day months', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_MONTHS_BETWEEN_function.html
    expect(await one(`select months_between('1969-01-18', '1969-03-18') as months`)).toBe(-2);
    expect(await one(`select months_between('1969-01-18', '1969-01-18') as months`)).toBe(0);
    // The reference's event example: 2008-12-25 15:00 and 2008-01-21 19:30 are 11.12 months apart (shown rounded).
    const m = await one(`select months_between('2008-12-25 15:00:00'::timestamp, '2008-01-21 19:30:00'::timestamp)`);
    expect((m as number).toFixed(2)).toBe('11.12');
  });

  it('NEXT_DAY takes day names and abbreviations', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_NEXT_DAY.html
    expect(await one(`select next_day('2014-08-20','Tuesday')::text`)).toBe('2014-08-26');
    expect(await one(`select next_day('2008-01-01 05:54:44'::timestamp, 'Tue')::text`)).toBe('2008-01-08');
  });

  it('DATE_PART / DATEPART with unquoted dateparts and abbreviations', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_DATE_PART_function.html
    expect(await one(`select date_part(w, timestamp '20080221 04:05:06')`)).toBe(8);
    expect(await one(`select date_part(minute, timestamp '20080221 04:05:06')`)).toBe(5);
    expect(await one(`select datepart(dow, date '2008-02-21')`)).toBe(4);
  });

  it('TRUNC of a timestamp is its date; LAST_DAY is the last day of its month', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_TRUNC_date.html
    expect(await one(`select trunc(timestamp '2011-07-21 10:32:38.248109')::text`)).toBe('2011-07-21');
    // https://docs.aws.amazon.com/redshift/latest/dg/r_LAST_DAY.html (the return type is always DATE)
    expect(await one(`select last_day(timestamp '2008-02-10 11:00:00')::text`)).toBe('2008-02-29');
  });

  it('CONVERT_TIMEZONE with two and three arguments', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/CONVERT_TIMEZONE.html
    expect(ts(await one(`select convert_timezone('EST', 'PST', '20080305 12:25:29')`))).toBe('2008-03-05 09:25:29');
    expect(ts(await one(`select convert_timezone('US/Pacific', '2008-08-21 07:23:54'::timestamp)`))).toBe(
      '2008-08-21 00:23:54',
    );
  });

  it('GETDATE and SYSDATE are timestamps without a time zone, GETDATE to the second', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_GETDATE.html
    const [g, s] = (await rows(`select getdate()::text, sysdate::text`))[0]!;
    expect(g).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(s).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/);
  });
});

describe('aggregate and window functions', () => {
  it('RATIO_TO_REPORT over the whole table', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_RATIO_TO_REPORT.html
    const r = await rows(
      `select sellerid, qty, ratio_to_report(qty) over() from winsales order by sellerid, qty desc limit 3`,
    );
    expect(r).toEqual([
      [1, 30, 0.13953488372093023],
      [1, 10, 0.046511627906976744],
      [1, 10, 0.046511627906976744],
    ]);
    const names = await f.client.query(`select ratio_to_report(qty) over() from winsales limit 1`);
    expect(names.fields[0]!.name).toBe('ratio_to_report');
  });

  it('MEDIAN as a window function, DECIMAL for integers', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_MEDIAN.html
    const r = await rows(
      `select distinct sellerid, median(qty) over (partition by sellerid) from winsales order by sellerid`,
    );
    expect(r.map(([s, m]) => [s, Number(m)])).toEqual([
      [1, 10],
      [2, 20],
      [3, 17.5],
      [4, 25],
    ]);
  });

  it('PERCENTILE_CONT as a window function', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_PERCENTILE_CONT.html
    const r = await rows(
      `select distinct sellerid, percentile_cont(0.5) within group (order by qty) over (partition by sellerid) from winsales order by 1`,
    );
    expect(r.map(([s, m]) => [s, Number(m)])).toEqual([
      [1, 10],
      [2, 20],
      [3, 17.5],
      [4, 25],
    ]);
  });

  it('PERCENTILE_DISC as a window function, over all rows and by partition', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_PERCENTILE_DISC.html (both documented examples)
    const all = await rows(
      `select distinct percentile_disc(0.5) within group (order by qty) over () as median from winsales`,
    );
    expect(all.map(([m]) => Number(m))).toEqual([20]);
    const r = await rows(
      `select distinct sellerid, percentile_disc(0.5) within group (order by qty) over (partition by sellerid) as median
      from winsales order by sellerid`,
    );
    expect(r.map(([s, m]) => [s, Number(m)])).toEqual([
      [1, 10],
      [2, 20],
      [3, 15],
      [4, 10],
    ]);
  });

  it('LISTAGG with WITHIN GROUP, as an aggregate and as a window', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_LISTAGG.html
    const w =
      await rows(`select distinct buyerid, listagg(salesid, ',') within group (order by salesid) over (partition by buyerid) as sales_id
      from winsales order by buyerid`);
    expect(w.map(([b, s]) => [String(b).trim(), s])).toEqual([
      ['a', '10005,40001,40005'],
      ['b', '20001,30001,30003,30004'],
      ['c', '10001,10006,20002,30007'],
    ]);
    // https://docs.aws.amazon.com/redshift/latest/dg/r_LISTAGG.html
    expect(
      await one(`select listagg(sellerid, ', ') within group (order by sellerid) from winsales where buyerid = 'a'`),
    ).toBe('1, 4, 4');
    expect(await one(`select listagg(distinct sellerid, ', ') from winsales where buyerid = 'b'`)).toMatch(
      /^(2, 3|3, 2)$/,
    );
  });

  it('APPROXIMATE COUNT(DISTINCT ...) is accepted (counted exactly here)', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_COUNT.html
    expect(await one(`select approximate count(distinct sellerid) from winsales`)).toBe('4');
  });

  it('FIRST_VALUE / LAST_VALUE ... IGNORE NULLS skip nulls in the frame', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_WF_first_value.html
    const r =
      await rows(`select distinct sellerid, last_value(qty_shipped ignore nulls) over (partition by sellerid order by salesid
      rows between unbounded preceding and unbounded following) from winsales order by 1`);
    expect(r).toEqual([
      [1, 10],
      [2, 20],
      [3, 10],
      [4, 10],
    ]);
  });
});

describe('conditional, string and JSON functions', () => {
  it('NVL, COALESCE, NVL2, DECODE', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_NVL_function.html (COALESCE is its synonym), r_NVL2.html,
    // r_DECODE_expression.html
    expect(
      await rows(`select nvl(null::int, 5), coalesce(null::int, null, 6), nvl(null::int, null, 7), nvl2(null::int, 'a', 'b'),
      nvl2(1, 'a', 'b'), decode(2, 1, 'one', 2, 'two', 'other'), decode(9, 1, 'one', 'other')`),
    ).toEqual([[5, 6, 7, 'b', 'a', 'two', 'other']]);
  });

  it('CHARINDEX, REPLICATE, LEN, STRTOL', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CHARINDEX.html
    expect(await one(`select charindex('dog', 'fish')`)).toBe(0);
    expect(await one(`select charindex('fish', 'dogfish')`)).toBe(4);
    // https://docs.aws.amazon.com/redshift/latest/dg/r_REPLICATE.html
    expect(await one(`select replicate('ab', 3)`)).toBe('ababab');
    // https://docs.aws.amazon.com/redshift/latest/dg/r_LEN.html
    expect(await one(`select len('français')`)).toBe(8);
    // https://docs.aws.amazon.com/redshift/latest/dg/r_STRTOL.html
    expect(
      await rows(`select strtol('0xf',16), strtol('abcd1234',16), strtol('1234567', 10), strtol('110101', 2)`),
    ).toEqual([['15', '2882343476', '1234567', '53']]);
  });

  it('FUNC_SHA1 and MD5', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/FUNC_SHA1.html
    // (the 40-digit hex SHA-1 of the string, checked against Node's own SHA-1)
    expect(await one(`select func_sha1('Amazon Redshift')`)).toBe(
      createHash('sha1').update('Amazon Redshift').digest('hex'),
    );
    // https://docs.aws.amazon.com/redshift/latest/dg/r_MD5.html
    expect(await one(`select md5('Amazon Redshift')`)).toBe('f7415e33f972c03abd4f3fed36748f7a');
  });

  it('FNV_HASH of numbers by their binary width, of strings, and chained through the seed (missing before)', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_FNV_HASH.html: every documented example
    expect(
      await rows(`select fnv_hash(1), fnv_hash('Amazon Redshift'), fnv_hash('Amazon Redshift', fnv_hash(1)),
      fnv_hash(1::smallint), fnv_hash(1::bigint), fnv_hash('abcd'), fnv_hash('cd', fnv_hash('ab'))`),
    ).toEqual([
      [
        '-5968735742475085980',
        '7783490368944507294',
        '-2202602717770968555',
        '589727492704079044',
        '-8517097267634966620',
        '-281581062704388899',
        '-281581062704388899',
      ],
    ]);
    // "hashing CHAR and VARCHAR inputs does not ignore trailing spaces"
    const [padded, trimmed, varchar] = (
      await rows(`select fnv_hash('ab'::char(4)), fnv_hash('ab'), fnv_hash('ab  '::varchar(4))`)
    )[0]!;
    expect(padded).toBe(varchar);
    expect(padded).not.toBe(trimmed);
  });

  it('CRC32 (CRC-32C) and SHA2 (missing before)', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/crc32-function.html
    expect(await one(`select crc32('Amazon Redshift')`)).toBe('f2726906');
    // https://docs.aws.amazon.com/redshift/latest/dg/SHA2.html: 0 is 256; an invalid number of bits gives ''
    // (the digests checked against Node's own SHA-2).
    const sha = (bits: number): string => createHash(`sha${bits}`).update('Amazon Redshift').digest('hex');
    expect(
      await rows(`select sha2('Amazon Redshift', 256), sha2('Amazon Redshift', 0), sha2('Amazon Redshift', 224),
      sha2('Amazon Redshift', 384), sha2('Amazon Redshift', 512), sha2('Amazon Redshift', 100)`),
    ).toEqual([[sha(256), sha(256), sha(224), sha(384), sha(512), '']]);
  });

  it('JSON_PARSE, JSON_SERIALIZE, IS_VALID_JSON, JSON_EXTRACT_PATH_TEXT', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/JSON_PARSE.html
    expect(await one(`select json_parse('[10001,10002,"abc"]')`)).toBe('[10001,10002,"abc"]');
    // https://docs.aws.amazon.com/redshift/latest/dg/JSON_SERIALIZE.html
    expect(await one(`select json_serialize(json_parse('[10001,10002,"abc"]'))`)).toBe('[10001,10002,"abc"]');
    // https://docs.aws.amazon.com/redshift/latest/dg/IS_VALID_JSON.html
    expect(await rows(`select is_valid_json('{"a":2}'), is_valid_json('{"a":2')`)).toEqual([[true, false]]);
    // https://docs.aws.amazon.com/redshift/latest/dg/JSON_EXTRACT_PATH_TEXT.html
    expect(await one(`select json_extract_path_text('{"f2":{"f3":1},"f4":{"f5":99,"f6":"star"}}','f4', 'f6')`)).toBe(
      'star',
    );
    expect(
      await one(`select json_extract_path_text('{"f2":{"f3":1},"f4":{"f5":99,"f6":"star"}','f4', 'f6',true)`),
    ).toBe(null);
    expect(await one(`select json_extract_path_text('{"f2":{"f3":1},"f4":{"f5":99,"f6":"star"}}','f4', 'f7')`)).toBe(
      null,
    );
  });

  it('CONVERT(type, value)', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CAST_function.html
    expect(await rows(`select convert(integer, '2008'), convert(decimal(10,2), 3.456)`)).toEqual([[2008, '3.46']]);
  });
});
