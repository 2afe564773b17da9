// The `upshift` binary as npm installs it: the package built as `npm run build` builds it
// (scripts/build.ts: tsc declarations, esbuild JavaScript), into a scratch folder of this checkout, so its dependencies resolve from
// the checkout's node_modules), linked into a throwaway project as node_modules/upshift with the
// real package.json. Tests run `node node_modules/upshift/dist/src/cli/bin.js`, and the project's
// config and models import 'upshift' from that same build.
//
// One build per test file (about 10 s on this machine); the older CLI tests run the sources
// through tsx instead (test/cli/cli.test.ts).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildPackage } from '../../scripts/build.js';
import { REPO } from '../codegen/project.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface BuiltProject {
  dir: string;
  bin: string;
  /** Runs the binary in `cwd` (default the project folder); `env` values of undefined are removed. */
  upshift(args: string[], options?: { env?: Record<string, string | undefined>; cwd?: string }): Promise<Run>;
  remove(): Promise<void>;
}

export async function buildProject(): Promise<BuiltProject> {
  const build = path.join(REPO, '.scratch', `cli-build-${randomBytes(4).toString('hex')}`);
  await buildPackage(path.join(build, 'dist'));
  await copyFile(path.join(REPO, 'package.json'), path.join(build, 'package.json'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'upshift-built-'));
  await mkdir(path.join(dir, 'node_modules'), { recursive: true });
  await symlink(build, path.join(dir, 'node_modules', 'upshift'));
  for (const dep of ['kysely', 'tsx', 'pg', '@types'])
    await symlink(path.join(REPO, 'node_modules', dep), path.join(dir, 'node_modules', dep));
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
  );
  const bin = path.join(dir, 'node_modules/upshift/dist/src/cli/bin.js');
  return {
    dir,
    bin,
    upshift(args, options = {}) {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        UPSHIFT_DATABASE_URL: undefined,
        DATABASE_URL: undefined,
        UPSHIFT_CONFIG: undefined,
        ...options.env,
      };
      for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
      return new Promise((resolve) => {
        execFile(process.execPath, [bin, ...args], { cwd: options.cwd ?? dir, env }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        });
      });
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
      await rm(build, { recursive: true, force: true });
    },
  };
}
