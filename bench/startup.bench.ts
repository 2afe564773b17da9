// Install footprint and startup (issue 18): what a new user pays before the first load. Builds
// and packs upshift as `npm pack` does, installs the tarball alone into a fresh project (as
// test/package/pack.test.ts does: dependencies from the npm cache, else the registry), and there
// measures:
//  - node_modules on disk (MB as `du` counts it, and the bytes in the files) and its packages;
//  - `import('upshift')` in a fresh node, median of 10 warm runs, against bare node in the same run;
//  - `upshift --help` through node_modules/.bin (the file npx runs) and through npx itself.
// Usage: npm run bench -- startup
//        UPSHIFT_BENCH_APP=<folder> npm run bench -- startup   (measures a project already installed)
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildPackage } from '../scripts/build.js';

const RUNS = 10;
const WARMUP = 2;
const TARGET = { installMb: 40, importMs: 150, helpMs: 300 };
const repo = resolve(import.meta.dirname, '..');
const env = {
  ...process.env,
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

/** A fresh project with only the packed upshift installed; returns its folder. */
async function installPacked(work: string): Promise<string> {
  const pkg = join(work, 'package');
  await buildPackage(join(pkg, 'dist'));
  copyFileSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  copyFileSync(join(repo, 'README.md'), join(pkg, 'README.md'));
  execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], {
    cwd: pkg,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(work).find((f) => /^upshift-.*\.tgz$/.test(f))!;
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  execFileSync(
    'npm',
    ['install', join(work, tarball), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'],
    { cwd: app, env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return app;
}

/** Disk use as du counts it (allocated blocks) and the bytes the files hold. */
function footprint(dir: string): { diskBytes: number; fileBytes: number } {
  let diskBytes = 0;
  let fileBytes = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      diskBytes += st.blocks * 512;
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) fileBytes += st.size;
    }
  };
  walk(dir);
  return { diskBytes, fileBytes };
}

/** Installed packages, upshift included (npm's own count: its hidden lockfile). */
function packageCount(app: string): number {
  const lock = JSON.parse(readFileSync(join(app, 'node_modules/.package-lock.json'), 'utf8')) as {
    packages: Record<string, unknown>;
  };
  return Object.keys(lock.packages).filter((k) => k.startsWith('node_modules/')).length;
}

/** Wall time of one process, in ms; fails loudly if it fails. */
function timed(cmd: string, args: string[], cwd: string): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${String(r.stderr)}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Each command run WARMUP + RUNS times, interleaved so load on the machine hits all alike. */
function medians(commands: Record<string, [string, string[]]>, cwd: string): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const [name, [cmd, args]] of Object.entries(commands)) {
      const ms = timed(cmd, args, cwd);
      if (i >= WARMUP) times[name]!.push(ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

const verdict = (ok: boolean) => (ok ? 'ok' : 'MISSED');

const given = process.env.UPSHIFT_BENCH_APP;
const work = given ? undefined : mkdtempSync(join(tmpdir(), 'upshift-bench-startup-'));
try {
  const app = given ? resolve(given) : await installPacked(work!);
  if (!existsSync(join(app, 'node_modules/upshift/package.json')))
    throw new Error(`${app} has no node_modules/upshift`);

  const { diskBytes, fileBytes } = footprint(join(app, 'node_modules'));
  const mb = diskBytes / 2 ** 20;
  console.log(
    `install: ${mb.toFixed(1)} MiB on disk, as du -m (${(fileBytes / 2 ** 20).toFixed(1)} MiB in files), ${packageCount(app)} packages  [target < ${TARGET.installMb} MB, counted as du -m does: ${verdict(mb < TARGET.installMb)}]`,
  );

  const node = process.execPath;
  const bin = join(app, 'node_modules/.bin/upshift');
  const t = medians(
    {
      bare: [node, ['-e', '']],
      import: [node, ['--input-type=module', '-e', "await import('upshift')"]],
      help: [node, [bin, '--help']],
      npx: ['npx', ['--no-install', 'upshift', '--help']],
      npxBare: ['npx', ['--no-install', 'node', '-e', '']],
    },
    app,
  );
  const ratio = (ms: number) => `${(ms / t.bare!).toFixed(2)}x bare node`;
  console.log(`bare node:        ${t.bare!.toFixed(0)} ms (median of ${RUNS})`);
  console.log(
    `import('upshift'): ${t.import!.toFixed(0)} ms, ${ratio(t.import!)}; the import itself ${(t.import! - t.bare!).toFixed(0)} ms  [target < ${TARGET.importMs} ms: ${verdict(t.import! < TARGET.importMs)}]`,
  );
  console.log(
    `upshift --help:   ${t.help!.toFixed(0)} ms, ${ratio(t.help!)}  [target < ${TARGET.helpMs} ms: ${verdict(t.help! < TARGET.helpMs)}]`,
  );
  console.log(
    `npx upshift --help: ${t.npx!.toFixed(0)} ms, of which npx itself ${t.npxBare!.toFixed(0)} ms (npx running bare node)  [target < ${TARGET.helpMs} ms: ${verdict(t.npx! < TARGET.helpMs)}]`,
  );
} finally {
  if (work) rmSync(work, { recursive: true, force: true });
}
