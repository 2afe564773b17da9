// Bytes that are not UTF-8 in a COPY source (a gzip object COPYed without GZIP, a Latin-1 file)
// fail the COPY with Redshift's load error 1220 and a stl_load_errors row naming file and line,
// never with a raw Postgres encoding error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidUtf8 } from '../../src/emulator/copy-read.js';
import { ROLE, failure, startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('enc');
  await f.client.query('create table t (id int, name varchar(20))');
});
afterAll(async () => {
  await f?.close();
});

const loadErrors = async () =>
  (
    await f.client.query(`select trim(filename) as filename, line_number::int as line, err_code,
  trim(err_reason) as reason from stl_load_errors where query = pg_last_copy_id()`)
  ).rows;

describe('COPY of bytes that are not UTF-8', () => {
  const rows = Array.from({ length: 500 }, (_, i) => `${i},name-${i}\n`).join('');
  for (const format of ['csv', "delimiter ','", "json 'auto'"]) {
    it(`a gzip object COPYed without GZIP (${format}) is load error 1220 at line 1`, async () => {
      const url = await f.put(`gz-${format.length}.csv.gz`, rows, true);
      const err = await failure(f.client, `copy t from '${url}' ${ROLE} ${format}`);
      expect(err.code).toBe('XX000');
      expect(err.message).toBe("Load into table 't' failed.  Check 'stl_load_errors' system table for details.");
      expect(await loadErrors()).toEqual([
        {
          filename: url,
          line: 1,
          err_code: 1220,
          reason: 'String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: 8b (error 3)',
        },
      ]);
    });
  }

  it('a Latin-1 byte names its line', async () => {
    const url = await f.put(
      'latin1.csv',
      Buffer.concat([Buffer.from('1,a\n2,b\n3,caf'), Buffer.from([0xe9]), Buffer.from('\n4,d\n')]),
    );
    await failure(f.client, `copy t from '${url}' ${ROLE} csv`);
    expect(await loadErrors()).toEqual([
      {
        filename: url,
        line: 3,
        err_code: 1220,
        reason: 'String contains invalid or unsupported UTF8 codepoints. Bad UTF8 hex sequence: e9 (error 2)',
      },
    ]);
  });

  it('with ACCEPTINVCHARS the byte is replaced and the rows load', async () => {
    const url = await f.put(
      'latin1-ok.csv',
      Buffer.concat([Buffer.from('1,caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    await f.client.query('begin');
    await f.client.query(`copy t from '${url}' ${ROLE} csv acceptinvchars as '?'`);
    expect((await f.client.query('select id, name from t')).rows).toEqual([{ id: 1, name: 'caf?' }]);
    await f.client.query('rollback');
  });

  it("classifies bad sequences with Redshift's UTF-8 error numbers", () => {
    const error = (...b: number[]) => invalidUtf8(Uint8Array.from(b))?.error;
    expect(error(0xa4)).toBe(3);
    expect(error(0xff)).toBe(3);
    expect(error(0xf8, 0x80, 0x80, 0x80, 0x80)).toBe(1);
    expect(error(0xe0, 0xa1)).toBe(2);
    expect(error(0xe9, 0x0a)).toBe(2);
    expect(error(0xc3, 0x28)).toBe(4);
    expect(error(0xed, 0xa0, 0x80)).toBe(5);
    expect(error(0xf4, 0x90, 0x80, 0x80)).toBe(8);
    expect(error(0xc0, 0x80)).toBe(9);
    expect(invalidUtf8(Buffer.from('plain, é € 😀'))).toBeUndefined();
  });
});
