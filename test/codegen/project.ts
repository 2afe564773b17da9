// A throwaway user project: a temp dir whose node_modules/upshift is this repo's source (a
// package.json with exports to the .ts files, symlinked folders), so generated model files
// importing 'upshift' resolve under tsx and tsc as they would in a user's project. Its '.'
// export is the model layer only (what models and migrations import): loading and
// type-checking the whole library (AWS SDK included) per test step would cost seconds each.
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

export interface TempProject {
  dir: string;
  remove(): Promise<void>;
  /** tsc --noEmit over the project; resolves with the compiler's output, rejects on errors. */
  typecheck(include?: string[]): Promise<{ ok: boolean; output: string }>;
}

export async function createProject(): Promise<TempProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'upshift-project-'));
  const pkg = path.join(dir, 'node_modules', 'upshift');
  await mkdir(pkg, { recursive: true });
  await writeFile(
    path.join(pkg, 'package.json'),
    JSON.stringify({
      name: 'upshift',
      type: 'module',
      exports: {
        '.': './src/model/index.ts',
        './codegen': './codegen/index.ts',
        './cli': './src/cli/index.ts',
        './stage': './src/stage/index.ts',
      },
    }),
  );
  await symlink(path.join(REPO, 'src'), path.join(pkg, 'src'));
  await symlink(path.join(REPO, 'codegen'), path.join(pkg, 'codegen'));
  for (const dep of ['kysely', 'tsx', 'pg', '@types']) {
    await symlink(path.join(REPO, 'node_modules', dep), path.join(dir, 'node_modules', dep));
  }
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
  );
  return {
    dir,
    remove: () => rm(dir, { recursive: true, force: true }),
    async typecheck(include = ['**/*.ts']) {
      const tsconfig = path.join(dir, 'tsconfig.check.json');
      await writeFile(
        tsconfig,
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
            noUncheckedIndexedAccess: true,
            lib: ['ES2023'],
          },
          include,
          exclude: ['node_modules'],
        }),
      );
      try {
        const { stdout } = await run(
          process.execPath,
          [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', tsconfig],
          { cwd: dir },
        );
        return { ok: true, output: stdout };
      } catch (err) {
        const e = err as { stdout?: string; stderr?: string };
        return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    },
  };
}
