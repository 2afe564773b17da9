// Fuzzing values (issue 14's "2,368 bad values", measured again): for every column type of the
// model, a deterministic set of hostile values (test/fuzz/values.ts) is sorted by what upshift
// does with each on Postgres, PGlite and the local Redshift emulator:
//   (a) refused at validation, with an error naming the row, the column, the value and the rule;
//   (b) accepted and stored exactly: read back, it equals the server's own cast of the value's
//       literal, computed in a separate query (and, where JS can say it, the input itself);
//   (c) anything else: stored changed, or refused late / unclearly. The test fails listing them.
// Values are batched: each is checked with the model's row validator (the one upsert runs), the
// accepted ones go in one upsert per type and warehouse, and one real upsert per type and
// warehouse carries a refused value at its end, to show the refusal comes out of upsert too,
// naming that row, with the table left as it was.
/* eslint-disable @typescript-eslint/no-base-to-string -- hostile values are spelled as String() spells them, on purpose */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RowValidationError, defineTable, t, type TableModel } from '../../src/index.js';
import { createRowValidator, showValue } from '../../src/model/index.js';
import { startTargets, type FuzzTarget, type FuzzTargets } from './targets.js';
import { fuzzTypes, type FuzzType } from './values.js';

interface Counts {
  tried: number;
  refused: number;
  stored: number;
  /** Of the stored: rounded as the type defines (REAL to float4), not changed. */
  rounded: number;
  changed: string[];
}

const TYPES = fuzzTypes();
const counts = new Map<string, Counts>();
let dir: string;
let env: FuzzTargets;
const started = Date.now();

// The server's reading of a literal, cast as the column's type, then read back as the column is
// read: or the error it raises (marked with \u0001). One query for a whole type's values.
const REF_FUNCTION = (schema: string) => `
create or replace function "${schema}".fz_ref(lit text, via text, expr text, keeps text) returns text
language plpgsql set timezone = 'UTC' set datestyle = 'ISO, MDY' set intervalstyle = 'postgres' as $f$
declare r text; k boolean;
begin
  execute 'select (' || replace(expr, '$', '(' || quote_literal(lit) || '::' || via || ')') || ')::text' into r;
  if keeps <> '' then
    execute 'select ' || replace(keeps, '%L', quote_literal(lit)) into k;
    if not k then return E'\\u0002' || r; end if;
  end if;
  return r;
exception when others then return E'\\u0001' || sqlerrm;
end $f$`;

type Literal = { text: string; via: string } | null;
function literalOf(type: FuzzType, v: unknown): Literal {
  if (type.literal) return type.literal(v);
  if (v === null || v === undefined) return null;
  return { text: typeof v === 'string' ? v : String(v), via: type.pgType };
}

interface Classified {
  accepted: Array<{ index: number; value: unknown }>;
  refused: Array<{ index: number; value: unknown }>;
  unclear: string[];
}

/** Each value through the model's row validator, as row `index` of one batch. */
function classify(type: FuzzType, model: TableModel): Classified {
  const validate = createRowValidator(model);
  const out: Classified = { accepted: [], refused: [], unclear: [] };
  type.values.forEach((value, index) => {
    try {
      validate({ id: index, v: value }, index);
      out.accepted.push({ index, value });
    } catch (err) {
      const clear =
        err instanceof RowValidationError &&
        err.rowIndex === index &&
        err.column === 'v' &&
        err.rule.length > 0 &&
        err.message.includes(`row ${index}, column "v"`) &&
        err.message.includes(`(value ${showValue(value)}; rule: ${err.rule})`);
      if (clear) out.refused.push({ index, value });
      else out.unclear.push(`value ${safeShow(value)}: validation threw ${String(err).slice(0, 200)}`);
    }
  });
  return out;
}

const safeShow = (v: unknown): string => {
  try {
    return showValue(v);
  } catch {
    return String(typeof v);
  }
};

let tableCounter = 0;
async function fuzzType(target: FuzzTarget, type: FuzzType, refQuery: RefQuery): Promise<Counts> {
  const c: Counts = { tried: type.values.length, refused: 0, stored: 0, rounded: 0, changed: [] };
  const model = defineTable(
    `${target.schema}.fz_v${++tableCounter}`,
    { id: t_id(), v: type.column },
    { upsertKey: ['id'] },
  );
  const table = target.db.table(model);
  await table.create();
  const name = target.db.tableName(model);
  try {
    const { accepted, refused, unclear } = classify(type, model);
    c.changed.push(...unclear);
    c.refused = refused.length;
    const rows = accepted.map(({ index, value }) => ({ id: index, v: value }));

    // The refusal through upsert itself: the accepted rows, then one refused value (a different
    // one per warehouse), must fail naming that row and leave the table empty.
    if (refused.length > 0) {
      const pick = refused[(tableCounter * 7) % refused.length]!;
      const err = await table.upsert([...rows, { id: pick.index, v: pick.value }] as never).then(
        () => undefined,
        (e: unknown) => e,
      );
      const named =
        err instanceof RowValidationError && err.rowIndex === rows.length && err.column === 'v' && err.rule.length > 0;
      if (!named)
        c.changed.push(`value ${safeShow(pick.value)}: upsert did not refuse it by row and column: ${String(err)}`);
      const [{ n }] = await target.db
        .query<{ n: string }>(`select count(*)::text as n from ${name}`)
        .then((r) => r as [{ n: string }]);
      if (n !== '0') c.changed.push(`value ${safeShow(pick.value)}: the refused upsert left ${n} rows`);
    }

    if (rows.length === 0) return c;
    const lits = accepted.map(({ index, value }) => ({ index, value, lit: literalOf(type, value) }));
    const refs = new Map<number, string>();
    // Text no server can take (NUL, a lone surrogate) can't be cast there either: refused as it stands.
    const unsendable = (text: string) => text.includes('\u0000') || LONE.test(text);
    for (const { index, lit } of lits)
      if (lit && unsendable(lit.text)) refs.set(index, '\u0001text with NUL or a lone surrogate');
    for (const r of await refQuery(
      lits.flatMap(({ index, lit }) =>
        lit && !unsendable(lit.text) ? [{ i: index, lit: lit.text, via: lit.via }] : [],
      ),
      type.read,
      type.keeps ?? '',
    ))
      refs.set(r.i, r.r);

    let loaded = await table.upsert(rows as never).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (loaded !== undefined) {
      // Every value validation accepted and the server refuses fails late (one error shows only
      // the first): name them all, then load the rest so they are checked too.
      const late = new Set(lits.filter(({ index }) => refs.get(index)?.startsWith('\u0001')).map((l) => l.index));
      for (const l of lits.filter(({ index }) => late.has(index)))
        c.changed.push(
          `value ${safeShow(l.value)}: accepted by validation, refused by the server late (${refs.get(l.index)!.slice(1)}); the load said: ${String(loaded).slice(0, 200)}`,
        );
      if (late.size > 0) {
        lits.splice(0, lits.length, ...lits.filter(({ index }) => !late.has(index)));
        loaded = await table.upsert(rows.filter((r) => !late.has(r.id)) as never).then(
          () => undefined,
          (e: unknown) => e,
        );
      }
    }
    if (loaded !== undefined) {
      const refusedByServer = lits.filter(({ index }) => refs.get(index)?.startsWith('\u0001'));
      c.changed.push(
        `the upsert of ${rows.length} accepted values failed late: ${String(loaded).slice(0, 300)}` +
          (refusedByServer.length
            ? `; values validation accepted and the server refuses: ${refusedByServer
                .slice(0, 10)
                .map(({ value, index }) => `${safeShow(value)} (${refs.get(index)!.slice(1)})`)
                .join(', ')}`
            : ''),
      );
      return c;
    }
    const stored = new Map<number, string | null>();
    for (const r of await target.db.query<{ id: number; r: string | null }>(
      `select id, (${type.read.replaceAll('$', 'v')})::text as r from ${name}`,
    ))
      stored.set(Number(r.id), r.r);
    const canon = type.canon ?? ((x: string) => x);
    for (const { index, value, lit } of lits) {
      const got = stored.get(index);
      const show = safeShow(value);
      if (got === undefined) {
        c.changed.push(`value ${show}: accepted, loaded, and not in the table`);
        continue;
      }
      if (lit === null) {
        if (got === null) c.stored++;
        else c.changed.push(`value ${show}: should be NULL, stored ${got}`);
        continue;
      }
      const ref = refs.get(index)!;
      if (got === null) {
        c.changed.push(`value ${show}: stored NULL, the server reads it as ${ref}`);
        continue;
      }
      if (ref.startsWith('\u0001')) {
        c.changed.push(`value ${show}: stored ${canon(got)}, but the server refuses the literal (${ref.slice(1)})`);
        continue;
      }
      if (ref.startsWith('\u0002')) {
        c.changed.push(`value ${show}: the column's cast changes it (to ${ref.slice(1)}), and it was accepted`);
        continue;
      }
      const want = canon(ref);
      const have = canon(got);
      const exact = type.exact?.(value);
      if (have !== want) c.changed.push(`value ${show}: stored ${have}, the server's cast of it is ${want}`);
      else if (exact !== undefined && have !== exact) c.changed.push(`value ${show}: stored ${have}, not ${exact}`);
      else {
        c.stored++;
        if (type.rounds?.(value, have)) c.rounded++;
      }
    }
  } finally {
    await target.db.query(`drop table ${name}`).catch(() => undefined);
  }
  return c;
}

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const t_id = () => t.integer().notNull();

type RefQuery = (
  items: Array<{ i: number; lit: string; via: string }>,
  read: string,
  keeps: string,
) => Promise<Array<{ i: number; r: string }>>;
const REF_SQL = (schema: string) =>
  `select x.i, "${schema}".fz_ref(x.lit, x.via, $2, $3) as r from json_to_recordset($1::json) as x(i int, lit text, via text)`;

function record(target: FuzzTarget, type: FuzzType, c: Counts): void {
  const all = counts.get(target.name) ?? { tried: 0, refused: 0, stored: 0, rounded: 0, changed: [] };
  all.tried += c.tried;
  all.refused += c.refused;
  all.stored += c.stored;
  all.rounded += c.rounded;
  all.changed.push(...c.changed.map((m) => `${type.name}: ${m}`));
  counts.set(target.name, all);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upshift-fuzz-values-'));
  env = await startTargets('fuzzv', dir, ['Postgres', 'PGlite', 'Redshift emulator']);
  await env.s.pool.query(REF_FUNCTION(env.s.schema));
  const pglite = env.targets.find((x) => x.name === 'PGlite')!;
  await pglite.db.query('create schema if not exists fuzz');
  await pglite.db.query(REF_FUNCTION('fuzz'));
}, 180_000);
afterAll(async () => {
  for (const [name, c] of counts) {
    console.log(
      `[fuzz] values on ${name}: ${c.tried} tried, ${c.refused} refused clearly, ${c.stored} stored exactly (${c.rounded} of them rounded as the type defines: REAL is float4), ${c.changed.length} changed`,
    );
    for (const m of c.changed.slice(0, 40)) console.log(`[fuzz]   CHANGED ${m}`);
  }
  console.log(`[fuzz] values: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await env?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.each(['Postgres', 'PGlite', 'Redshift emulator'] as const)('hostile values on %s', (targetName) => {
  it('every value is refused clearly or stored exactly: none changed, none failing late', async () => {
    const target = env.targets.find((x) => x.name === targetName)!;
    // Postgres and the emulator (which stores in the same Postgres) are read against Postgres's
    // cast; PGlite against its own.
    const refQuery: RefQuery =
      targetName === 'PGlite'
        ? async (items, read, keeps) =>
            target.db.query<{ i: number; r: string }>(REF_SQL('fuzz'), [JSON.stringify(items), read, keeps])
        : async (items, read, keeps) =>
            (
              await env.s.pool.query<{ i: number; r: string }>(REF_SQL(env.s.schema), [
                JSON.stringify(items),
                read,
                keeps,
              ])
            ).rows;
    const problems: string[] = [];
    for (const type of TYPES) {
      const c = await fuzzType(target, type, refQuery);
      record(target, type, c);
      problems.push(...c.changed.map((m) => `${type.name}: ${m}`));
    }
    const total = counts.get(targetName)!;
    expect(total.tried).toBeGreaterThanOrEqual(2000);
    expect(problems, problems.slice(0, 30).join('\n')).toEqual([]);
  }, 300_000);
});
