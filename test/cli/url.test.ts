// A database URL whose user name or password holds a character that breaks the URL (an
// unencoded #, / or ?) is a configuration error: exit 3 with one line that names the character
// and its percent-encoding, never the password, instead of exit 1 with a stack trace (or a
// connection to the wrong host). Run through the binary, as a user runs it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProject, REPO, type TempProject } from '../codegen/project.js';

const SLOW = 120_000;
let project: TempProject;

function upshift(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.UPSHIFT_CONFIG;
  if (!env.UPSHIFT_DATABASE_URL) delete childEnv.UPSHIFT_DATABASE_URL;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(REPO, 'src/cli/bin.ts'), ...args],
      { cwd: project.dir, env: childEnv },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  project = await createProject();
});
afterAll(async () => project?.remove());

describe('a database URL with an unencoded special character', () => {
  it(
    'exits 3 with one line naming the character and its encoding, never the password',
    async () => {
      const [hash, slash, env, migrate] = await Promise.all([
        upshift(['codegen', '--database-url', 'postgres://postgres:s3cr#tpw@127.0.0.1:5432/test']),
        // parses as a valid URL (host "u", port 123): without the check it would connect elsewhere
        upshift(['codegen', '--database-url', 'postgres://u:123/s3crxt@127.0.0.1:5432/test']),
        upshift(['codegen'], { UPSHIFT_DATABASE_URL: 'postgres://postgres:s3cr?tpw@127.0.0.1:5432/test' }),
        upshift(['migrate', 'status', '--database-url', 'postgres://postgres:s3cr#tpw@127.0.0.1:5432/test']),
      ]);
      expect(hash).toEqual({
        code: 3,
        stdout: '',
        stderr:
          'upshift: the database URL\'s password contains an unencoded "#", which ends that part of the URL: percent-encode it as %23 (encodeURIComponent does it; also % as %25, @ as %40, : as %3A)\n',
      });
      expect(slash).toMatchObject({ code: 3, stdout: '' });
      expect(slash.stderr).toMatch(
        /^upshift: the database URL's password contains an unencoded "\/", which ends that part of the URL: percent-encode it as %2F .*\n$/,
      );
      expect(env).toMatchObject({ code: 3 });
      expect(env.stderr).toMatch(/unencoded "\?".*%3F/);
      expect(migrate).toMatchObject({ code: 3, stderr: hash.stderr });
      for (const r of [hash, slash, env, migrate]) {
        expect(r.stderr).not.toMatch(/s3cr|tpw|at .*\.ts:\d+/);
        expect(r.stderr.split('\n')).toHaveLength(2);
      }
    },
    SLOW,
  );

  it(
    'an encoded password passes the check (and reaches the connection step)',
    async () => {
      const r = await upshift(['codegen', '--database-url', 'postgres://postgres:s3cr%23tpw@127.0.0.1:1/test']);
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/^upshift: cannot connect to the database: .*ECONNREFUSED/);
      expect(r.stderr).not.toContain('s3cr');
    },
    SLOW,
  );
});
