// The translation cache (src/emulator/translate/index.ts): a statement text is parsed once, and what
// the translation depends on besides the text (the catalog schema, the slice count, the session's
// last COPY id) is part of the key, so a cached text never carries one session's answer to another.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { translate } from '../../src/emulator/translate/index.js';
import { mayRewrite, parserReady, parseTree, rewriteTree } from '../../src/emulator/translate/tree.js';

beforeAll(async () => {
  await parserReady();
});

const ctx = (over: Partial<{ schema: string; slices: number; lastCopyId: number }> = {}) => ({
  schema: 'cat_a',
  slices: 2,
  lastCopyId: -1,
  ...over,
});

describe('translation cache', () => {
  it('the same text in the same context gives the same translation', () => {
    const sql = `select dateadd(day, 1, '2008-01-01'), count(*) from stl_load_errors`;
    const first = translate(sql, ctx());
    expect(first).toContain('"cat_a".dateadd(');
    expect(first).toContain('"cat_a".stl_load_errors');
    expect(translate(sql, ctx())).toBe(first);
  });

  it('the catalog schema, the slice count and the last COPY id are part of the key', () => {
    const sql = `select * from stv_slices, stl_query where query = pg_last_copy_id()`;
    const a = translate(sql, ctx());
    expect(a).toContain('"cat_a".stv_slices(2)');
    expect(a).toContain('"cat_a".pg_last_copy_id(-1)');
    expect(translate(sql, ctx({ schema: 'cat_b' }))).toContain('"cat_b".stl_query');
    expect(translate(sql, ctx({ slices: 8 }))).toContain('"cat_a".stv_slices(8)');
    expect(translate(sql, ctx({ lastCopyId: 42 }))).toContain('"cat_a".pg_last_copy_id(42)');
    expect(translate(sql, ctx())).toBe(a);
  });

  it('a refusal is cached too, and thrown each time', () => {
    const sql = `insert into t values (1) on conflict do nothing`;
    expect(() => translate(sql, ctx())).toThrow('syntax error at or near "on"');
    expect(() => translate(sql, ctx())).toThrow('syntax error at or near "on"');
  });

  it('text Postgres parses without a change goes through as written', () => {
    const sql = `select a.id from tgt a join conflict on conflict.id = a.id`;
    expect(translate(sql, ctx())).toBe(sql);
  });
});

describe('statements the tree rewrite would not change are not parsed', () => {
  const ctx0 = ctx();
  const plain = [
    `select 1 as n`,
    `select coalesce(null::int, 7), length('abc'), now() > '2020-01-01'`,
    `select a.id, b.name from tgt a join src b using (id) where a.x in (select 1) order by 1 limit 5`,
    `insert into t (a, b) select a, b from s where not exists (select 1 from t x where x.a = s.a)`,
    `update t set a = a + 1 where b = 'x'`,
    `with c as (select 1 a) select * from c`,
  ];
  it.each(plain)('%s: no trigger word, and the rewrite returns it as it is', (sql) => {
    expect(mayRewrite(sql)).toBe(false);
    expect(rewriteTree(sql, parseTree(sql), ctx0)).toBe(sql);
    expect(translate(sql, ctx0)).toBe(sql);
  });

  it('every name the rewrite acts on is a trigger word, in any case and quoted', () => {
    for (const sql of [
      `select DATEADD(day, 1, x) from t`,
      `select * from "stl_query"`,
      `select count(*) from pg_catalog.pg_class`,
      `select sysdate`,
      `insert into t values (1) on conflict do nothing`,
      `delete from t returning *`,
      `select pg_try_advisory_lock(1)`,
    ])
      expect(mayRewrite(sql)).toBe(true);
    // The calls Rewriter.func switches on by name.
    const src = readFileSync(new URL('../../src/emulator/translate/tree.ts', import.meta.url), 'utf8');
    const body = src.slice(src.indexOf('private func('), src.indexOf('private unquotedDatepart('));
    const cases = [...body.matchAll(/case '(\w+)':/g)].map((m) => m[1]!);
    expect(cases.length).toBeGreaterThan(10);
    for (const name of cases) expect(mayRewrite(`select ${name}(1)`), name).toBe(true);
  });
});
