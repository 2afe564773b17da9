// Rows -> CSV lines -> gzip -> parts, at constant memory.
//
// Parallel loads: Redshift loads one file per slice at a time, so the number of parts should be a
// multiple of the slice count. Rows go round-robin to a group of `slices` parts written at once;
// when the group has staged `partBytes` per part, it is closed and the next group opened. A
// group is only opened once `slices` more rows exist (held back until then; at the end of the
// input they join the last group), so every group has exactly `slices` non-empty parts. Small
// loads: fewer rows than slices give one part per row; no rows give one empty part, so the
// manifest is never empty and COPY loads zero rows.
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { createGzip, type ZlibOptions } from 'node:zlib';
import type { NormalizedValue } from '../model/validate.js';
import type { PartSink, StageBackend } from './backend.js';
import { CSV_CHUNK_CHARS, isSyncIterable, type CsvLineEncoder } from './csv.js';
import { partName } from './layout.js';
import type { ChunkOrigin, Compression, Progress, StagedFile } from './types.js';

export interface PartWriterOptions {
  dir: string;
  extension: string;
  compression: Compression;
  gzipLevel: number;
  partBytes: number;
  slices: number;
  encode: CsvLineEncoder;
  onProgress?: ((p: Progress) => void) | undefined;
  onChunk?: ((chunk: Buffer, at: ChunkOrigin) => Promise<void> | undefined) | undefined;
  onRowsWritten?: (() => void) | undefined;
  /** Where the load's spill folder is made (default: the system temp folder). */
  spillRoot?: string | undefined;
  /** 64 KiB chunks queued per part for compression before the row loop waits (DEFAULT_COMPRESS_AHEAD; 1 is the serial path). */
  compressAhead?: number | undefined;
}

/** Spill folders are named so `upshift stage gc` can find the ones a killed load left. */
export const SPILL_PREFIX = 'upshift-spill-';

/**
 * The folder one load spills raw text into: made on first use with mkdtemp (mode 0700, so no
 * other local user can read the rows), spill files in it 0600, and the whole folder removed
 * when the load's parts are settled, whichever way it ended. A load killed outright leaves at
 * most this folder, which `upshift stage gc` removes once it is old.
 */
class SpillFolder {
  private dir: string | undefined;
  private count = 0;
  private readonly files: Writable[] = [];
  constructor(private readonly root: string) {}

  /** Opens a new spill file (0600, never an existing one). */
  open(): { path: string; stream: Writable } {
    this.dir ??= mkdtempSync(join(this.root, SPILL_PREFIX));
    const path = join(this.dir, `part-${this.count++}.csv`);
    const stream = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.files.push(stream);
    return { path, stream };
  }

  /** Waits for every spill file to be closed (a destroyed stream may still be opening), then removes the folder. */
  async remove(): Promise<void> {
    if (!this.dir) return;
    await Promise.all(this.files.map((f) => (f.closed ? undefined : new Promise((done) => f.once('close', done)))));
    await rm(this.dir, { recursive: true, force: true });
  }
}

interface Totals {
  bytes: number;
  encodedBytes: number;
}

/** Counts the bytes that reach the sink (the staged, compressed size). */
function byteCounter(part: { bytes: number }, totals: Totals): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      part.bytes += chunk.length;
      totals.bytes += chunk.length;
      cb(null, chunk);
    },
  });
}

/**
 * Chunks of text queued per part for its compressor before the row loop waits (default of
 * PartWriterOptions.compressAhead). zlib compresses on libuv's thread pool, so while one part's
 * chunks are compressed on other cores the row loop goes on encoding the next; with 1 the loop
 * waits for every chunk (the serial path: one core encodes or compresses, never both).
 */
export const DEFAULT_COMPRESS_AHEAD = 4;

/** A part's compressor: zlib's async stream (thread pool), or a pass-through for 'none'. */
function createCompressor(compression: Compression, gzipLevel: number, ahead: number): Transform {
  // The serial path keeps Node's stream defaults, exactly as before compressAhead existed.
  if (ahead <= 1) return compression === 'gzip' ? createGzip({ level: gzipLevel }) : new PassThrough();
  const writableHighWaterMark = ahead * CSV_CHUNK_CHARS;
  // chunkSize: one thread-pool job per 64 KiB chunk instead of one per 16 KiB of output.
  if (compression === 'gzip')
    return createGzip({ level: gzipLevel, chunkSize: CSV_CHUNK_CHARS, writableHighWaterMark } as ZlibOptions);
  return new PassThrough({ writableHighWaterMark });
}

/** Raw CSV text over its gzip size at level 1, typically 4-6: spilled parts roll at about the size of compressed ones. */
const SPILL_RATIO_ESTIMATE = 4;

/**
 * How much more a part's compressor can put out once its queued text is compressed, over that
 * text: deflate's worst case for stored blocks (5 bytes per 16 KiB, rounded up to 1%), plus the
 * symbols deflate holds back from earlier text (at most 16K of them, <= 6 bytes each) and a
 * block header.
 */
const QUEUED_GROWTH = 1.01;
const HELD_BACK_BYTES = 256 * 1024;

/** Counts what a compressor puts out, as it puts it out (before any backpressure downstream). */
function countOutput(stream: Transform, onBytes: (n: number) => void): void {
  const push = stream.push.bind(stream);
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk) onBytes((chunk as Buffer).length);
    return push(chunk, encoding);
  };
}

/**
 * One part being written: its own pending text, its compressor, its sink. With a `spill` path
 * the text goes raw to that temp file and is compressed into the sink when the part closes:
 * while a live COPY reads the same rows, compressing at once would take the CPU the row loop
 * and the database need (measured: ~0.5 s of 2 s for 1M rows on 2 cores).
 */
class OpenPart {
  rows = 0;
  /** Rows already handed to the compressor (and to onChunk). */
  writtenRows = 0;
  /** Staged (compressed) bytes, once they reach the sink. */
  bytes = 0;
  /** Bytes the compressor has put out for the text it finished (what parts roll on). */
  compressedBytes = 0;
  /** Text bytes written so far. */
  rawBytes = 0;
  /** Text bytes written to the compressor that it has not finished yet. */
  queuedBytes = 0;
  private idleWaiters: Array<() => void> = [];
  pending = '';
  readonly input: Writable;
  /** The raw text's temp file, when spilling. */
  readonly spill: string | undefined;
  readonly settled: Promise<StagedFile>;

  constructor(
    readonly sink: PartSink,
    compression: Compression,
    gzipLevel: number,
    compressAhead: number,
    totals: Totals,
    spillTo?: SpillFolder,
  ) {
    const counter = byteCounter(this, totals);
    const compressor = () => createCompressor(compression, gzipLevel, compressAhead);
    let written: Promise<void>;
    const spill = spillTo?.open();
    this.spill = spill?.path;
    if (spill) {
      this.input = spill.stream;
      written = finished(this.input).then(() =>
        pipeline(createReadStream(spill.path), compressor(), counter, sink.stream),
      );
    } else {
      const input = compressor();
      countOutput(input, (n) => (this.compressedBytes += n));
      this.input = input;
      written = pipeline(input, counter, sink.stream);
    }
    this.settled = written
      // The storage's own error (with its key) explains a broken pipe better than the pipe does.
      .catch((err: unknown) => {
        throw sink.failure() ?? err;
      })
      .then(() => sink.commit())
      .finally(() => (spill ? rm(spill.path, { force: true }) : undefined))
      .then(() => ({ uri: sink.uri, bytes: this.bytes, rows: this.rows }));
    this.settled.catch(() => {}); // observed through the writer's failure promise
  }

  /** Writes a chunk of text; its compression is tracked until it is done. Returns false when the compressor's queue is full. */
  send(chunk: Buffer): boolean {
    this.rawBytes += chunk.length;
    this.queuedBytes += chunk.length;
    return this.input.write(chunk, () => {
      this.queuedBytes -= chunk.length;
      if (this.queuedBytes === 0) for (const done of this.idleWaiters.splice(0)) done();
    });
  }

  /** Resolves once every chunk written so far is compressed (at once when none is queued). */
  idle(): Promise<void> | undefined {
    if (this.spill || this.queuedBytes === 0) return undefined;
    return new Promise((done) => this.idleWaiters.push(done));
  }

  /**
   * The bytes that count toward partBytes once all queued text is compressed: compressed bytes
   * (the same whenever they are counted: deflate's output depends only on the text), or when
   * spilling an estimate from the raw text. Exact only when idle().
   */
  get sizeForRolling(): number {
    return this.spill ? this.rawBytes / SPILL_RATIO_ESTIMATE : this.compressedBytes;
  }

  /** An upper bound of sizeForRolling once the queued text is compressed. */
  get sizeForRollingAtMost(): number {
    if (this.spill || this.queuedBytes === 0) return this.sizeForRolling;
    return this.compressedBytes + this.queuedBytes * QUEUED_GROWTH + HELD_BACK_BYTES;
  }
}

/** Writes rows as parts; returns the parts in order. On any failure discards every part and rethrows. */
export async function writeRowParts(
  backend: StageBackend,
  rows: Iterable<readonly NormalizedValue[]> | AsyncIterable<readonly NormalizedValue[]>,
  o: PartWriterOptions,
): Promise<{ files: StagedFile[]; rows: number }> {
  const totals: Totals = { bytes: 0, encodedBytes: 0 };
  const compressAhead = o.compressAhead ?? DEFAULT_COMPRESS_AHEAD;
  const all: OpenPart[] = [];
  let rejectFailure!: (e: unknown) => void;
  const failure = new Promise<never>((_, reject) => (rejectFailure = reject));
  failure.catch(() => {});
  // Also kept as a value, so the row loop stops at its next chunk even when no write waits.
  let failed: { error: unknown } | undefined;
  const failWith = (error: unknown) => {
    failed ??= { error };
    rejectFailure(error);
  };

  let group: OpenPart[] = [];
  let groupBase = 0; // part index of the group's first part
  let rowInGroup = 0;
  let rolling = false;
  let held: string[] = [];
  let rowCount = 0;
  let previousClose: Promise<unknown> = Promise.resolve();

  // Fed to a live COPY as well: spill raw text, compress each part when it closes (see OpenPart).
  const spilling = o.onChunk !== undefined && o.compression === 'gzip';
  const spillFolder = spilling ? new SpillFolder(o.spillRoot ?? tmpdir()) : undefined;
  const open = (slot: number): OpenPart => {
    const sink = backend.openPart(`${o.dir}/${partName(groupBase + slot, o.extension)}`);
    const part = new OpenPart(sink, o.compression, o.gzipLevel, compressAhead, totals, spillFolder);
    part.settled.catch(failWith);
    all.push(part);
    group[slot] = part;
    return part;
  };

  const write = async (part: OpenPart, text: string): Promise<void> => {
    if (failed) throw failed.error;
    const chunk = Buffer.from(text);
    const teed = o.onChunk?.(chunk, {
      uri: part.sink.uri,
      line: part.writtenRows + 1,
      rows: part.rows - part.writtenRows,
    });
    part.writtenRows = part.rows;
    totals.encodedBytes += chunk.length;
    part.send(chunk);
    if (teed) await Promise.race([teed, failure]);
    // Asked after the tee: the compressor may have drained meanwhile, and its 'drain' is gone.
    if (part.input.writableNeedDrain) await Promise.race([once(part.input, 'drain'), failure]);
    // A sync row source never leaves the microtask queue on its own: the thread pool's finished
    // chunks (and uploads' replies) wait for this, and the next chunk of each part starts then.
    else if (compressAhead > 1) await yieldToLoop();
  };

  const flush = async (part: OpenPart): Promise<void> => {
    const text = part.pending;
    part.pending = '';
    await write(part, text);
    o.onProgress?.({ rows: rowCount, bytes: totals.bytes, encodedBytes: totals.encodedBytes });
    if (await groupIsFull()) rolling = true;
  };

  // The group rolls on the compressed size of all text written to it so far, as if each chunk
  // had been compressed before the next was encoded (the serial path): the parts of a load are
  // the same however fast the cores and the storage are. Far from the limit a bound decides
  // without waiting; near it, the row loop waits for the group's compressors to catch up.
  const groupIsFull = async (): Promise<boolean> => {
    const limit = o.partBytes * o.slices;
    let atMost = 0;
    for (const p of group) atMost += p.sizeForRollingAtMost;
    if (atMost < limit) return false;
    const waits = group.map((p) => p.idle()).filter((w) => w !== undefined);
    if (waits.length > 0) await Promise.race([Promise.all(waits), failure]);
    let exact = 0;
    for (const p of group) exact += p.sizeForRolling;
    return exact >= limit;
  };

  // route/accept return a promise only when they must wait (a chunk went out), so a sync
  // iterable of rows is read without a microtask per row.
  const route = (line: string): Promise<void> | undefined => {
    const slot = rowInGroup % o.slices;
    const part = group[slot] ?? open(slot);
    rowInGroup++;
    part.rows++;
    part.pending += line;
    return part.pending.length >= CSV_CHUNK_CHARS ? flush(part) : undefined;
  };

  const closeGroup = async (last = false): Promise<void> => {
    const closing = group;
    for (const part of closing) {
      if (part.pending === '') continue;
      const text = part.pending;
      part.pending = '';
      await write(part, text);
    }
    if (last) o.onRowsWritten?.();
    if (closing.length === 0) return;
    for (const part of closing) part.input.end();
    // At most two groups in flight: wait for the one before before moving on.
    await Promise.race([previousClose, failure]);
    previousClose = Promise.all(closing.map((p) => p.settled));
    previousClose.catch(() => {}); // a failure is reported through `failure`
    groupBase += closing.length;
    group = [];
    rowInGroup = 0;
  };

  const startNextGroup = async (): Promise<void> => {
    await closeGroup();
    rolling = false;
    const lines = held;
    held = [];
    for (const l of lines) await route(l);
  };

  const accept = (row: readonly NormalizedValue[]): Promise<void> | undefined => {
    const line = o.encode(row, rowCount++);
    if (!rolling) return route(line);
    held.push(line);
    return held.length < o.slices ? undefined : startNextGroup();
  };

  try {
    if (isSyncIterable(rows)) {
      for (const row of rows) {
        const wait = accept(row);
        if (wait) await wait;
      }
    } else {
      for await (const row of rows) {
        const wait = accept(row);
        if (wait) await wait;
      }
    }
    for (const l of held) await route(l);
    if (all.length === 0) open(0);
    await closeGroup(true);
    const files = await Promise.race([Promise.all(all.map((p) => p.settled)), failure]);
    o.onProgress?.({ rows: rowCount, bytes: totals.bytes, encodedBytes: totals.encodedBytes });
    return { files, rows: rowCount };
  } catch (err) {
    await discardAll(all.map((p) => ({ sink: p.sink, input: p.input, settled: p.settled })));
    throw err;
  } finally {
    await spillFolder?.remove().catch(() => {}); // best effort: gc removes what a failed rm leaves
  }
}

/** Stops every part still being written and removes whatever was written. Never throws. */
export async function discardAll(
  parts: Array<{ sink: PartSink; input: { destroy(): void }; settled: Promise<unknown> }>,
): Promise<void> {
  for (const p of parts) {
    p.input.destroy();
    p.sink.stream.destroy();
  }
  await Promise.allSettled(parts.map((p) => p.settled));
  await Promise.allSettled(parts.map((p) => p.sink.discard()));
}
