// Compression is detected from a file's first bytes (magic numbers), not its name: a `.csv`
// that is really gzip, or a `.gz` that isn't, both load or fail clearly.
// The codecs themselves are stage/codec.ts's (gzip, zstd on every Node, bzip2 in memory).
import { UpshiftError } from '../errors.js';
import { Readable, Transform } from 'node:stream';
import { createDecompressor } from '../stage/codec.js';

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
  const codec = createDecompressor(compression)!;
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
