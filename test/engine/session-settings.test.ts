// A load must not depend on the server's defaults: with standard_conforming_strings off, COPY's
// NULL '\N' option read as 'N' once turned NULL into the text "\N" and the text "N" into NULL.
// Each warehouse runs a load (and an unload) under hostile session defaults and reads back exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { LocalStage, PgliteDatabase, PostgresDatabase, defineTable, t } from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';

type Row = Record<string, unknown>;
const HOSTILE = [
  'standard_conforming_strings=off',
  'DateStyle=SQL,DMY',
  'IntervalStyle=sql_standard',
  'TimeZone=America/New_York',
  'extra_float_digits=0',
];
const VALUES: Array<string | null> = [null, 'N', '\\N', '\\', 'a\\b', "it's", 'NULL', ''];

const model = (schema: string, name: string) =>
  defineTable(
    `${schema}.${name}`,
    {
      id: t.integer().notNull(),
      s: t.varchar(16),
      d: t.date(),
      span: t.intervalDayToSecond(),
      x: t.double(),
      at: t.timestamp(),
    },
    { upsertKey: ['id'] },
  );

const rows = VALUES.map((s, id) => ({
  id,
  s,
  d: '2026-03-04',
  span: '-1 02:03:04',
  x: 0.1 + 0.2,
  at: '2026-03-04 05:06:07.123456',
}));

/** What the target must hold, read with explicit formats so the reading session's settings don't matter. */
const readBack = (q: (sql: string) => Promise<Row[]>, table: string) =>
  // '-1 02:03:04' is read the Postgres way (-1 day +02:03:04), not sql_standard's (-(1 day 02:03:04)).
  q(`select id, s, to_char(d, 'YYYY-MM-DD') as d, extract(epoch from span)::text as span_s, x = '0.30000000000000004'::float8 as x_exact,
       to_char(at, 'YYYY-MM-DD HH24:MI:SS.US') as at from ${table} order by id`);

const expected = VALUES.map((s, id) => ({
  id,
  s,
  d: '2026-03-04',
  span_s: '-79016.000000',
  x_exact: true,
  at: '2026-03-04 05:06:07.123456',
}));

describe('loads fix their own session settings (Postgres)', () => {
  let s: TestSchema;
  let dir: string;
  const opened: PostgresDatabase[] = [];
  beforeAll(async () => {
    s = await createTestSchema('session_settings');
    dir = mkdtempSync(join(tmpdir(), 'upshift-settings-'));
  });
  afterAll(async () => {
    for (const db of opened) {
      await db.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
      await db.close();
    }
    await s.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const hostile = (copyWhileStaging: boolean) => {
    const options = encodeURIComponent(HOSTILE.map((o) => `-c ${o}`).join(' '));
    const url = `${s.url}${s.url.includes('?') ? '&' : '?'}options=${options}`;
    const db = new PostgresDatabase({
      connectionString: url,
      stage: new LocalStage({ dir }),
      auditSchema: `${s.schema}_audit`,
      copyWhileStaging,
    });
    opened.push(db);
    return db;
  };

  for (const copyWhileStaging of [true, false]) {
    it(`NULL, "N" and backslashes land exactly under standard_conforming_strings=off (copyWhileStaging: ${copyWhileStaging})`, async () => {
      const db = hostile(copyWhileStaging);
      expect((await db.query<Row>('show standard_conforming_strings'))[0]).toEqual({
        standard_conforming_strings: 'off',
      });
      const table = db.table(model(s.schema, `scs_${copyWhileStaging}`));
      await table.create();
      await table.upsert(rows);
      expect(await readBack((q) => db.query<Row>(q), `"${s.schema}"."scs_${copyWhileStaging}"`)).toEqual(expected);
    });
  }

  it('unload writes NULL as \\N and floats exactly under the same settings', async () => {
    const db = hostile(true);
    const table = db.table(model(s.schema, 'scs_unload'));
    await table.create();
    await table.upsert(rows.slice(0, 3));
    const r = await db.unload(`select id, s, x from "${s.schema}".scs_unload order by id`, 'settings-unload', {
      parallel: false,
    });
    const text = readFileSync(new URL(r.files[0]!.uri), 'utf8');
    expect(text).toBe(
      '"0"|\\N|"0.30000000000000004"\n"1"|"N"|"0.30000000000000004"\n"2"|"\\N"|"0.30000000000000004"\n'.replaceAll(
        '|',
        ',',
      ),
    );
  });
});

describe('loads fix their own session settings (PGlite)', () => {
  let pglite: PGlite;
  let db: PgliteDatabase;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upshift-settings-pglite-'));
    pglite = new PGlite();
    db = new PgliteDatabase({ pglite, stage: new LocalStage({ dir }) });
    for (const o of HOSTILE) {
      const [name, value] = o.split('=');
      await pglite.query(`set ${name} = '${value}'`);
    }
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('NULL, "N" and backslashes land exactly under standard_conforming_strings=off', async () => {
    expect((await db.query<Row>('show standard_conforming_strings'))[0]).toEqual({
      standard_conforming_strings: 'off',
    });
    await db.query('create schema if not exists settings');
    const table = db.table(model('settings', 'scs'));
    await table.create();
    await table.upsert(rows);
    expect(await readBack((q) => db.query<Row>(q), 'settings.scs')).toEqual(expected);
  });
});
