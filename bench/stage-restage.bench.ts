// Re-staging a source (issue 18): a local CSV file read, parsed, validated and encoded on the
// main thread, then compressed into LocalStage parts, the way fromLocalFile does it for
// Redshift. Compared: compression in step with the row loop (compressAhead 1, the serial path)
// against compression on zlib's thread pool while the loop reads on (the default). Ratio =
// rows/s over the serial path in the same run; median of 3 (the machine is shared).
// Usage: npm run bench -- stage-restage   (UPSHIFT_BENCH_ROWS=200000 for a quick run)
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTable, t } from '../src/model/index.js';
import { fromLocalFile } from '../src/sources/index.js';
import { LocalStage, newLoadId } from '../src/stage/index.js';

const N = Number(process.env.UPSHIFT_BENCH_ROWS ?? 1_000_000);
const model = defineTable('bench.restage', {
  id: t.bigint().notNull(),
  name: t.varchar(64),
  price: t.numeric(12, 2),
  updated_at: t.timestamptz().notNull(),
  active: t.boolean(),
});

const tmp = mkdtempSync(join(tmpdir(), 'upshift-bench-restage-'));
const csv = join(tmp, 'input.csv');
const out = createWriteStream(csv);
out.write('id,name,price,updated_at,active\n');
for (let i = 0; i < N; i++) {
  const line = `${i},candy ${i},${i % 100000}.${String(i % 100).padStart(2, '0')},2026-11-24T10:30:${String(i % 60).padStart(2, '0')}.123456Z,${i % 3 === 0}\n`;
  if (!out.write(line)) await once(out, 'drain');
}
out.end();
await once(out, 'finish');

async function restage(compressAhead: number): Promise<number> {
  const stage = new LocalStage({ dir: join(tmp, 'stage'), slices: 4, compressAhead });
  const t0 = process.hrtime.bigint();
  const prepared = await fromLocalFile(csv).prepare({
    model,
    stage,
    binary: 'redshift',
    copiesFromS3: false,
    loadId: newLoadId(),
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (prepared.staged.rows !== N) throw new Error(`staged ${prepared.staged.rows} rows, expected ${N}`);
  await stage.delete(prepared.staged);
  return seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  await restage(4); // warm up
  const runs: Record<string, number[]> = { serial: [], parallel: [] };
  for (let i = 0; i < 3; i++) {
    runs.serial!.push(await restage(1));
    runs.parallel!.push(await restage(4));
  }
  const serial = median(runs.serial!);
  const parallel = median(runs.parallel!);
  console.log(
    `\nRe-stage a local CSV file, ${N.toLocaleString('en')} rows -> LocalStage (slices 4, gzip 1), median of 3; ${availableParallelism()} CPUs, load average ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(`| path | s | rows/s | x serial |\n|---|---|---|---|`);
  console.log(
    `| read+parse+validate+encode, then compress in step (compressAhead 1) | ${serial.toFixed(2)} | ${Math.round(N / serial).toLocaleString('en')} | 1.00 |`,
  );
  console.log(
    `| compress on the thread pool while the loop reads on (default) | ${parallel.toFixed(2)} | ${Math.round(N / parallel).toLocaleString('en')} | ${(serial / parallel).toFixed(2)} |`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
