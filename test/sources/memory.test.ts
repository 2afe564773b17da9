// Constant memory: 1M rows from a local gzip CSV and from a Postgres query, each loaded in a
// child process whose peak RSS must stay under 250 MB (the test worker's memory doesn't count).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';

const ROWS = 1_000_000;
const LIMIT_MB = 250;
let s: TestSchema;
let dir: string;

beforeAll(async () => {
  s = await createTestSchema('src_rss');
  dir = mkdtempSync(join(tmpdir(), 'upshift-rss-file-'));
});
afterAll(async () => {
  await s.pool.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await s.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function runChild(
  env: Record<string, string>,
): Promise<{ baselineMb: number; maxRssMb: number; staged: number; rows: number; ms: number }> {
  // The heap is capped at 128 MB: peak RSS then reflects live memory rather than when V8 chose to
  // collect (uncapped runs measured 221-259 MB, the same load), and a load that held its rows
  // would die of heap exhaustion here instead of passing. The young generation is pinned at 16 MB
  // semi-spaces, the default of Node 20 and 22 (heap limit 176 MB): Node 24's V8 sizes it from the
  // old space's limit instead (320 MB limit here), and that run measured 260-280 MB peak RSS in
  // 4-5x the time, spent in GC.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--max-old-space-size=128',
      '--max-semi-space-size=16',
      '--import',
      'tsx',
      join(import.meta.dirname, 'rss-child.ts'),
    ],
    {
      // A clean environment: the test worker's NODE_OPTIONS and loaders would inflate the child.
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', RSS_DB: s.url, RSS_SCHEMA: s.schema, ...env },
      maxBuffer: 1 << 20,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('1M rows at constant memory', () => {
  it('a 1M-row local gzip CSV loads with peak RSS under 250 MB', async () => {
    const file = join(dir, 'big.csv.gz');
    function* lines() {
      yield 'id,name,price,updated_at,active\n';
      let chunk = '';
      for (let i = 1; i <= ROWS; i++) {
        chunk += `${i},"candy ${i}",${i % 100000}.${String(i % 100).padStart(2, '0')},2026-11-24T10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z,${i % 2 === 0}\n`;
        if (i % 10000 === 0) {
          yield chunk;
          chunk = '';
        }
      }
    }
    await pipeline(Readable.from(lines()), createGzip({ level: 1 }), createWriteStream(file));
    const r = await runChild({ RSS_MODE: 'file', RSS_FILE: file });
    console.log(
      `local gzip CSV: ${ROWS} rows (${(statSync(file).size / 1e6).toFixed(1)} MB gzip) in ${r.ms} ms, peak RSS ${r.maxRssMb.toFixed(0)} MB (${r.baselineMb.toFixed(0)} MB after import)`,
    );
    expect(r).toMatchObject({ staged: ROWS, rows: ROWS });
    expect(r.maxRssMb).toBeLessThan(LIMIT_MB);
  }, 180_000);

  it('a 1M-row Postgres query loads with peak RSS under 250 MB', async () => {
    await s.pool.query(`create table "${s.schema}".big_src as
      select g::bigint as id, 'candy ' || g as name, (g % 100000)::numeric(12,2) as price,
             timestamptz '2026-11-24 00:00:00+00' + g * interval '1 second' as updated_at, g % 2 = 0 as active
      from generate_series(1, ${ROWS}) g`);
    const r = await runChild({
      RSS_MODE: 'query',
      RSS_QUERY: `select id, name, price, updated_at, active from "${s.schema}".big_src order by id`,
    });
    console.log(
      `Postgres query: ${ROWS} rows in ${r.ms} ms, peak RSS ${r.maxRssMb.toFixed(0)} MB (${r.baselineMb.toFixed(0)} MB after import)`,
    );
    expect(r).toMatchObject({ staged: ROWS, rows: ROWS });
    expect(r.maxRssMb).toBeLessThan(LIMIT_MB);
  }, 180_000);
});
