// Writes an unload's output as numbered part files (part-00000.csv.gz, ...) in one or more lanes
// (parallel: one lane per slice, rows dealt round-robin, like Redshift's file per slice). A lane
// rolls over to a new file when its file reaches maxFileSize. Writes wait for the storage
// (backpressure), so memory stays at a few chunks per lane.
import { once } from 'node:events';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { OutputFile, OutputLocation } from './output.js';

export interface UnloadedFile {
  uri: string;
  /** Bytes as stored (compressed when gzip). */
  bytes: number;
  /** Rows in the file (always on Postgres/PGlite; on Redshift when its manifest lists them per file). */
  rows?: number;
}

/** One file being written: bytes in, stored bytes counted after compression. */
export class PartFile {
  rows = 0;
  stored = 0;
  private readonly input: Writable;
  private readonly settled: Promise<void>;

  constructor(
    readonly out: OutputFile,
    gzip: boolean,
  ) {
    const counter = new Transform({
      transform: (chunk: Buffer, _e, cb) => {
        this.stored += chunk.length;
        cb(null, chunk);
      },
    });
    const gz = gzip ? createGzip({ level: 1 }) : undefined;
    this.input = gz ?? counter;
    this.settled = pipeline(gz ? [gz, counter, out.stream] : [counter, out.stream]).then(() => out.done());
    this.settled.catch(() => {});
  }

  async write(data: Buffer | Uint8Array): Promise<void> {
    if (!this.input.write(data)) await Promise.race([once(this.input, 'drain'), this.settled]);
  }

  async close(): Promise<UnloadedFile & { rows: number }> {
    this.input.end();
    await this.settled;
    return { uri: this.out.uri, bytes: this.stored, rows: this.rows };
  }

  async abort(): Promise<void> {
    this.input.destroy();
    await this.out.abort();
  }
}

export interface PartSetOptions {
  extension: string;
  gzip: boolean;
  lanes: number;
  maxFileSize: number | undefined;
  /** Written at the start of every file (CSV header line). */
  header?: Buffer;
}

/** Files dealt out across lanes; names are handed out in the order files open. */
export class PartSet {
  private readonly current: Array<PartFile | undefined>;
  private readonly done: UnloadedFile[] = [];
  private readonly all: PartFile[] = [];
  private next = 0;

  constructor(
    private readonly out: OutputLocation,
    private readonly options: PartSetOptions,
  ) {
    this.current = new Array<PartFile | undefined>(options.lanes).fill(undefined);
  }

  /** The lane's open file (opened on first use, so lanes without rows leave no file). */
  async file(lane: number): Promise<PartFile> {
    let f = this.current[lane];
    if (f && this.options.maxFileSize !== undefined && f.stored >= this.options.maxFileSize) {
      this.done.push(await f.close());
      f = undefined;
    }
    if (!f) {
      const name = `part-${String(this.next++).padStart(5, '0')}${this.options.extension}`;
      f = new PartFile(this.out.open(name), this.options.gzip);
      this.all.push(f);
      this.current[lane] = f;
      if (this.options.header) await f.write(this.options.header);
    }
    return f;
  }

  async close(): Promise<UnloadedFile[]> {
    for (const f of this.current) if (f) this.done.push(await f.close());
    this.current.fill(undefined);
    return this.done.sort((a, b) => (a.uri < b.uri ? -1 : 1));
  }

  async abort(): Promise<void> {
    await Promise.all(this.all.map((f) => f.abort().catch(() => {})));
  }
}
