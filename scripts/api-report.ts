// The public API report (issue 17): api-extractor reads the declarations of every entry point in
// package.json "exports" and writes etc/api/<entry>.api.md. `npm run api` checks that the committed
// reports match the code (test/architecture/api-report.test.ts runs it in `npm test`), so an
// accidental export or a breaking change shows in review; `npm run api -- --update` rewrites them.
import {
  CompilerState,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  type IConfigFile,
} from '@microsoft/api-extractor';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const update = process.argv.includes('--update');

/** Entry points: "." -> upshift, "./emulator" -> upshift-emulator, with their declaration files. */
function entryPoints(): { name: string; types: string }[] {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    exports: Record<string, string | { types?: string }>;
  };
  return Object.entries(pkg.exports).flatMap(([key, target]) =>
    typeof target === 'object' && target.types
      ? [{ name: key === '.' ? 'upshift' : `upshift-${key.slice(2).replace(/\//g, '-')}`, types: target.types }]
      : [],
  );
}

function buildDeclarations(outDir: string): void {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--emitDeclarationOnly', '--outDir', outDir], {
    cwd: root,
    stdio: 'inherit',
  });
}

function configOf(entry: { name: string; types: string }, declarations: string): ExtractorConfig {
  const configObject: IConfigFile = {
    projectFolder: root,
    mainEntryPointFilePath: path.join(declarations, path.relative('dist', entry.types)),
    compiler: {
      overrideTsconfig: { compilerOptions: { types: ['node'], skipLibCheck: true }, include: [declarations] },
    },
    apiReport: {
      enabled: true,
      reportFileName: `${entry.name}.api.md`,
      reportFolder: path.join(root, 'etc', 'api'),
      reportTempFolder: path.join(root, '.upshift', 'api-reports'),
    },
    docModel: { enabled: false },
    dtsRollup: { enabled: false },
    tsdocMetadata: { enabled: false },
    messages: {
      // Types reachable from an export but not exported themselves are reported, not fatal:
      // the report lists them, so review sees them.
      extractorMessageReporting: {
        default: { logLevel: ExtractorLogLevel.None },
        'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
      },
      tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
      compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
    },
  };
  return ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: path.join(root, 'api-extractor.json'),
    packageJsonFullPath: path.join(root, 'package.json'),
  });
}

/** Writes or checks one entry's report, on a compiler program shared by every entry. */
function report(
  entry: { name: string; types: string },
  config: ExtractorConfig,
  compilerState: CompilerState,
): boolean {
  const result = Extractor.invoke(config, { localBuild: update, showVerboseMessages: false, compilerState });
  if (result.apiReportChanged && !update)
    console.error(
      `etc/api/${entry.name}.api.md is out of date: the public API of ${entry.types} changed. Review it and run \`npm run api -- --update\`.`,
    );
  return result.succeeded && !(result.apiReportChanged && !update);
}

// Inside the project (gitignored), so the report names files by a stable relative path.
const declarations = path.join(root, '.upshift', 'api-declarations');
rmSync(declarations, { recursive: true, force: true });
try {
  buildDeclarations(declarations);
  const entries = entryPoints().map((entry) => ({ entry, config: configOf(entry, declarations) }));
  // One TypeScript program for all entries (each invoke would otherwise build its own: 11 programs
  // took ~2 minutes on a busy 2-core machine and timed the test out in CI).
  const compilerState = CompilerState.create(entries[0]!.config, {
    additionalEntryPoints: entries.map((e) => e.config.mainEntryPointFilePath),
  });
  const failed = entries.filter(({ entry, config }) => !report(entry, config, compilerState));
  if (failed.length) process.exitCode = 1;
} finally {
  rmSync(declarations, { recursive: true, force: true });
}
