// The layering (.dependency-cruiser.cjs) holds over src and codegen: every folder imports only
// the folders below it. A second case cruises a tiny fixture with known-bad imports, so a rule
// that silently matched nothing (a typo in a path pattern) would fail here too.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const config = join(root, '.dependency-cruiser.cjs');
const depcruise = join(root, 'node_modules/.bin/depcruise');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** The violations dependency-cruiser finds under `paths` (run in `cwd`), as "rule: from -> to". */
async function violations(cwd: string, paths: string[]): Promise<string[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(depcruise, [...paths, '--config', config, '--output-type', 'json'], {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (err) {
    // It exits with the number of errors; the report is still on stdout.
    stdout = (err as { stdout?: string }).stdout ?? '';
    if (!stdout.trim()) throw err;
  }
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

const fixture = mkdtempSync(join(tmpdir(), 'upshift-layers-'));
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(fixture, path)), { recursive: true });
  writeFileSync(join(fixture, path), text);
}

describe.concurrent('layers', () => {
  it('src and codegen import only what their layer allows', async () => {
    expect(await violations(root, ['src', 'codegen'])).toEqual([]);
  });

  it('a wrong import is reported with its rule', async () => {
    write(
      'tsconfig.json',
      JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' }, include: ['src'] }),
    );
    write('src/sources/s3.ts', 'export const source = 1;\n');
    write('src/engine/plan.ts', "import { source } from '../sources/s3.js';\nexport const plan = source;\n");
    write('src/model/table.ts', 'export type Table = { name: string };\n');
    write('src/s3/files.ts', "import type { Table } from '../model/table.js';\nexport type Files = Table;\n");
    write('src/cli/config.ts', 'export const defineConfig = (c: object) => c;\n');
    write('src/index.ts', "export { defineConfig } from './cli/config.js';\n");
    write('src/errors.ts', "export { plan } from './engine/plan.js';\n");
    expect(await violations(fixture, ['src'])).toEqual([
      'core-layer: src/errors.ts -> src/engine/plan.ts',
      'engine-layer: src/engine/plan.ts -> src/sources/s3.ts',
      'root-exports-no-cli: src/index.ts -> src/cli/config.ts',
      's3-layer: src/s3/files.ts -> src/model/table.ts',
    ]);
  });
});
