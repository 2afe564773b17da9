// Stage benchmark (issues 4, 18): rows/s for encode, encode+gzip and encode+gzip+upload on 1M rows
// (bigint, text, numeric(12,2), timestamptz, bool), each as a ratio against a raw baseline
// measured in the same run (a loop that only joins pre-made CSV lines into 64 KiB chunks);
// then peak RSS for 1M, 5M and 10M rows, each size in its own child process.
// Issue 18's targets, each a ratio within this run: S3-staged rows/s >= 2.5x the staging code
// before it ("today": commit REFERENCE_COMMIT's src/, extracted to .scratch/ and imported), and
// >= 75% of an all-cores encode+gzip baseline with no I/O; S3 peak RSS within 10% from 1M to 10M.
// On a Node whose node:zlib writes zstd (22.15 on), the no-I/O and S3 paths are also measured with
// compression 'zstd', against the same gzip references.
// Usage: npm run bench -- stage   (UPSHIFT_BENCH_ROWS=200000 for a quick run;
// UPSHIFT_BENCH_REF=<commit> for another reference, UPSHIFT_BENCH_REF=none to skip it)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, type ZlibOptions } from 'node:zlib';
import { once } from 'node:events';
import { t, type NormalizedValue } from '../src/model/index.js';
import type { PartSink, StageBackend } from '../src/stage/backend.js';
import { encodeCsvChunksWithCsvStringify } from './csv-stringify.js';
import {
  createCsvLineEncoder,
  encodeCsvChunks,
  LocalStage,
  S3Stage,
  type WriteRowsOptions,
} from '../src/stage/index.js';
import { writeRowParts } from '../src/stage/parts.js';
import { canWriteZstd, ZSTD_LEVEL } from '../src/stage/codec.js';
import type { Compression } from '../src/stage/types.js';
import { discardingS3, s3Client, s3rver, type BenchS3 } from './s3rver.js';

const N = Number(process.env.UPSHIFT_BENCH_ROWS ?? 1_000_000);
const BUCKET = 'upshift-test';
const columns = [t.bigint().spec, t.varchar(64).spec, t.decimal(12, 2).spec, t.timestamptz().spec, t.boolean().spec];
const target = { schema: 'bench', name: 'candy' };
const writeOpts: WriteRowsOptions = { target, columns, ordinal: true, binary: 'redshift' };

// Timestamps are made once: the row source should cost little next to what is measured.
const STAMPS = Array.from({ length: 4096 }, (_, i) =>
  new Date(1_700_000_000_000 + i * 1_000_003).toISOString().replace('T', ' ').replace('Z', '000'),
);
function* rows(n: number): Generator<NormalizedValue[]> {
  for (let i = 0; i < n; i++)
    yield [
      BigInt(i),
      `candy ${i}`,
      `${i % 100000}.${String(i % 100).padStart(2, '0')}`,
      STAMPS[i & 4095]!,
      i % 3 === 0,
    ];
}

const mb = (bytes: number) => bytes / 1024 / 1024;

/** The staging code before issue 18 (serial compression, lib-storage uploads). */
const REFERENCE_COMMIT = 'c4b7e9d';

type StageModule = typeof import('../src/stage/index.js');

/** Imports src/stage of the reference commit, extracted once into .scratch/ (git-ignored), or null when skipped. */
async function referenceStage(): Promise<{ commit: string; stage: StageModule } | null> {
  const commit = process.env.UPSHIFT_BENCH_REF ?? REFERENCE_COMMIT;
  if (commit === 'none') return null;
  const root = join(import.meta.dirname, '..');
  const dir = join(root, '.scratch', `bench-ref-${commit}`);
  if (!existsSync(join(dir, 'src', 'stage', 'index.ts'))) {
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['-C', root, 'archive', '--format=tar', commit, 'src'], { maxBuffer: 1 << 28 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  return { commit, stage: (await import(pathToFileURL(join(dir, 'src', 'stage', 'index.ts')).href)) as StageModule };
}

/**
 * The machine's limit for this work without I/O: rows encoded as the stage does (on the thread
 * that iterates them: a load's rows come from one iterator), gzip level 1 in one stream per core
 * on zlib's thread pool, 64 KiB chunks dealt round-robin, four queued per stream.
 */
async function encodeGzipAllCores(n: number): Promise<{ csv: number; staged: number }> {
  const cores = availableParallelism();
  let staged = 0;
  let csv = 0;
  const streams = Array.from({ length: cores }, () => {
    const gz = createGzip({ level: 1, chunkSize: 64 * 1024, writableHighWaterMark: 4 * 64 * 1024 } as ZlibOptions);
    gz.on('data', (c: Buffer) => (staged += c.length));
    return gz;
  });
  const ended = streams.map((gz) => new Promise((done) => gz.once('end', done)));
  let next = 0;
  for await (const chunk of encodeCsvChunks(rows(n), writeOpts)) {
    csv += chunk.length;
    const gz = streams[next++ % cores]!;
    if (!gz.write(chunk)) await once(gz, 'drain');
    else await new Promise(setImmediate); // let finished chunks' callbacks in, as the stage does
  }
  for (const gz of streams) gz.end();
  await Promise.all(ended);
  return { csv, staged };
}

/** A backend that only counts: measures the stage's own work (encode, parts, gzip) without I/O. */
class CountingBackend implements StageBackend {
  bytes = 0;
  openPart(relPath: string): PartSink {
    const stream = new Writable({
      write: (chunk: Buffer, _e, cb) => {
        this.bytes += chunk.length;
        cb();
      },
    });
    return {
      uri: relPath,
      key: relPath,
      stream,
      failure: () => undefined,
      commit: async () => {},
      discard: async () => {},
    };
  }
  putSmall = async (p: string) => p;
  read = async (): Promise<Readable> => Readable.from([]);
  list = async () => [];
  remove = async () => {};
  removeDir = async () => {};
  uriOf = (p: string) => p;
}

async function drain(chunks: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const c of chunks) n += c.length;
  return n;
}

async function gzipped(chunks: AsyncIterable<Buffer>, level: number): Promise<{ csv: number; staged: number }> {
  let csv = 0;
  let staged = 0;
  const counted = (async function* () {
    for await (const c of chunks) {
      csv += c.length;
      yield c;
    }
  })();
  await pipeline(
    Readable.from(counted),
    createGzip({ level }),
    new Writable({ write: (c: Buffer, _e, cb) => ((staged += c.length), cb()) }),
  );
  return { csv, staged };
}

interface Result {
  path: string;
  rows: number;
  /** Best wall time of the repetitions (this machine is shared: the best run is the least disturbed). */
  seconds: number;
  /** CPU seconds of this process (all threads, so gzip's thread pool counts) in that run. */
  cpuSeconds: number;
  csvBytes?: number;
  stagedBytes?: number;
}

type Run = () => Promise<{ csv?: number; staged?: number } | void>;

async function time(path: string, run: Run, reps = 3, rows = N): Promise<Result> {
  let best: Result | undefined;
  for (let i = 0; i < reps; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const r = (await run()) ?? {};
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    const result: Result = {
      path,
      rows,
      seconds,
      cpuSeconds: (c.user + c.system) / 1e6,
      ...(r.csv !== undefined ? { csvBytes: r.csv } : {}),
      ...(r.staged !== undefined ? { stagedBytes: r.staged } : {}),
    };
    if (!best || result.seconds < best.seconds) best = result;
  }
  return best!;
}

async function throughput(): Promise<void> {
  const lines = [...rows(4096)].map((r, i) =>
    createCsvLineEncoder({ columns, ordinal: true, binary: 'redshift' })(r, i),
  );
  const baseline = async () => {
    let buf = '';
    let bytes = 0;
    for (let i = 0; i < N; i++) {
      buf += lines[i & 4095];
      if (buf.length >= 65536) {
        bytes += Buffer.from(buf).length;
        buf = '';
      }
    }
    bytes += Buffer.from(buf).length;
    return { csv: bytes };
  };
  // Warm up the JIT on every path once.
  await drain(encodeCsvChunks(rows(100_000), writeOpts));
  await drain(encodeCsvChunksWithCsvStringify(rows(20_000), writeOpts));
  await baseline();

  const tmp = mkdtempSync(join(tmpdir(), 'upshift-bench-local-'));
  // s3rver stores and hashes every byte on the cores the stage runs on; the discarding S3 costs
  // what a remote S3 costs this machine (the HTTP client's side only). Both are measured.
  const sinks: Record<Sink, BenchS3> = { s3rver: await s3rver(), discard: await discardingS3() };
  const results: Result[] = [];
  const small = Math.max(1, Math.floor(N / 5));
  const ref = await referenceStage();
  const s3Load =
    (stage: StageModule, slices: number, sink: Sink, compression: Compression = 'gzip') =>
    async () => {
      const load = await new stage.S3Stage({
        basePath: `s3://${BUCKET}/bench`,
        client: s3Client(sinks[sink].endpoint),
        slices,
        ...(compression === 'gzip' ? {} : { compression }),
      }).writeRows(rows(N), writeOpts);
      return { staged: load.bytes };
    };
  try {
    results.push(await time('baseline: join pre-made lines into 64 KiB chunks', baseline));
    results.push(
      await time(`ceiling: encode + gzip 1 on all ${availableParallelism()} cores, no I/O`, async () =>
        encodeGzipAllCores(N),
      ),
    );
    results.push(
      await time('row source only (generate the rows)', async () => {
        let n = 0;
        for (const r of rows(N)) n += r.length; // eslint-disable-line @typescript-eslint/no-unused-vars -- the loop is the baseline: it only walks the rows
      }),
    );
    results.push(
      await time('encode, hand-written (used)', async () => ({
        csv: await drain(encodeCsvChunks(rows(N), writeOpts)),
      })),
    );
    results.push(
      await time(
        `encode, csv-stringify + rechunk (${small.toLocaleString('en')} rows)`,
        async () => ({ csv: await drain(encodeCsvChunksWithCsvStringify(rows(small), writeOpts)) }),
        1,
        small,
      ),
    );
    for (const level of [1, 6])
      results.push(
        await time(`encode+gzip level ${level}, one stream`, async () =>
          gzipped(encodeCsvChunks(rows(N), writeOpts), level),
        ),
      );
    for (const [compression, slices] of codecs.flatMap((c) => [1, 4].map((n) => [c, n] as const))) {
      results.push(
        await time(`stage parts: encode+${CODEC_NAMES[compression]}, slices ${slices}, no I/O`, async () => {
          const backend = new CountingBackend();
          const encode = createCsvLineEncoder(writeOpts);
          await writeRowParts(backend, rows(N), {
            dir: 'd',
            extension: '.csv',
            compression,
            gzipLevel: 1,
            partBytes: 64 * 1024 * 1024,
            slices,
            encode,
          });
          return { staged: backend.bytes };
        }),
      );
    }
    results.push(
      await time('LocalStage: encode+gzip+files, slices 4', async () => {
        const load = await new LocalStage({ dir: tmp, slices: 4 }).writeRows(rows(N), writeOpts);
        return { staged: load.bytes };
      }),
    );
    for (const sink of SINKS)
      for (const slices of [1, 4]) {
        if (ref) results.push(await time(s3Path(sink, slices, ref.commit), s3Load(ref.stage, slices, sink), 2));
        results.push(await time(s3Path(sink, slices), s3Load(await import('../src/stage/index.js'), slices, sink), 2));
        if (codecs.includes('zstd'))
          results.push(
            await time(
              s3Path(sink, slices, undefined, 'zstd'),
              s3Load(await import('../src/stage/index.js'), slices, sink, 'zstd'),
              2,
            ),
          );
      }
  } finally {
    await Promise.all(Object.values(sinks).map((s) => s.stop()));
    rmSync(tmp, { recursive: true, force: true });
  }

  const base = results[0]!;
  const rate = (r: Result) => r.rows / r.seconds;
  const cpuRate = (r: Result) => r.rows / r.cpuSeconds;
  console.log(
    `\nThroughput, ${N.toLocaleString('en')} rows (bigint, text, numeric(12,2), timestamptz, bool + ordinal), best of 3 (S3: 2)`,
  );
  console.log(
    `ratio = rows/s ÷ the baseline's rows/s in this run; rows/CPU-s counts this process's CPU time on all threads (load average now ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} CPUs)`,
  );
  console.log(
    table(
      ['path', 's', 'rows/s', 'x baseline', 'rows/CPU-s', 'x baseline (CPU)', 'CSV MB', 'staged MB'],
      results.map((r) => [
        r.path,
        r.seconds.toFixed(2),
        Math.round(rate(r)).toLocaleString('en'),
        (rate(r) / rate(base)).toFixed(2),
        Math.round(cpuRate(r)).toLocaleString('en'),
        (cpuRate(r) / cpuRate(base)).toFixed(2),
        r.csvBytes !== undefined ? mb(r.csvBytes).toFixed(1) : '',
        r.stagedBytes !== undefined ? mb(r.stagedBytes).toFixed(1) : '',
      ]),
    ),
  );
  const encGzip = results.find((r) => r.path.startsWith(`stage parts: encode+${CODEC_NAMES.gzip}, slices 4`))!;
  console.log(
    `encode+gzip (stage parts, slices 4): ${Math.round(rate(encGzip)).toLocaleString('en')} rows/s wall, ${Math.round(cpuRate(encGzip)).toLocaleString('en')} rows/CPU-s; target >= 300,000 rows/s: ${rate(encGzip) >= 300_000 ? 'met' : 'not met in wall time on this run'}`,
  );
  const ceiling = results.find((r) => r.path.startsWith('ceiling:'))!;
  for (const compression of codecs)
    for (const sink of SINKS)
      for (const slices of [1, 4]) {
        const now = results.find((r) => r.path === s3Path(sink, slices, undefined, compression))!;
        const before = ref ? results.find((r) => r.path === s3Path(sink, slices, ref.commit)) : undefined;
        const vsBefore = before ? rate(now) / rate(before) : undefined;
        const vsCeiling = rate(now) / rate(ceiling);
        console.log(
          `S3Stage (${compression}) into ${SINK_NAMES[sink]}, slices ${slices}: ${Math.round(rate(now)).toLocaleString('en')} rows/s; ` +
            (vsBefore !== undefined
              ? `${vsBefore.toFixed(2)}x today's (target >= 2.5: ${vsBefore >= 2.5 ? 'met' : 'not met'}); `
              : '') +
            `${(vsCeiling * 100).toFixed(0)}% of the all-cores ceiling (target >= 75%: ${vsCeiling >= 0.75 ? 'met' : 'not met'})`,
        );
      }
}

type Sink = 's3rver' | 'discard';
const SINKS: Sink[] = ['s3rver', 'discard'];
const SINK_NAMES: Record<Sink, string> = { s3rver: 's3rver', discard: 'a discarding S3' };
const s3Path = (sink: Sink, slices: number, refCommit?: string, compression: Compression = 'gzip') =>
  `${refCommit ? `today (${refCommit}) ` : ''}S3Stage: encode+${compression}+upload (${SINK_NAMES[sink]}), slices ${slices}`;

/** The codecs this Node can stage with: zstd where node:zlib writes it (Node 22.15 on). */
const codecs: Compression[] = canWriteZstd() ? ['gzip', 'zstd'] : ['gzip'];
const CODEC_NAMES: Record<Compression, string> = { gzip: 'gzip 1', zstd: `zstd ${ZSTD_LEVEL}`, none: 'none' };

function table(head: string[], body: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

/** Child mode: stage `n` rows to `where` and print this process's own peak RSS. */
async function rssChild(where: string, n: number, endpoint: string, dir: string): Promise<void> {
  const S3 = where === 'today-s3' ? (await referenceStage())!.stage.S3Stage : S3Stage;
  const stage = where.endsWith('s3')
    ? new S3({ basePath: `s3://${BUCKET}/rss`, client: s3Client(endpoint), slices: 4 })
    : new LocalStage({ dir, slices: 4 });
  const startMB = process.memoryUsage().rss / 1024 / 1024; // modules loaded, nothing staged yet
  const t0 = Date.now();
  const load = await stage.writeRows(rows(n), writeOpts);
  process.stdout.write(
    JSON.stringify({
      rows: load.rows,
      seconds: (Date.now() - t0) / 1000,
      startMB,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      files: load.files.length,
    }) + '\n',
  );
}

async function peakRss(): Promise<void> {
  const server = await s3rver();
  const dir = mkdtempSync(join(tmpdir(), 'upshift-bench-rss-'));
  const out: string[][] = [];
  try {
    // S3 also at 10M: at 1M its parts (~4 MB) are single PUTs, from 5M on multipart uploads
    // (two 5 MiB buffers per file), so 5M vs 10M is the like-for-like comparison there.
    const sizes: Record<string, string> = {
      local: '1000000,5000000',
      s3: '1000000,5000000,10000000',
      'today-s3': '1000000,5000000,10000000',
    };
    const stages =
      process.env.UPSHIFT_BENCH_RSS_STAGES ??
      (process.env.UPSHIFT_BENCH_REF === 'none' ? 'local,s3' : 'local,s3,today-s3');
    for (const where of stages.split(',')) {
      for (const n of (process.env.UPSHIFT_BENCH_RSS_ROWS ?? sizes[where]!).split(',').map(Number)) {
        const r = spawnSync(
          process.execPath,
          ['--import', 'tsx', import.meta.filename, '--rss', where, String(n), server.endpoint, dir],
          { encoding: 'utf8', maxBuffer: 1 << 20 },
        );
        if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
        const m = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
          rows: number;
          seconds: number;
          startMB: number;
          maxRssMB: number;
          files: number;
        };
        out.push([
          where === 's3'
            ? 'S3Stage (s3rver)'
            : where === 'today-s3'
              ? `today's S3Stage (${process.env.UPSHIFT_BENCH_REF ?? REFERENCE_COMMIT})`
              : 'LocalStage',
          m.rows.toLocaleString('en'),
          m.seconds.toFixed(1),
          Math.round(m.rows / m.seconds).toLocaleString('en'),
          String(m.files),
          m.startMB.toFixed(0),
          m.maxRssMB.toFixed(0),
          (m.maxRssMB - m.startMB).toFixed(0),
        ]);
      }
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('\nPeak RSS, each size in its own process (slices 4, gzip 1); it must not grow with rows');
  console.log(
    table(['stage', 'rows', 's', 'rows/s', 'parts', 'RSS before MB', 'peak RSS MB', 'added by the load MB'], out),
  );
  for (const stage of new Set(out.map((r) => r[0]!))) {
    const peaks = out.filter((r) => r[0] === stage).map((r) => Number(r[6]));
    if (peaks.length < 2) continue;
    const growth = peaks.at(-1)! / peaks[0]! - 1;
    console.log(
      `${stage}: peak RSS ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(0)}% from the smallest to the largest load (target within 10%: ${Math.abs(growth) <= 0.1 ? 'met' : 'not met'})`,
    );
  }
}

if (process.argv[2] === '--rss') {
  await rssChild(process.argv[3]!, Number(process.argv[4]), process.argv[5]!, process.argv[6]!);
} else if (process.env.UPSHIFT_BENCH_RSS_ONLY) {
  await peakRss();
} else {
  await throughput();
  if (!process.env.UPSHIFT_BENCH_SKIP_RSS) await peakRss();
}
