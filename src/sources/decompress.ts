// Compression is detected from a file's first bytes (magic numbers), not its name: a `.csv`
// that is really gzip, or a `.gz` that isn't, both load or fail clearly.
// What Node 20 can decompress: gzip natively (zlib, streaming); zstd with fzstd (pure JS,
// streaming; node:zlib gains zstd only in Node 22.15); bzip2 with seek-bzip (pure JS, whole
// file in memory: no maintained streaming bzip2 decoder exists for Node).
import { UpshiftError } from '../errors.js';
import { createRequire } from 'node:module';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Decompress as ZstdDecompressType } from 'fzstd';

// Loaded by the first zstd or bzip2 file, not by `import('upshift')` (both are CommonJS).
const require = createRequire(import.meta.url);
const zstdDecompressor = (): typeof ZstdDecompressType =>
  (require('fzstd') as { Decompress: typeof ZstdDecompressType }).Decompress;
const bunzip = () => require('seek-bzip') as { decode(b: Buffer, out?: unknown, multistream?: boolean): Uint8Array };

export type FileCompression = 'gzip' | 'bzip2' | 'zstd' | 'none';

/** The compression a file's first bytes announce. Parquet ('PAR1') reports 'none'. */
export function detectCompression(head: Uint8Array): FileCompression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2'; // "BZh"
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export const isParquetHead = (head: Uint8Array): boolean =>
  head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31; // "PAR1"

/** Reads the first `n` bytes of a stream and gives back a stream that still starts at byte 0. */
export async function peek(stream: Readable, n = 4): Promise<{ head: Buffer; stream: Readable }> {
  const it = stream[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : (r.value as Buffer);
    chunks.push(chunk);
    length += chunk.length;
  }
  const first = Buffer.concat(chunks);
  async function* replay(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value as Buffer;
    }
  }
  const out = Readable.from(replay(), { objectMode: false });
  // Destroying the replay must close the underlying stream too (an S3 socket, a file handle).
  out.once('close', () => {
    if (!stream.destroyed) stream.destroy();
  });
  return { head: first.subarray(0, n), stream: out };
}

/** A file that claims a compression but does not decompress: names the file and the codec. */
export class UnreadableFileError extends UpshiftError {
  declare readonly code: 'FILE_UNREADABLE';
  override name = 'UnreadableFileError';
  constructor(
    readonly file: string,
    readonly compression: FileCompression,
    cause: unknown,
  ) {
    super(
      'FILE_UNREADABLE',
      `${file} looks ${compression}-compressed (by its first bytes) but cannot be decompressed: ${(cause as Error)?.message ?? String(cause)}`,
      { cause },
    );
  }
}

function zstdStream(): Transform {
  const ZstdDecompress = zstdDecompressor();
  // z is made below: the transform uses it only once written to, when both exist
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        z.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        z.push(new Uint8Array(0), true);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  const z = new ZstdDecompress((data) => {
    t.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
  return t;
}

function bzip2Stream(): Transform {
  const chunks: Buffer[] = [];
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
    flush(cb) {
      try {
        cb(null, Buffer.from(bunzip().decode(Buffer.concat(chunks), undefined, true)));
      } catch (err) {
        cb(err instanceof Error ? err : new Error(String(err)));
      }
    },
  });
}

/**
 * The file's bytes, decompressed whatever the compression (detected from the first bytes).
 * A decompression failure surfaces on the returned stream as an UnreadableFileError naming `file`.
 */
export async function openDecompressed(
  raw: Readable,
  file: string,
): Promise<{ stream: Readable; compression: FileCompression; head: Buffer }> {
  const { head, stream } = await peek(raw, 4);
  const compression = detectCompression(head);
  if (compression === 'none') return { stream, compression, head };
  const codec = compression === 'gzip' ? createGunzip() : compression === 'zstd' ? zstdStream() : bzip2Stream();
  const out = new Transform({ transform: (chunk, _e, cb) => cb(null, chunk) });
  stream.on('error', (err) => out.destroy(err));
  codec.on('error', (err) =>
    out.destroy(err instanceof UnreadableFileError ? err : new UnreadableFileError(file, compression, err)),
  );
  stream.pipe(codec).pipe(out);
  out.once('close', () => {
    stream.destroy();
    codec.destroy();
  });
  return { stream: out, compression, head };
}
