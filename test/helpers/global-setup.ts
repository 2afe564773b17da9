// Starts the services the suite needs and checks the ones it expects to be running:
// - s3rver on a free loopback port (child process), exposed as UPSHIFT_TEST_S3_ENDPOINT;
// - Postgres at UPSHIFT_TEST_DATABASE_URL (default 127.0.0.1:5432/test). Missing Postgres is an
//   error (never a silent skip); without it, a Docker engine lets testcontainers start one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';

const DEFAULT_PG = 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function startS3(): Promise<{ child: ChildProcess; dir: string; endpoint: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'upshift-s3rver-'));
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', join(import.meta.dirname, 's3rver-child.cjs'), dir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const rl = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited early with code ${code}`)));
  });
  return { child, dir, endpoint: `http://127.0.0.1:${port}` };
}

export default async function setup(): Promise<() => Promise<void>> {
  const teardowns: Array<() => Promise<void> | void> = [];
  let url = process.env.UPSHIFT_TEST_DATABASE_URL ?? DEFAULT_PG;
  if (!(await postgresAnswers(url))) {
    const { startPostgresContainer } = await import('./container.js');
    const started = await startPostgresContainer().catch((err: unknown) => {
      throw new Error(
        `No Postgres answers at ${url} and none could be started with testcontainers (${String(err)}).\n` +
          'Start it with: pg_ctlcluster --skip-systemctl-redirect 15 main start, or set UPSHIFT_TEST_DATABASE_URL.',
      );
    });
    url = started.url;
    teardowns.push(started.stop);
  }
  process.env.UPSHIFT_TEST_DATABASE_URL = url;

  const s3 = await startS3();
  process.env.UPSHIFT_TEST_S3_ENDPOINT = s3.endpoint;
  teardowns.push(async () => {
    const exited = new Promise((resolve) => s3.child.once('exit', resolve));
    s3.child.kill('SIGTERM');
    await exited;
    rmSync(s3.dir, { recursive: true, force: true });
  });

  return async () => {
    for (const t of teardowns.reverse()) await t();
  };
}
