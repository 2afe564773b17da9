// UNLOAD's output files, streamed to S3 (multipart past 5 MB) as rows arrive: one open file per
// slice, a new part when MAXFILESIZE would be exceeded, named as Redshift names them.
import { once } from 'node:events';
import { PassThrough, Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import { Upload } from '@aws-sdk/lib-storage';
import { S3Error, parseS3Url, toS3Error, untilIdle, type S3Store } from './s3.js';

export interface WrittenFile {
  url: string;
  bytes: number;
  rows: number;
}

class ObjectStream {
  private readonly input = new PassThrough();
  private bytes = 0;
  private readonly upload: Upload;
  private readonly done: Promise<unknown>;
  /** When the upload last took bytes or finished a part: a stalled S3 shows as no activity. */
  private active = Date.now();
  rows = 0;
  size = 0;

  constructor(
    private readonly s3: S3Store,
    readonly url: string,
    gzip: boolean,
  ) {
    const { bucket, key } = parseS3Url(url)!;
    const counted = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        this.bytes += chunk.length;
        this.active = Date.now();
        cb(null, chunk);
      },
    });
    const body = gzip ? this.input.pipe(createGzip()).pipe(counted) : this.input.pipe(counted);
    this.upload = new Upload({ client: s3.client, params: { Bucket: bucket, Key: key, Body: body } });
    this.upload.on('httpUploadProgress', () => {
      this.active = Date.now();
    });
    this.done = this.upload.done();
    this.done.catch(() => {});
  }

  /** Waits for the upload, failing (and aborting it) when S3 makes no progress for idleMs. */
  private async progress(work: Promise<unknown>): Promise<void> {
    const { idleMs } = this.s3.timeouts;
    try {
      await untilIdle(
        work,
        idleMs,
        () => this.active,
        () =>
          new S3Error(
            `Write timed out: S3 took no data for ${idleMs} ms after ${this.bytes} bytes`,
            0,
            'RequestTimeout',
            this.url,
          ),
      );
    } catch (err) {
      void this.upload.abort().catch(() => {});
      this.input.destroy();
      throw toS3Error(err, this.url);
    }
  }

  async write(text: string): Promise<void> {
    this.size += Buffer.byteLength(text, 'utf8');
    if (!this.input.write(text)) await this.progress(Promise.race([once(this.input, 'drain'), this.done]));
  }

  async end(): Promise<WrittenFile> {
    this.input.end();
    await this.progress(this.done);
    return { url: this.url, bytes: this.bytes, rows: this.rows };
  }
}

export interface UnloadLayout {
  to: string;
  parallel: boolean;
  slices: number;
  gzip: boolean;
  extension: string;
  maxFileSize: number;
  /** Written at the start of every file (HEADER), or ''. */
  header: string;
}

/** <prefix><slice>_part_<nn> in parallel, <prefix><nnn> serially. */
export function unloadFileName(
  l: Pick<UnloadLayout, 'to' | 'parallel' | 'extension'>,
  slice: number,
  part: number,
): string {
  return l.parallel
    ? `${l.to}${String(slice).padStart(4, '0')}_part_${String(part).padStart(2, '0')}${l.extension}`
    : `${l.to}${String(part).padStart(3, '0')}${l.extension}`;
}

export class UnloadWriter {
  private readonly open = new Map<number, ObjectStream>();
  private readonly parts = new Map<number, number>();
  private readonly files: WrittenFile[] = [];
  private rows = 0;

  constructor(
    private readonly s3: S3Store,
    private readonly layout: UnloadLayout,
  ) {}

  /** Writes one formatted row to the file of the slice that gets it (round robin across slices). */
  async write(line: string): Promise<void> {
    const slice = this.layout.parallel ? this.rows % this.layout.slices : 0;
    this.rows++;
    let file = this.open.get(slice);
    if (file && file.rows > 0 && file.size + Buffer.byteLength(line, 'utf8') > this.layout.maxFileSize) {
      this.files.push(await file.end());
      this.open.delete(slice);
      file = undefined;
    }
    if (!file) file = await this.start(slice);
    file.rows++;
    await file.write(line);
  }

  private async start(slice: number): Promise<ObjectStream> {
    const part = this.parts.get(slice) ?? 0;
    this.parts.set(slice, part + 1);
    const file = new ObjectStream(this.s3, unloadFileName(this.layout, slice, part), this.layout.gzip);
    this.open.set(slice, file);
    if (this.layout.header) await file.write(this.layout.header);
    return file;
  }

  /** Closes every file; serially, an empty result still writes one (empty or header-only) file. */
  async finish(): Promise<WrittenFile[]> {
    if (this.rows === 0 && !this.layout.parallel) await this.start(0);
    for (const f of this.open.values()) this.files.push(await f.end());
    this.open.clear();
    return this.files.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  }
}
