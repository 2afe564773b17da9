// Migration file names sort in the order the migrations were written, as Kysely's Migrator runs
// them by name. Regression: two migrations generated in the same second took the same stamp, so
// `..._drop_note` sorted before `..._label_qty` written just before it, and `migrate up` / `down`
// then ran them out of order (found as a flaky CI run of migrate-catalog.test.ts).
import { describe, expect, it } from 'vitest';
import { migrationFileName } from '../../codegen/index.js';

const at = new Date('2026-12-01T12:00:05.300Z');

describe('migrationFileName', () => {
  it('stamps the time to the second, then a slug of the name', () => {
    expect(migrationFileName('Add price!', at)).toBe('20261201120005_add_price.ts');
    expect(migrationFileName('***', at)).toBe('20261201120005_migration.ts');
  });

  it('a migration written in the same second as the last one takes the next second', () => {
    const first = migrationFileName('label qty status', at).replace(/\.ts$/, '');
    const second = migrationFileName('drop note tags', new Date(at.getTime() + 200), [first]);
    expect(second).toBe('20261201120006_drop_note_tags.ts');
    expect([second, `${first}.ts`].sort()).toEqual([`${first}.ts`, second]);
  });

  it('a clock behind the newest migration still sorts after it, across a day boundary', () => {
    const existing = ['20261231235959_late', '20260101000000_early', 'not_a_stamp'];
    expect(migrationFileName('next', at, existing)).toBe('20270101000000_next.ts');
  });

  it('a clock ahead of every existing migration keeps its own time', () => {
    expect(migrationFileName('next', at, ['20261201120004_before'])).toBe('20261201120005_next.ts');
  });
});
