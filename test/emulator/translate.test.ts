// The translation cache (src/emulator/translate/index.ts): a statement text is parsed once, and what
// the translation depends on besides the text (the catalog schema, the slice count, the session's
// last COPY id) is part of the key, so a cached text never carries one session's answer to another.
import { beforeAll, describe, expect, it } from 'vitest';
import { translate } from '../../src/emulator/translate/index.js';
import { parserReady } from '../../src/emulator/translate/tree.js';

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
