// The package build (`npm run build`), and the one the tests and benches that need the built
// package call: tsc writes the declarations, esbuild the JavaScript.
//
// Why bundle: the library is ~90 small modules, and Node resolves, reads and compiles each one
// at `import('upshift')`. Measured (bench/startup.bench.ts's installed project, Node 20): the
// import itself took 68-72 ms as tsc's one file per module, 19-21 ms bundled. Every entry
// point of package.json "exports" and the binary are bundled together with code splitting, so
// the code they share lives in one chunk: one copy of each class, whatever entry a user or the
// CLI imported it from (instanceof holds across `upshift` and `upshift/stage`). npm packages
// stay external: the optional ones load on use, as from the sources. Not minified, names kept,
// so stack traces and error names read as in the sources.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const repo = path.resolve(import.meta.dirname, '..');

interface PackageJson {
  bin: Record<string, string>;
  exports: Record<string, string | { types?: string; import?: string }>;
}

/** The sources the built files come from: dist/src/x/index.js <- src/x/index.ts. */
export function entryPoints(): string[] {
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as PackageJson;
  const built = [
    ...Object.values(pkg.exports).flatMap((t) => (typeof t === 'object' && t.import ? [t.import] : [])),
    ...Object.values(pkg.bin),
  ];
  return built.map((file) => path.join(repo, file.replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts')));
}

/** Builds the package into `outDir` (its dist/ folder): declarations by tsc, JavaScript by esbuild. */
export async function buildPackage(outDir: string): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await promisify(execFile)(
    process.execPath,
    [
      path.join(repo, 'node_modules/typescript/bin/tsc'),
      '-p',
      path.join(repo, 'tsconfig.build.json'),
      '--emitDeclarationOnly',
      '--outDir',
      outDir,
    ],
    { cwd: repo },
  );
  await build({
    entryPoints: entryPoints(),
    outbase: repo,
    outdir: outDir,
    entryNames: '[dir]/[name]',
    chunkNames: 'src/chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    keepNames: true,
    logLevel: 'warning',
  });
}

if (import.meta.filename === process.argv[1])
  await buildPackage(path.resolve(process.argv[2] ?? path.join(repo, 'dist')));
