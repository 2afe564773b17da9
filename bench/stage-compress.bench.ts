// Which way to compress a load's parts on every core (issue 18): zlib's async streams, whose
// work runs on libuv's thread pool (what the stage uses), or one worker thread per part that
// owns its gzip stream and gets each 64 KiB chunk transferred to it. Both compress the same
// pre-encoded CSV chunks (1M rows' worth by default) into `parts` gzip streams, level 1, with
// up to four chunks queued per part, and must produce the same bytes; ratio = rows/s over the
// single-stream serial baseline measured in the same run. Best of 3 (the machine is shared).
// Usage: npm run bench -- stage-compress   (UPSHIFT_BENCH_ROWS=200000 for a quick run)
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { createGzip, gzipSync, type ZlibOptions } from 'node:zlib';
import { createHash } from 'node:crypto';
import { t, type NormalizedValue } from '../src/model/index.js';
import { encodeCsvChunks } from '../src/stage/index.js';

const N = Number(process.env.UPSHIFT_BENCH_ROWS ?? 1_000_000);
const columns = [t.bigint().spec, t.varchar(64).spec, t.decimal(12, 2).spec, t.timestamptz().spec, t.boolean().spec];
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

const AHEAD = 4;
const CHUNK = 64 * 1024;

/** Each part's gzip bytes, hashed: every way must produce the same parts. */
type Parts = string[];
const digest = (bufs: Buffer[]) => bufs.reduce((h, b) => h.update(b), createHash('sha256')).digest('hex');

/** Serial: one stream, each chunk compressed before the next is written (the stage before issue 18). */
async function serialOneStream(chunks: Buffer[]): Promise<Parts> {
  const out: Buffer[] = [];
  const gz = createGzip({ level: 1 });
  gz.on('data', (c: Buffer) => out.push(c));
  for (const c of chunks) if (!gz.write(c)) await once(gz, 'drain');
  gz.end();
  await once(gz, 'end');
  return [digest(out)];
}

/** zlib's async streams (libuv thread pool), chunks dealt round-robin to `parts` streams. */
async function threadPool(chunks: Buffer[], parts: number): Promise<Parts> {
  const outs = Array.from({ length: parts }, () => [] as Buffer[]);
  const streams = outs.map((out) => {
    const gz = createGzip({ level: 1, chunkSize: CHUNK, writableHighWaterMark: AHEAD * CHUNK } as ZlibOptions);
    gz.on('data', (c: Buffer) => out.push(c));
    return gz;
  });
  const ended = streams.map((gz) => once(gz, 'end'));
  for (let i = 0; i < chunks.length; i++) {
    const gz = streams[i % parts]!;
    if (!gz.write(chunks[i])) await once(gz, 'drain');
    else await yieldToLoop();
  }
  for (const gz of streams) gz.end();
  await Promise.all(ended);
  return outs.map(digest);
}

// A worker that owns one gzip stream: chunks in (transferred), compressed bytes out, an ack per chunk.
const WORKER = `
const { parentPort } = require('node:worker_threads');
const { createGzip } = require('node:zlib');
const gz = createGzip({ level: 1, chunkSize: ${CHUNK} });
gz.on('data', (c) => parentPort.postMessage({ out: c }));
gz.on('end', () => parentPort.postMessage({ end: true }));
parentPort.on('message', (m) => {
  if (m === 'end') return gz.end();
  gz.write(Buffer.from(m), () => parentPort.postMessage({ ack: true }));
});`;

/** One worker thread per part, each with its own gzip stream; at most AHEAD chunks unacknowledged per worker. */
async function workers(chunks: Buffer[], parts: number): Promise<Parts> {
  const state = Array.from({ length: parts }, () => {
    const worker = new Worker(WORKER, { eval: true });
    const s = {
      worker,
      out: [] as Buffer[],
      queued: 0,
      wake: undefined as (() => void) | undefined,
      ended: undefined as unknown as Promise<void>,
    };
    s.ended = new Promise<void>((done) =>
      worker.on('message', (m: { out?: Uint8Array; ack?: boolean; end?: boolean }) => {
        if (m.out) s.out.push(Buffer.from(m.out));
        if (m.ack) {
          s.queued--;
          s.wake?.();
        }
        if (m.end) done();
      }),
    );
    return s;
  });
  await Promise.all(state.map((s) => once(s.worker, 'online')));
  for (let i = 0; i < chunks.length; i++) {
    const s = state[i % parts]!;
    while (s.queued >= AHEAD) await new Promise<void>((wake) => (s.wake = wake));
    // A copy to transfer: the chunks are reused across runs.
    const copy = new Uint8Array(chunks[i]!);
    s.queued++;
    s.worker.postMessage(copy, [copy.buffer]);
  }
  for (const s of state) s.worker.postMessage('end');
  await Promise.all(state.map((s) => s.ended));
  await Promise.all(state.map((s) => s.worker.terminate()));
  return state.map((s) => digest(s.out));
}

async function best(run: () => Promise<Parts>): Promise<{ seconds: number; parts: Parts }> {
  let seconds = Infinity;
  let parts: Parts = [];
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    parts = await run();
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds, parts };
}

const chunks: Buffer[] = [];
for await (const c of encodeCsvChunks(rows(N), { columns, ordinal: true, binary: 'redshift' })) chunks.push(c);
const mb = chunks.reduce((n, c) => n + c.length, 0) / 2 ** 20;
await threadPool(chunks.slice(0, 64), 2); // warm up both ways
await workers(chunks.slice(0, 64), 2);

const cores = availableParallelism();
const serial = await best(() => serialOneStream(chunks));
// The same bytes as zlib in one go: no flushes, whatever the chunking and threads.
const whole = digest([gzipSync(Buffer.concat(chunks), { level: 1 })]);
if (serial.parts[0] !== whole) throw new Error('streamed gzip differs from gzipSync of the same text');
const lines: string[][] = [
  [
    'serial: one stream, one chunk at a time',
    serial.seconds.toFixed(3),
    Math.round(N / serial.seconds).toLocaleString('en'),
    '1.00',
    'yes',
  ],
];
for (const parts of [cores, 4]) {
  const pool = await best(() => threadPool(chunks, parts));
  const work = await best(() => workers(chunks, parts));
  if (pool.parts.join() !== work.parts.join())
    throw new Error(`thread pool and workers produced different parts (${parts} parts)`);
  for (const [name, r] of [
    [`zlib async streams (thread pool), ${parts} parts`, pool],
    [`worker thread per part, ${parts} parts`, work],
  ] as const) {
    lines.push([
      name,
      r.seconds.toFixed(3),
      Math.round(N / r.seconds).toLocaleString('en'),
      (serial.seconds / r.seconds).toFixed(2),
      'yes',
    ]);
  }
}
console.log(
  `\nCompressing ${mb.toFixed(1)} MB of CSV (${N.toLocaleString('en')} rows) in 64 KiB chunks, gzip level 1, best of 3; ${cores} CPUs, load average ${loadavg()[0]!.toFixed(1)}`,
);
const head = ['way', 's', 'rows/s', 'x serial', 'same bytes'];
const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const row = (cells: string[]) =>
  `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log([row(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(row)].join('\n'));
