// unload at volume on the real Postgres: 1M rows streamed to S3 at constant memory, and a
// failure in the middle of the stream (the COPY cancelled, no manifest, the pool still usable).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase, S3Stage } from '../../src/index.js';
import { S3Files } from '../../src/toolbox/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';

let s: TestSchema;
let db: PostgresDatabase;
let files: S3Files;

beforeAll(async () => {
  s = await createTestSchema('unload_vol');
  const stage = new S3Stage({
    basePath: `s3://${TEST_BUCKET}/unload-vol/${s.schema}`,
    client: testS3Client(),
    slices: 4,
  });
  db = new PostgresDatabase({ connectionString: s.url, stage });
  files = S3Files.forStage(stage);
});
afterAll(async () => {
  await files.deletePrefix(`s3://${TEST_BUCKET}/unload-vol/${s.schema}/`).catch(() => undefined);
  await db.close();
  await s.drop();
});

// The DESIGN.md benchmark row shape: bigint, text, numeric(12,2), timestamptz, bool.
const MILLION = `select g::bigint as id, 'candy ' || g as name, (g % 100000)::numeric(12,2) / 100 as price,
  timestamptz '2026-11-24 00:00:00+00' + g * interval '1 second' as at, g % 2 = 0 as ok from generate_series(1, 1000000) g`;

describe('unload at volume', () => {
  it('1M rows to S3 (gzip, 4 files) at constant memory', async () => {
    global.gc?.();
    const before = process.memoryUsage();
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 20);
    const started = Date.now();
    const r = await db.unload(MILLION, 'big', { gzip: true });
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    expect(r.rows).toBe(1_000_000);
    expect(r.files.map((f) => f.rows)).toEqual([250_000, 250_000, 250_000, 250_000]);
    const heapGrowthMb = (peakHeap - before.heapUsed) / 2 ** 20;
    const rssGrowthMb = (peakRss - before.rss) / 2 ** 20;
    console.log(
      `unload 1M rows: ${seconds.toFixed(1)} s (${Math.round(1e6 / seconds / 1000)}k rows/s), ${(r.bytes / 2 ** 20).toFixed(1)} MiB gzip, peak heap +${heapGrowthMb.toFixed(0)} MiB, peak RSS +${rssGrowthMb.toFixed(0)} MiB`,
    );
    // The CSV is ~60 MB uncompressed: holding it would show; streaming stays at a few chunks per file.
    expect(heapGrowthMb).toBeLessThan(48);
  }, 120_000);

  it('a failure mid-stream (a value Parquet cannot hold) cancels the COPY: no manifest, the pool still works', async () => {
    const q = `select g::bigint as id, case when g = 150000 then 'infinity'::timestamp else timestamp '2026-01-01' end as at from generate_series(1, 300000) g`;
    await expect(db.unload(q, 'broken', { format: 'parquet' })).rejects.toThrow(
      /cannot write timestamp "infinity" to Parquet/,
    );
    expect(await files.size('broken/manifest.json')).toBeUndefined();
    expect(await files.list('broken/')).toEqual([]);
    // The backend ends its cancelled COPY asynchronously: allow it a few seconds to go.
    let active: Array<{ n: number }> = [];
    for (let i = 0; i < 50; i++) {
      active = await db.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity where query like 'COPY (select g::bigint%' and state = 'active'`,
      );
      if (active[0]?.n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(active).toEqual([{ n: 0 }]);
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
  }, 60_000);
});
