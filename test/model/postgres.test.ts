// The model on the real Postgres: a table covering every type is created from
// createTableStatements(model, 'postgres'), validated and normalized rows (values at Redshift's
// limits, everyday values, NULLs) are inserted with a parameterized INSERT, and read back equal.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import {
  createRowValidator,
  createTableStatements,
  defineTable,
  sql,
  t,
  type ColumnKind,
  type InsertRow,
  type TableModel,
} from '../../src/index.js';
import { columnChecker, loadColumns, type NormalizedValue } from '../../src/model/index.js';
import { defaultSql, sqlType } from '../../src/dialect/index.js';
import { qualifiedName, quoteIdent } from '../../src/sql/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';

let db: TestSchema;
let client: pg.PoolClient;
beforeAll(async () => {
  db = await createTestSchema('model');
  client = await db.pool.connect();
  // Normalized timestamps are UTC wall times, as the warehouses read them (they SET TIME ZONE 'UTC').
  await client.query(`SET TIME ZONE 'UTC'`);
});
afterAll(async () => {
  client?.release();
  await db?.drop();
});

function everythingModel(schema: string) {
  return defineTable(`${schema}.everything`, {
    seq: t.bigint().identity(0, 1),
    small: t.smallint(),
    int_nn: t.integer().notNull(),
    big: t.bigint(),
    dec: t.decimal(38, 10),
    dec_full: t.decimal(38, 0),
    dec_frac: t.decimal(38, 38),
    r: t.real(),
    d: t.double(),
    flag: t.boolean().notNull().default(true),
    code: t.char(3),
    label: t.varchar(8),
    long_label: t.varchar('max'),
    day: t.date(),
    at_time: t.time(),
    at_timetz: t.timetz(),
    ts: t.timestamp(),
    created: t
      .timestamptz()
      .notNull()
      .default(sql('getdate()', { postgres: 'now()' })),
    doc: t.super(),
    blob: t.varbyte(4),
    shape: t.geometry(),
    place: t.geography(),
    sketch: t.hllsketch(),
    ym: t.intervalYearToMonth(),
    ds: t.intervalDayToSecond(),
  });
}
type Everything = ReturnType<typeof everythingModel>;

/** A normalized value as a pg parameter: bigint as text, bytes as a Buffer, the rest as they are. */
function toParam(v: NormalizedValue): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.length);
  return v;
}

/**
 * A parameterized INSERT of normalized rows. A SQL DEFAULT is the merge's job (the validator
 * leaves a missing value NULL): like the engine's INSERT, wrap those columns in COALESCE.
 */
async function insert(model: TableModel, rows: NormalizedValue[][]): Promise<void> {
  const cols = loadColumns(model);
  const list = cols.map(quoteIdent).join(', ');
  const values = cols.map((c, i) => {
    const spec = model.columns[c]!.spec;
    return spec.default?.kind === 'sql' ? `COALESCE($${i + 1}, ${defaultSql(spec, 'postgres')})` : `$${i + 1}`;
  });
  for (const row of rows) {
    await client.query(
      `INSERT INTO ${qualifiedName(model.schema, model.name)} (${list}) VALUES (${values.join(', ')})`,
      row.map(toParam),
    );
  }
}

// Temporal, interval and SUPER columns are read back as text (pg would turn DATE into a local
// midnight Date); the rest in pg's default parsing.
const AS_TEXT: ReadonlySet<ColumnKind> = new Set([
  'date',
  'time',
  'timetz',
  'timestamp',
  'timestamptz',
  'interval_ym',
  'interval_ds',
  'super',
]);

async function readBack(model: TableModel): Promise<Record<string, unknown>[]> {
  const select = model.columnNames
    .map((c) =>
      AS_TEXT.has(model.columns[c]!.spec.kind) ? `${quoteIdent(c)}::text AS ${quoteIdent(c)}` : quoteIdent(c),
    )
    .join(', ');
  const { rows } = await client.query(
    `SELECT ${select} FROM ${qualifiedName(model.schema, model.name)} ORDER BY "seq"`,
  );
  return rows;
}

/** Postgres prints fractional seconds without trailing zeros. */
const trimMicros = (text: string): string => text.replace(/(\.\d*?)0+(?=$|[+-])/, '$1').replace(/\.(?=$|[+-])/, '');
/** Postgres prints numeric with its full scale; the normalized form keeps the scale given. */
const trimDecimal = (text: string): string => (text.includes('.') ? text.replace(/\.?0+$/, '') : text);

/** What Postgres reads back for a normalized value, compared per kind. */
function expectReadBack(
  kind: ColumnKind,
  length: number | undefined,
  got: unknown,
  v: NormalizedValue,
  where: string,
): void {
  if (v === null) return void expect(got, where).toBeNull();
  switch (kind) {
    case 'bigint':
      return void expect(BigInt(got as string), where).toBe(v);
    case 'decimal':
      return void expect(trimDecimal(got as string), where).toBe(trimDecimal(v as string));
    case 'real':
      return void expect(Math.fround(got as number), where).toBe(Math.fround(v as number));
    case 'char':
      return void expect(got, where).toBe((v as string).padEnd(length!, ' '));
    case 'super':
      return void expect(JSON.parse(got as string), where).toEqual(JSON.parse(v as string));
    case 'varbyte':
      return void expect(new Uint8Array(got as Buffer), where).toEqual(new Uint8Array(v as Uint8Array));
    case 'date':
      return void expect(got, where).toBe(v);
    case 'time':
    case 'timestamp':
      return void expect(got, where).toBe(trimMicros(v as string));
    case 'timetz':
      // Postgres prints +HH, and :MM only when not zero
      return void expect(got, where).toBe(trimMicros((v as string).replace(/([+-]\d\d):00$/, '$1')));
    case 'timestamptz':
      return void expect(got, where).toBe(`${trimMicros(v as string)}+00`);
    default:
      return void expect(got, where).toBe(v);
  }
}

describe('a model covering every type, on Postgres', () => {
  it('creates its table from the Postgres DDL, and identity/default columns fill themselves', async () => {
    const model = everythingModel(db.schema);
    for (const statement of createTableStatements(model, 'postgres')) await client.query(statement);
    const { rows } = await client.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'everything' ORDER BY ordinal_position`,
      [db.schema],
    );
    expect(rows.map((r) => r.column_name)).toEqual(model.columnNames);
    expect(rows.find((r) => r.column_name === 'doc')).toMatchObject({ data_type: 'jsonb', is_nullable: 'YES' });
    expect(rows.find((r) => r.column_name === 'blob')).toMatchObject({ data_type: 'bytea' });
    expect(rows.find((r) => r.column_name === 'int_nn')).toMatchObject({ is_nullable: 'NO' });
  });

  it('inserts validated rows of each type (values at the limits, everyday values, NULLs) and reads them back equal', async () => {
    const model: Everything = everythingModel(db.schema);
    const generic: TableModel = model;
    const atLimits: InsertRow<Everything> = {
      small: -32768,
      int_nn: 2147483647,
      big: -(2n ** 63n),
      dec: '-999999999999999999999999999.9999999999',
      dec_full: '99999999999999999999999999999999999999',
      dec_frac: '0.99999999999999999999999999999999999999',
      r: 3.4028234663852886e38,
      d: 1.7976931348623157e308,
      flag: false,
      code: 'xyz',
      label: 'é😀é', // 2 + 4 + 2 = 8 bytes: exactly VARCHAR(8)
      long_label: 'ü'.repeat(32767), // 65534 bytes
      day: '0001-01-01',
      at_time: '23:59:59.999999',
      at_timetz: '00:00:00.000001-15:59',
      ts: '9999-12-31T23:59:59.999999',
      created: '2026-11-24T23:30:00.123456-02:00',
      doc: { nested: [1, 2.5, 'three', null, true], empty: {}, quote: `it's "quoted" \\ too` },
      blob: new Uint8Array([0, 1, 254, 255]),
      shape: '0101000000000000000000F03F0000000000000040',
      place: '0101000020E6100000000000000000F03F0000000000000040',
      sketch: '{"version":1,"logm":15,"sparse":{"indices":[1],"values":[2]}}',
      ym: '1 year 2 months',
      ds: '3 days 04:05:06.5',
    };
    const everyday: InsertRow<Everything> = {
      small: 7,
      int_nn: -1,
      big: 42,
      dec: 12.5,
      dec_full: 123456789012345,
      dec_frac: '.5',
      r: 0.1,
      d: 0.1,
      code: 'a',
      label: '',
      long_label: 'plain text with a \\N and "quotes", commas',
      day: new Date(Date.UTC(2026, 10, 24, 23, 59)),
      at_time: '13:45',
      at_timetz: '13:45:00+05:30',
      ts: new Date(Date.UTC(2026, 10, 24, 10, 30, 0, 123)),
      created: new Date(Date.UTC(1970, 0, 1)),
      doc: 'just a string',
      blob: new Uint8Array([]),
      ym: '0 years',
      ds: '0 seconds',
    };
    const nulls: InsertRow<Everything> = { int_nn: 0 };
    const validate = createRowValidator(model);
    const normalized = [atLimits, everyday, nulls].map((row, i) => validate(row, i));
    await insert(model, normalized);

    const back = await readBack(model);
    expect(back).toHaveLength(3);
    const cols = loadColumns(model);
    for (const [r, row] of back.entries()) {
      expect(row.seq, `row ${r} seq (identity, seed 0)`).toBe(String(r));
      for (const [c, name] of cols.entries()) {
        const spec = generic.columns[name]!.spec;
        const v = normalized[r]![c]!;
        if (name === 'created' && v === null) continue; // SQL default: filled by Postgres
        if ((spec.kind === 'interval_ym' || spec.kind === 'interval_ds') && v !== null) {
          // Interval text is Postgres's own spelling ('2 mons'): compare with its reading of the normalized text.
          const {
            rows: [own],
          } = await client.query(`SELECT $1::${sqlType(spec, 'postgres')}::text AS v`, [v]);
          expect(row[name], `row ${r}, column ${name}`).toBe(own.v);
          continue;
        }
        expectReadBack(
          spec.kind,
          typeof spec.length === 'number' ? spec.length : undefined,
          row[name],
          v,
          `row ${r}, column ${name}`,
        );
      }
    }
    // The NOT NULL column with a value default and the one with a SQL default filled themselves.
    expect(back[2]).toMatchObject({ flag: true, small: null, doc: null });
    expect(back[2]!.created).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00$/);
    // Spot checks in the user's terms, not the normalized ones.
    expect(back[0]).toMatchObject({
      created: '2026-11-25 01:30:00.123456+00',
      at_timetz: '00:00:00.000001-15:59',
      ym: '1 year 2 mons',
      ds: '3 days 04:05:06.5',
    });
    expect(back[1]).toMatchObject({
      day: '2026-11-24',
      ts: '2026-11-24 10:30:00.123',
      dec: '12.5000000000',
      dec_frac: '0.50000000000000000000000000000000000000',
    });
  });

  it('stores the smallest values too: negative limits, subnormal floats, the first and last instants', async () => {
    const model = defineTable(`${db.schema}.extremes`, {
      seq: t.integer().identity(),
      small: t.smallint(),
      int: t.integer(),
      big: t.bigint(),
      r: t.real(),
      d: t.double(),
      tstz: t.timestamptz(),
    });
    for (const statement of createTableStatements(model, 'postgres')) await client.query(statement);
    const validate = createRowValidator(model);
    const rows = [
      {
        small: 32767,
        int: -2147483648,
        big: 2n ** 63n - 1n,
        r: 1.401298464324817e-45,
        d: 5e-324,
        tstz: '0001-01-01T00:00:00Z',
      },
      {
        small: 0,
        int: 0,
        big: 0,
        r: -3.4028234663852886e38,
        d: -1.7976931348623157e308,
        tstz: '9999-12-31T23:59:59.999999+00:00',
      },
    ].map((row, i) => validate(row, i));
    await insert(model, rows);
    const { rows: back } = await client.query(
      `SELECT small, int, big, r, d, tstz::text AS tstz FROM ${qualifiedName(model.schema, model.name)} ORDER BY seq`,
    );
    expect(back[0]).toEqual({
      small: 32767,
      int: -2147483648,
      big: '9223372036854775807',
      r: 1e-45,
      d: 5e-324,
      tstz: '0001-01-01 00:00:00+00',
    });
    expect(Math.fround(back[0].r)).toBe(Math.fround(1.401298464324817e-45));
    expect(back[1]).toEqual({
      small: 0,
      int: 0,
      big: '0',
      r: -3.4028235e38,
      d: -1.7976931348623157e308,
      tstz: '9999-12-31 23:59:59.999999+00',
    });
  });
});

describe('what the validator accepts, Postgres accepts (fast-check against the real server)', () => {
  /** Postgres's reading of a value as a type, or the error it raises. */
  async function pgRead(
    value: string,
    type: string,
  ): Promise<{ ok: true; text: string } | { ok: false; error: string }> {
    try {
      const { rows } = await client.query(`SELECT $1::${type}::text AS v`, [value]);
      return { ok: true, text: rows[0].v };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  }

  it('interval text, from the grammar and from noise', async () => {
    const spec = t.intervalDayToSecond().spec;
    const check = columnChecker(spec);
    const unit = fc.constantFrom(
      'year',
      'years',
      'yr',
      'mons',
      'months',
      'week',
      'days',
      'd',
      'hours',
      'h',
      'min',
      'mins',
      'seconds',
      'secs',
      's',
      'ms',
      'us',
      'microseconds',
    );
    const num = fc.oneof(
      fc.integer({ min: -999, max: 999 }).map(String),
      fc.double({ min: 0, max: 99, noNaN: true }).map((n) => n.toFixed(2)),
    );
    const part = fc.oneof(
      fc.tuple(num, fc.constantFrom('', ' '), unit).map(([n, sp, u]) => `${n}${sp}${u}`),
      fc
        .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }))
        .map(([h, m, s]) => `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`),
    );
    const grammar = fc.array(part, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' '));
    const noise = fc.string({ unit: fc.constantFrom(...'0123456789 -+:.PYMWDTHSdaysmonhr@'), maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(fc.oneof(grammar, noise), async (text) => {
        const r = check(text);
        if (!r.ok) return;
        // What is staged is the normalized text (trimmed): that is what Postgres must read.
        const pg = await pgRead(r.value as string, 'interval');
        expect(
          pg,
          `Postgres refused the interval ${JSON.stringify(r.value)} that validation accepted (from ${JSON.stringify(text)})`,
        ).toMatchObject({ ok: true });
      }),
      { numRuns: 500 },
    );
  });

  it('decimal text at any precision and scale reads back as the same number', async () => {
    const arb = fc
      .integer({ min: 1, max: 38 })
      .chain((p) =>
        fc.tuple(
          fc.constant(p),
          fc.integer({ min: 0, max: p }),
          fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 40 }),
          fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 40 }),
          fc.boolean(),
        ),
      );
    await fc.assert(
      fc.asyncProperty(arb, async ([p, s, int, frac, neg]) => {
        const text = `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
        const r = columnChecker(t.decimal(p, s).spec)(text);
        const pg = await pgRead(text, `numeric(${p},${s})`);
        if (r.ok) {
          // accepted here: Postgres stores it without rounding (same value at scale s)
          expect(pg.ok, `Postgres refused ${text} as numeric(${p},${s})`).toBe(true);
          const stored = pg.ok ? pg.text : '';
          const norm = (x: string) => (x.includes('.') ? x.replace(/\.?0+$/, '') : x).replace(/^-0$/, '0');
          expect(norm(stored)).toBe(norm(r.value as string));
        } else if (r.rule.endsWith('precision')) {
          // refused for precision: Postgres overflows too
          expect(pg.ok).toBe(false);
        }
        // refused for scale: Postgres would have rounded silently, which is the point of refusing
      }),
      { numRuns: 150 },
    );
  });

  it('ISO timestamps with offsets and microseconds land on the same instant', async () => {
    const arb = fc.record({
      ms: fc.integer({ min: Date.UTC(1, 0, 1) + 86_400_000, max: Date.UTC(9999, 11, 30) }),
      micros: fc.integer({ min: 0, max: 999 }),
      offset: fc.integer({ min: -(15 * 60 + 59), max: 15 * 60 + 59 }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ ms, micros, offset }) => {
        const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23); // wall time at that offset
        const abs = Math.abs(offset);
        const tz = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        const text = `${local}${String(micros).padStart(3, '0')}${tz}`;
        const r = columnChecker(t.timestamptz().spec)(text);
        expect(r.ok).toBe(true);
        const pg = await pgRead(text, 'timestamptz');
        expect(pg.ok).toBe(true);
        const normalized = r.ok ? (r.value as string) : '';
        expect(pg.ok ? pg.text : '').toBe(`${trimMicros(normalized)}+00`);
      }),
      { numRuns: 100 },
    );
  });

  it('date and time text with fields in and out of range: what validation accepts, Postgres reads as the same value', async () => {
    const p2 = (n: number, w = 2) => String(n).padStart(w, '0');
    const fields = fc.record({
      y: fc.integer({ min: 0, max: 10000 }),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      h: fc.integer({ min: 0, max: 25 }),
      mi: fc.integer({ min: 0, max: 61 }),
      s: fc.integer({ min: 0, max: 61 }),
      frac: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 9 }),
      tz: fc.constantFrom('', 'Z', '+00', '-05', '+05:30', '-0530', '+15:59', '-16:00', '+14:60', ' +02:00'),
      sep: fc.constantFrom('T', ' '),
    });
    const cases = [
      {
        kind: 'timestamptz',
        type: 'timestamptz',
        text: (f: {
          y: number;
          mo: number;
          d: number;
          h: number;
          mi: number;
          s: number;
          frac: string;
          tz: string;
          sep: string;
        }) =>
          `${p2(f.y, 4)}-${p2(f.mo)}-${p2(f.d)}${f.sep}${p2(f.h)}:${p2(f.mi)}:${p2(f.s)}${f.frac ? `.${f.frac}` : ''}${f.tz}`,
        expect: (v: string) => `${trimMicros(v)}+00`,
      },
      {
        kind: 'timestamp',
        type: 'timestamp',
        text: (f: { y: number; mo: number; d: number; h: number; mi: number; s: number; frac: string; sep: string }) =>
          `${p2(f.y, 4)}-${p2(f.mo)}-${p2(f.d)}${f.sep}${p2(f.h)}:${p2(f.mi)}:${p2(f.s)}${f.frac ? `.${f.frac}` : ''}`,
        expect: trimMicros,
      },
      {
        kind: 'date',
        type: 'date',
        text: (f: { y: number; mo: number; d: number }) => `${p2(f.y, 4)}-${p2(f.mo)}-${p2(f.d)}`,
        expect: (v: string) => v,
      },
      {
        kind: 'time',
        type: 'time',
        text: (f: { h: number; mi: number; s: number; frac: string }) =>
          `${p2(f.h)}:${p2(f.mi)}:${p2(f.s)}${f.frac ? `.${f.frac}` : ''}`,
        expect: trimMicros,
      },
      {
        kind: 'timetz',
        type: 'timetz',
        text: (f: { h: number; mi: number; s: number; frac: string; tz: string }) =>
          `${p2(f.h)}:${p2(f.mi)}:${p2(f.s)}${f.frac ? `.${f.frac}` : ''}${f.tz}`,
        expect: (v: string) => trimMicros(v.replace(/([+-]\d\d):00$/, '$1')),
      },
    ] as const;
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fields, fc.constantFrom(...cases), async (f, c) => {
        const text = c.text(f);
        const r = columnChecker(t[c.kind]().spec)(text);
        if (!r.ok) return;
        accepted++;
        const pg = await pgRead(text, c.type);
        expect(pg, `Postgres refused ${c.kind} ${JSON.stringify(text)} that validation accepted`).toMatchObject({
          ok: true,
        });
        expect(pg.ok ? pg.text : '', `${c.kind} ${JSON.stringify(text)}`).toBe(c.expect(r.value as string));
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(20); // the generator reaches valid values, so the property is not vacuous
  });
});
