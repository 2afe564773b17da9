// The quickstart must keep working: run `npm run demo`'s script as a user would.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';

describe('npm run demo', () => {
  it('loads, dedupes, refuses a bad row and shows the audit log on embedded PGlite', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out).toContain('CREATE TABLE IF NOT EXISTS "candy"."candy_names"');
    expect(out).toContain('upsert #1: staged 4, inserted 4, updated 0');
    expect(out).toContain('upsert #2: staged 3, inserted 1, updated 1, duplicates dropped 1');
    expect(out).toMatch(/upsert #3 refused: .*row 0, column "name".*rule: varchar length/);
    expect(out).toContain('Caramel Chews (sea salt)');
    expect(out.match(/'succeeded'/g)).toHaveLength(2);
    expect(out.match(/'failed'/g)).toHaveLength(1);
  });
});
