// JDBC (pgjdbc, the driver DBeaver and SQL Workbench/J use, in its default extended-protocol
// mode) and psycopg2 against the emulator. Each is skipped, loudly, when it can't be had here
// (CI installs them: .ci/run). COPY reports the rows it loaded:
// https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html; connecting with JDBC:
// https://docs.aws.amazon.com/redshift/latest/mgmt/configure-jdbc-connection.html
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ROLE, startFixture, type EmulatorFixture } from './setup.js';

const run = promisify(execFile);
const JAR = '/usr/share/java/postgresql.jar';

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const JDBC = works('java', ['-version']) && existsSync(JAR);
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => works(p, ['-c', 'import psycopg2']));
if (!JDBC)
  console.warn(
    `SKIPPED pgjdbc client test: needs java and ${JAR} (Debian: apt-get install default-jdk-headless libpostgresql-jdbc-java)`,
  );
if (!PYTHON)
  console.warn('SKIPPED psycopg2 client test: no python3 with psycopg2 (Debian: apt-get install python3-psycopg2)');

let f: EmulatorFixture;
let copy: string;
beforeAll(async () => {
  f = await startFixture('clients', 2);
  await f.client.query('create table jd_t (id int not null, name varchar(10), primary key (id))');
  copy = `copy jd_t from '${await f.put('cl/a.txt', '1|a\n2|b\n3|c\n')}' ${ROLE}`;
});
afterAll(async () => {
  await f?.close();
});
beforeEach(async () => {
  await f.client.query('truncate jd_t');
});

(JDBC ? describe : describe.skip)(`pgjdbc${JDBC ? '' : ' (SKIPPED: no java or pgjdbc jar)'}`, () => {
  it('COPY through Statement.executeUpdate, a PreparedStatement, COPY rolled back with autocommit off, getColumns, getPrimaryKeys', async () => {
    const u = new URL(f.emulator.url);
    const jdbcUrl = `jdbc:postgresql://${u.hostname}:${u.port}${u.pathname}?user=${u.username || 'postgres'}`;
    const src = fileURLToPath(new URL('./fixtures/JdbcClient.java', import.meta.url));
    const { stdout } = await run('java', ['-cp', JAR, src, jdbcUrl, f.schema.schema, copy], { timeout: 60000 });
    expect(stdout.trim().split('\n')).toEqual([
      'copy=3',
      'count=2',
      'copyInTx=3',
      'afterRollback=3',
      'column=id:int4',
      'column=name:varchar',
      'primaryKey=id',
    ]);
  }, 90000);
});

(PYTHON ? describe : describe.skip)(`psycopg2${PYTHON ? '' : ' (SKIPPED: no psycopg2)'}`, () => {
  it('COPY, rowcount, a parameterized select, a rolled-back transaction', async () => {
    const script = `
import sys, psycopg2
c = psycopg2.connect(sys.argv[1])
cur = c.cursor()
cur.execute('set search_path to ' + sys.argv[2])
c.commit()
cur.execute(sys.argv[3])
print('copy=%d' % cur.rowcount)
cur.execute('select count(*) from jd_t where id >= %s', (2,))
print('count=%d' % cur.fetchone()[0])
c.rollback()
cur.execute('select count(*) from jd_t')
print('afterRollback=%d' % cur.fetchone()[0])
c.commit()
cur.execute('select version()')
print('version=' + cur.fetchone()[0].split(' ')[1])
`;
    const { stdout } = await run(PYTHON!, ['-c', script, f.emulator.url, f.schema.schema, copy], { timeout: 30000 });
    expect(stdout.trim().split('\n')).toEqual(['copy=3', 'count=2', 'afterRollback=0', 'version=8.0.2']);
  });
});
