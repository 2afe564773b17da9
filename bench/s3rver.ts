// A local S3 (s3rver in a child process, as the test setup runs it), an S3 that discards uploads,
// and a client with the settings they need.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testS3Client } from '../test/helpers/s3.js';

export interface BenchS3 {
  endpoint: string;
  stop(): Promise<void>;
}

export function s3rver(): Promise<BenchS3> {
  const dir = mkdtempSync(join(tmpdir(), 'upshift-bench-s3-'));
  return child(['--openssl-legacy-provider', join(import.meta.dirname, '../test/helpers/s3rver-child.cjs'), dir], dir);
}

/** An S3 that discards what it is sent (bench/discard-s3-child.mjs): a remote S3's cost to us, without s3rver's CPU. */
export function discardingS3(): Promise<BenchS3> {
  return child([join(import.meta.dirname, 'discard-s3-child.mjs')]);
}

async function child(args: string[], dir?: string): Promise<BenchS3> {
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok) => createInterface({ input: proc.stdout }).once('line', ok));
  const { port } = JSON.parse(line) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((ok) => proc.once('exit', ok));
      proc.kill('SIGTERM');
      await exited;
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A client with the settings a local S3 needs (the test suite's own). */
export const s3Client = (endpoint: string) => testS3Client(endpoint);
