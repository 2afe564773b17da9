// The committed API reports (etc/api/*.api.md) match the code: an export added, removed or
// changed fails here until the report is regenerated (`npm run api -- --update`) and reviewed.
// One tsc run plus api-extractor over every entry: about a minute, more on a busy CI machine.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

describe('public API report', () => {
  it('etc/api matches every entry point in package.json exports', { timeout: 300_000 }, async () => {
    const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const run = promisify(execFile)(process.execPath, [tsx, 'scripts/api-report.ts'], { cwd: root });
    const outcome = await run.then(
      () => ({ ok: true, output: '' }),
      (e: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` }),
    );
    expect(outcome.output).toBe('');
    expect(outcome.ok).toBe(true);
  });
});
