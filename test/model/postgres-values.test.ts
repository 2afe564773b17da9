// Float and SUPER validation held against the real Postgres 15: what validation refuses, the
// server refuses; what it accepts, the server stores as the value validation produced. Then end
// to end through the library: a REAL column loaded from a CSV holds the float4 validation rounded
// to, and values the server would refuse (or change) never reach it.
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LocalStage,
  PostgresDatabase,
  REDSHIFT_LIMITS,
  RowValidationError,
  defineTable,
  fromLocalFile,
  t,
} from '../../src/index.js';
import { columnChecker } from '../../src/model/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';

let s: TestSchema;
let client: pg.PoolClient;
let dir: string;
beforeAll(async () => {
  s = await createTestSchema('values');
  client = await s.pool.connect();
  dir = mkdtempSync(join(tmpdir(), 'upshift-values-'));
});
afterAll(async () => {
  client?.release();
  await s?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Postgres's reading of a text as a type (its text output), or the error it raises. */
async function pgRead(value: string, type: string): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
  try {
    const { rows } = await client.query(`SELECT $1::${type}::text AS v`, [value]);
    return { ok: true, text: rows[0].v as string };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

describe('float text: validation and Postgres agree on every value, refusals included', () => {
  const digits = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  // Exponents around every edge: double underflow (-324) and overflow (308), float4 underflow
  // (-45) and overflow (38), and everyday values.
  const exponent = fc.oneof(
    fc.integer({ min: -330, max: -300 }),
    fc.integer({ min: -50, max: -36 }),
    fc.integer({ min: 30, max: 40 }),
    fc.integer({ min: 300, max: 312 }),
    fc.integer({ min: -10, max: 10 }),
  );
  const floatText = fc
    .tuple(fc.constantFrom('', '-', '+'), digits(1, 3), digits(0, 20), exponent)
    .map(([sign, int, frac, e]) => `${sign}${int}${frac ? `.${frac}` : ''}e${e}`);
  // The exact midpoints where rounding twice (decimal -> double -> float4) goes wrong, and
  // their neighbours a hair either side.
  const edges = [
    '340282356779733661637539395458142568448',
    '340282356779733661637539395458142568447',
    '340282356779733661637539395458142568449',
    '3.4028235677973366e38',
    '3.4028235e38',
    '16777217',
    '16777217.0000000001',
    '33554435',
    '33554434.9999999999',
    '7.00649232162408535461864791644958065640130970938257885878534141944895541342930300743319094181060791015625e-46',
    '7.006492321624085354618647916449580656401309709382578858785341419448955413429303007433190941810607910157e-46',
    '2.4703282292062327e-324',
    '2.4703282292062328e-324',
    '1.7976931348623158e308',
    '1.7976931348623159e308',
    '1e-400',
    '2e-324',
    '5e-324',
    '-0',
    '0e-999',
    '1e-50',
    '4e38',
    '1e-40',
  ];

  for (const [kind, type] of [
    ['real', 'real'],
    ['double', 'float8'],
  ] as const) {
    it(`${kind}: accepted exactly when Postgres accepts, stored as the value validation gives`, async () => {
      const check = columnChecker(t[kind]().spec);
      const seen = { accepted: 0, refused: 0 };
      const same = async (text: string) => {
        const r = check(text);
        const server = await pgRead(text, type);
        seen[server.ok ? 'accepted' : 'refused']++;
        expect(
          r.ok,
          `${kind} ${text}: validation ${r.ok ? 'accepted' : `refused (${r.ok ? '' : r.rule})`}, Postgres ${server.ok ? `stored ${server.text}` : 'refused'}`,
        ).toBe(server.ok);
        if (!r.ok || !server.ok) return;
        const stored = kind === 'real' ? Math.fround(Number(server.text)) : Number(server.text);
        expect(
          Object.is(stored, r.value),
          `${kind} ${text}: Postgres stored ${server.text}, validation gave ${String(r.value)}`,
        ).toBe(true);
        // and what validation gives, staged as text (as the stage encoder writes it), reads back as itself
        const staged = Object.is(r.value, -0) ? '-0' : String(r.value);
        const again = await pgRead(staged, type);
        expect(again.ok && (kind === 'real' ? Math.fround(Number(again.text)) : Number(again.text))).toBe(r.value);
      };
      for (const text of edges) await same(text);
      await fc.assert(fc.asyncProperty(floatText, same), { numRuns: 400 });
      // both sides of the edges are reached, so the property is not vacuous
      expect(seen.accepted).toBeGreaterThan(100);
      expect(seen.refused).toBeGreaterThan(20);
    });
  }
});

describe('SUPER against jsonb', () => {
  const check = columnChecker(t.super().spec);
  const nest = (depth: number, wrap: (v: unknown) => unknown): unknown => {
    let v: unknown = 'leaf';
    for (let i = 0; i < depth; i++) v = wrap(v);
    return v;
  };

  it(`the deepest value validation accepts (${REDSHIFT_LIMITS.superDepth} levels) Postgres reads back equal`, async () => {
    for (const wrap of [(v: unknown) => [v], (v: unknown) => ({ k: v })]) {
      const r = check(nest(REDSHIFT_LIMITS.superDepth, wrap));
      expect(r.ok).toBe(true);
      const server = await pgRead(r.ok ? (r.value as string) : '', 'jsonb');
      expect(server.ok).toBe(true);
      expect(JSON.parse(server.ok ? server.text : 'null')).toEqual(JSON.parse(r.ok ? (r.value as string) : ''));
    }
  });

  it('the strings validation refuses inside SUPER, jsonb refuses too (so they would fail late in COPY)', async () => {
    for (const doc of [{ s: 'a\u0000b' }, ['x\uD800'], { '\uDC00': 1 }, { ['k\u0000']: true }]) {
      const r = check(doc);
      expect(r).toMatchObject({ ok: false, rule: 'JSON text' });
      expect(await pgRead(JSON.stringify(doc), 'jsonb'), JSON.stringify(doc)).toMatchObject({ ok: false });
    }
  });
});

describe('end to end through PostgresDatabase', () => {
  let db: PostgresDatabase;
  beforeAll(() => {
    db = new PostgresDatabase({
      connectionString: s.url,
      stage: new LocalStage({ dir: join(dir, 'stage') }),
      auditSchema: `${s.schema}_audit`,
    });
  });
  afterAll(async () => {
    await db?.query(`drop schema if exists "${s.schema}_audit" cascade`);
    await db?.close();
  });

  const csv = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('a REAL column holds the float4 nearest the value: 16777217 reads back 16777216 (from a CSV and from rows)', async () => {
    const model = defineTable(
      `${s.schema}.floats`,
      { id: t.integer().notNull(), r: t.real(), d: t.double() },
      { upsertKey: ['id'] },
    );
    const table = db.table(model);
    await table.create();
    await table.loadFrom(
      fromLocalFile(
        csv('floats.csv', 'id,r,d\n1,16777217,5e-324\n2,3.4028235677973366e38,-0\n3,1e-40,1.7976931348623157e308\n'),
      ),
    );
    await table.upsert([
      { id: 4, r: 16777217 },
      { id: 5, r: 0.1 },
    ]);
    const rows = await db.query<{ id: number; r: number; d: number | null }>(
      `select id, r, d from "${s.schema}".floats order by id`,
    );
    expect(rows.map((row) => [row.id, Math.fround(row.r), row.d])).toEqual([
      [1, 16777216, 5e-324],
      [2, 3.4028234663852886e38, -0],
      [3, Math.fround(1e-40), 1.7976931348623157e308],
      [4, 16777216, null],
      [5, Math.fround(0.1), null],
    ]);
    const [eq] = await db.query<{ same: boolean }>(
      `select r = 16777216::real as same from "${s.schema}".floats where id = 1`,
    );
    expect(eq!.same).toBe(true);
  });

  it('a DOUBLE that would underflow to 0 fails the load naming row, column, value and rule; the table is unchanged', async () => {
    const model = defineTable(`${s.schema}.tiny`, { id: t.integer().notNull(), d: t.double() }, { upsertKey: ['id'] });
    const table = db.table(model);
    await table.create();
    await table.upsert([{ id: 1, d: 1 }]);
    const err = await table
      .loadFrom(fromLocalFile(csv('tiny.csv', 'id,d\n1,2\n2,1e-400\n')))
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    // a file source names the file and line for the row
    expect(String((err as Error).message)).toMatch(
      /tiny\.csv, line 3, column "d", value "1e-400": is too small for DOUBLE PRECISION and would become 0 .*\(rule: double range\)/,
    );
    expect(await db.query(`select id, d from "${s.schema}".tiny`)).toEqual([{ id: 1, d: 1 }]);
  });

  it('a SUPER Map is refused before anything is staged, naming the path', async () => {
    const model = defineTable(`${s.schema}.docs`, { id: t.integer().notNull(), doc: t.super() }, { upsertKey: ['id'] });
    const table = db.table(model);
    await table.create();
    const err = await table
      .upsert([{ id: 1, doc: { counts: new Map([['a', 1]]) } as never }])
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect(String((err as Error).message)).toMatch(
      /row 0, column "doc": \$\.counts is a Map, which JSON writes as \{\}/,
    );
    expect(err).toBeInstanceOf(RowValidationError);
    expect(await db.query(`select * from "${s.schema}".docs`)).toEqual([]);
  });
});
