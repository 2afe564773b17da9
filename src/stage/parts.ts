// Rows -> CSV lines -> gzip or zstd (stage/codec.ts) -> parts, at constant memory.
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
import type { NormalizedValue } from '../model/validate.js';
import type { PartSink, StageBackend } from './backend.js';
import { createCompressor } from './codec.js';
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
    // Not events.once: it rejects on the 'error' a failed spill file emits before its 'close'.
    const closing = this.files.filter((f) => !f.closed);
    await Promise.all(closing.map((f) => new Promise<void>((done) => f.once('close', () => done()))));
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

/** A part's compressor (zlib's async stream, on its thread pool), or a pass-through for 'none'. */
function partCompressor(compression: Compression, gzipLevel: number, ahead: number): Transform {
  // The serial path keeps Node's stream defaults, exactly as before compressAhead existed.
  // Otherwise chunkSize: one thread-pool job per 64 KiB chunk instead of one per 16 KiB of output.
  const tuning = ahead <= 1 ? {} : { chunkSize: CSV_CHUNK_CHARS, writableHighWaterMark: ahead * CSV_CHUNK_CHARS };
  return createCompressor(compression, gzipLevel, tuning) ?? new PassThrough(tuning);
}

/** Raw CSV text over its compressed size (gzip 1: typically 4-6, zstd 1 a little more): spilled parts roll at about the size of compressed ones. */
const SPILL_RATIO_ESTIMATE = 4;

/**
 * How much more a part's compressor can put out once its queued text is compressed, over that
 * text: deflate's worst case for stored blocks (5 bytes per 16 KiB, rounded up to 1%; zstd's
 * is 1/256), plus what the codec holds back from earlier text (deflate: at most 16K symbols,
 * <= 6 bytes each, and a block header; zstd: at most one 128 KiB block).
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
    const compressor = () => partCompressor(compression, gzipLevel, compressAhead);
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
   * (the same whenever they are counted: the codec's output depends only on the text), or when
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
  const writer = new RowPartWriter(backend, o);
  try {
    await feedRows(rows, (row) => writer.accept(row));
    return await writer.finish();
  } catch (err) {
    await writer.discard();
    throw err;
  } finally {
    await writer.removeSpill();
  }
}

/** Hands every row to `accept`, waiting only when it asks to: a sync iterable is read without a microtask per row. */
async function feedRows(
  rows: Iterable<readonly NormalizedValue[]> | AsyncIterable<readonly NormalizedValue[]>,
  accept: (row: readonly NormalizedValue[]) => Promise<void> | undefined,
): Promise<void> {
  if (isSyncIterable(rows)) {
    for (const row of rows) {
      const wait = accept(row);
      if (wait) await wait;
    }
    return;
  }
  for await (const row of rows) {
    const wait = accept(row);
    if (wait) await wait;
  }
}

/**
 * The first failure of any part: raced against every wait, and also kept as a value so the row
 * loop stops at its next chunk even when no write waits.
 */
class FirstFailure {
  private failed: { error: unknown } | undefined;
  private reject!: (e: unknown) => void;
  private readonly promise = new Promise<never>((_, reject) => (this.reject = reject));
  constructor() {
    this.promise.catch(() => {});
  }

  fail(error: unknown): void {
    this.failed ??= { error };
    this.reject(error);
  }

  throwIfFailed(): void {
    if (this.failed) throw this.failed.error;
  }

  /** `wait`, unless a part fails first. */
  race<T>(wait: Promise<T>): Promise<T> {
    return Promise.race([wait, this.promise]);
  }
}

/**
 * The state of one writeRowParts: the open group of parts, the rows held back while it rolls,
 * and the group closing before it. Rows go in through accept(); accept and the steps it takes
 * return a promise only when they must wait (a chunk went out).
 */
class RowPartWriter {
  private readonly totals: Totals = { bytes: 0, encodedBytes: 0 };
  private readonly compressAhead: number;
  private readonly failure = new FirstFailure();
  private readonly spillFolder: SpillFolder | undefined;
  /** Every part opened, in order. */
  private readonly all: OpenPart[] = [];
  private group: OpenPart[] = [];
  /** Part index of the group's first part. */
  private groupBase = 0;
  private rowInGroup = 0;
  /** The group is full: rows are held until `slices` of them open the next. */
  private rolling = false;
  private held: string[] = [];
  private rowCount = 0;
  private previousClose: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly backend: StageBackend,
    private readonly o: PartWriterOptions,
  ) {
    this.compressAhead = o.compressAhead ?? DEFAULT_COMPRESS_AHEAD;
    // Fed to a live COPY as well: spill raw text, compress each part when it closes (see OpenPart).
    const spilling = o.onChunk !== undefined && o.compression !== 'none';
    this.spillFolder = spilling ? new SpillFolder(o.spillRoot ?? tmpdir()) : undefined;
  }

  accept(row: readonly NormalizedValue[]): Promise<void> | undefined {
    const line = this.o.encode(row, this.rowCount++);
    if (!this.rolling) return this.route(line);
    this.held.push(line);
    return this.held.length < this.o.slices ? undefined : this.startNextGroup();
  }

  /** The held rows join the last group; its parts are closed and settled. */
  async finish(): Promise<{ files: StagedFile[]; rows: number }> {
    for (const l of this.held) await this.route(l);
    if (this.all.length === 0) this.open(0);
    await this.closeGroup(true);
    const files = await this.failure.race(Promise.all(this.all.map((p) => p.settled)));
    this.reportProgress();
    return { files, rows: this.rowCount };
  }

  discard(): Promise<void> {
    return discardAll(this.all.map((p) => ({ sink: p.sink, input: p.input, settled: p.settled })));
  }

  /** Best effort: gc removes what a failed rm leaves. */
  async removeSpill(): Promise<void> {
    await this.spillFolder?.remove().catch(() => {});
  }

  private open(slot: number): OpenPart {
    const o = this.o;
    const sink = this.backend.openPart(`${o.dir}/${partName(this.groupBase + slot, o.extension)}`);
    const part = new OpenPart(sink, o.compression, o.gzipLevel, this.compressAhead, this.totals, this.spillFolder);
    part.settled.catch((err: unknown) => this.failure.fail(err));
    this.all.push(part);
    this.group[slot] = part;
    return part;
  }

  private route(line: string): Promise<void> | undefined {
    const slot = this.rowInGroup % this.o.slices;
    const part = this.group[slot] ?? this.open(slot);
    this.rowInGroup++;
    part.rows++;
    part.pending += line;
    return part.pending.length >= CSV_CHUNK_CHARS ? this.flush(part) : undefined;
  }

  private async flush(part: OpenPart): Promise<void> {
    await this.write(part, takePending(part));
    this.reportProgress();
    if (await this.groupIsFull()) this.rolling = true;
  }

  private async write(part: OpenPart, text: string): Promise<void> {
    this.failure.throwIfFailed();
    const chunk = Buffer.from(text);
    const teed = this.o.onChunk?.(chunk, {
      uri: part.sink.uri,
      line: part.writtenRows + 1,
      rows: part.rows - part.writtenRows,
    });
    part.writtenRows = part.rows;
    this.totals.encodedBytes += chunk.length;
    part.send(chunk);
    if (teed) await this.failure.race(teed);
    // Asked after the tee: the compressor may have drained meanwhile, and its 'drain' is gone.
    if (part.input.writableNeedDrain) await this.failure.race(once(part.input, 'drain'));
    // A sync row source never leaves the microtask queue on its own: the thread pool's finished
    // chunks (and uploads' replies) wait for this, and the next chunk of each part starts then.
    else if (this.compressAhead > 1) await yieldToLoop();
  }

  private reportProgress(): void {
    this.o.onProgress?.({ rows: this.rowCount, bytes: this.totals.bytes, encodedBytes: this.totals.encodedBytes });
  }

  // The group rolls on the compressed size of all text written to it so far, as if each chunk
  // had been compressed before the next was encoded (the serial path): the parts of a load are
  // the same however fast the cores and the storage are. Far from the limit a bound decides
  // without waiting; near it, the row loop waits for the group's compressors to catch up.
  private async groupIsFull(): Promise<boolean> {
    const limit = this.o.partBytes * this.o.slices;
    let atMost = 0;
    for (const p of this.group) atMost += p.sizeForRollingAtMost;
    if (atMost < limit) return false;
    const waits = this.group.map((p) => p.idle()).filter((w) => w !== undefined);
    if (waits.length > 0) await this.failure.race(Promise.all(waits));
    let exact = 0;
    for (const p of this.group) exact += p.sizeForRolling;
    return exact >= limit;
  }

  private async startNextGroup(): Promise<void> {
    await this.closeGroup();
    this.rolling = false;
    const lines = this.held;
    this.held = [];
    for (const l of lines) await this.route(l);
  }

  private async closeGroup(last = false): Promise<void> {
    const closing = this.group;
    for (const part of closing) if (part.pending !== '') await this.write(part, takePending(part));
    if (last) this.o.onRowsWritten?.();
    if (closing.length === 0) return;
    for (const part of closing) part.input.end();
    // At most two groups in flight: wait for the one before before moving on.
    await this.failure.race(this.previousClose);
    this.previousClose = Promise.all(closing.map((p) => p.settled));
    this.previousClose.catch(() => {}); // a failure is reported through `failure`
    this.groupBase += closing.length;
    this.group = [];
    this.rowInGroup = 0;
  }
}

/** The part's text not yet written, which it no longer holds. */
function takePending(part: OpenPart): string {
  const text = part.pending;
  part.pending = '';
  return text;
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
