// The real psql against the emulator. psql picks its catalog queries by the server version, and
// for 8.0.2 (what Redshift reports) asks for pg_class.relhasoids and pg_proc.proisagg, which
// PostgreSQL 12 and 11 dropped. Connecting with psql: https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-from-psql.html
// Type names as Redshift shows them (integer, character varying(n), numeric(p,s), date, boolean):
// https://docs.aws.amazon.com/redshift/latest/dg/c_Supported_data_types.html
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type EmulatorFixture } from './setup.js';

const run = promisify(execFile);

function psqlPath(): string | undefined {
  try {
    return execFileSync('which', ['psql'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const PSQL = psqlPath();
if (!PSQL)
  console.warn('SKIPPED psql client tests: no psql binary on PATH (Debian: apt-get install postgresql-client)');
const maybe = PSQL ? describe : describe.skip;

let f: EmulatorFixture;
let S: string;
beforeAll(async () => {
  if (!PSQL) return;
  f = await startFixture('psql', 2);
  S = f.schema.schema;
  await f.client.query(
    `create table ps_t (id int primary key, name varchar(20) not null, price numeric(10,2), d date, ok boolean)`,
  );
  await f.client.query(`create function ps_add(a int, b int) returns int language sql immutable as 'select a + b'`);
});
afterAll(async () => {
  await f?.close();
});

/** psql -c COMMAND, unaligned, tuples only: one line per row, fields separated by |. */
async function psql(command: string, tuplesOnly = true): Promise<string[]> {
  const args = [
    '-X',
    '-A',
    '-v',
    'ON_ERROR_STOP=1',
    ...(tuplesOnly ? ['-t'] : []),
    '-d',
    f.emulator.url,
    '-c',
    command,
  ];
  const { stdout } = await run(PSQL!, args, { env: { ...process.env, PGOPTIONS: `-c search_path=${S}` } });
  return stdout.split('\n').filter((l) => l.length);
}

maybe(`psql ${PSQL ? '' : '(SKIPPED: no psql binary)'}`, () => {
  it('\\d table lists each column with its type, nullability', async () => {
    expect(await psql(`\\d ${S}.ps_t`)).toEqual([
      'id|integer||not null|',
      'name|character varying(20)||not null|',
      'price|numeric(10,2)|||',
      'd|date|||',
      'ok|boolean|||',
    ]);
  });

  it('\\d+ table adds storage and description columns', async () => {
    await f.client.query(`comment on column ps_t.name is 'the name'`);
    const lines = await psql(`\\d+ ${S}.ps_t`, false);
    expect(lines[1]).toBe('Column|Type|Collation|Nullable|Default|Storage|Stats target|Description');
    expect(lines).toContain('name|character varying(20)||not null||extended||the name');
  });

  it('\\d shows an IDENTITY column with its "identity"(...) default, as Redshift keeps it, and other defaults', async () => {
    // https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_TABLE_NEW.html (IDENTITY(seed, step)); Redshift keeps it in
    // pg_attrdef as "identity"(<table oid>, <0-based column>, '<seed>,<step>'), the form svv_columns shows.
    await f.client.query(`create table ps_ident (id bigint identity(100, 5), v int default 7, w int)`);
    const oid = (await f.client.query(`select 'ps_ident'::regclass::oid::int as o`)).rows[0].o as number;
    // Column|Type|Collation|Nullable|Default: the name, type and default (nullability is not what this checks).
    const lines = (await psql(`\\d ${S}.ps_ident`)).map((l) => l.split('|'));
    expect(lines.map(([name, type, , , def]) => `${name}|${type}|${def}`)).toEqual([
      `id|bigint|"identity"(${oid}, 0, '100,5'::text)`,
      'v|integer|7',
      'w|integer|',
    ]);
  });

  it('\\dt lists the table', async () => {
    expect(await psql(`\\dt ${S}.ps_t`)).toEqual([`${S}|ps_t|table|postgres`]);
  });

  it('\\df lists the function with its result and argument types', async () => {
    expect(await psql(`\\df ${S}.*`)).toEqual([`${S}|ps_add|integer|a integer, b integer|func`]);
  });

  it('runs Redshift SQL and shows the server as 8.0.2', async () => {
    expect(await psql('select version()')).toEqual([expect.stringMatching(/^PostgreSQL 8\.0\.2 .*Redshift/)]);
  });
});
