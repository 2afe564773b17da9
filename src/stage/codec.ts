// The compressions staged files are written in, and read back with: the one place that knows
// how each codec is made. gzip is node:zlib on every Node. zstd is written only where node:zlib
// has it (Node 22.15 / 23.8 on), and read on every Node: natively there, with fzstd (pure JS,
// streaming) on Node 20. Redshift COPY reads both (ZSTD from Amazon S3 only); Postgres and
// PGlite get the parts decompressed here.
import { createRequire } from 'node:module';
import { Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import type { Decompress as ZstdDecompressType } from 'fzstd';
import { UnsupportedError, UsageError } from '../errors.js';
import { UPSHIFT_CSV, type CopyFormat } from './copy-format.js';
import type { Compression } from './types.js';

export const COMPRESSIONS: readonly Compression[] = ['gzip', 'zstd', 'none'];

/**
 * zstd level of staged parts. Level 1 measured on the stage bench's rows (1M, one stream, Node
 * 22): 4.4M rows/s per core against gzip level 1's 2.5M, for 26% fewer bytes (12.6 MB against
 * 17.1 MB). Level 2 took about the same CPU for 10.4 MB there and level 3 40% more CPU for 11.0 MB.
 */
export const ZSTD_LEVEL = 1;

/** The zstd half of node:zlib, where this Node has it (@types/node 20 does not describe it). */
interface NativeZstd {
  createZstdCompress(options: zlib.ZlibOptions & { params?: Record<number, number> }): Transform;
  createZstdDecompress(): Transform;
  constants: { ZSTD_c_compressionLevel: number };
}

function nativeZstd(): NativeZstd | undefined {
  const z = zlib as unknown as Partial<NativeZstd>;
  return typeof z.createZstdCompress === 'function' && z.constants?.ZSTD_c_compressionLevel !== undefined
    ? (z as NativeZstd)
    : undefined;
}

/** Whether this Node can write zstd parts. */
export const canWriteZstd = (): boolean => nativeZstd() !== undefined;

/** A known compression this Node can write, or a clear error (checked when a stage is made, before any row). */
export function checkCompression(value: unknown): Compression {
  if (!COMPRESSIONS.includes(value as Compression))
    throw new UsageError(`compression must be 'gzip', 'zstd' or 'none', got ${JSON.stringify(value)}`);
  if (value === 'zstd' && !canWriteZstd()) throw zstdUnavailable();
  return value as Compression;
}

const zstdUnavailable = () =>
  new UnsupportedError(
    `compression 'zstd' needs node:zlib's zstd (Node 22.15 or later); this is Node ${process.version}: use 'gzip'`,
  );

/** The part file extension of a compression. */
export const partExtension = (c: Compression): string =>
  c === 'gzip' ? '.csv.gz' : c === 'zstd' ? '.csv.zst' : '.csv';

/** The compression a staged file's name says it has (files a user hands over as they are). */
export const compressionOfName = (name: string): Compression =>
  /\.gz$/i.test(name) ? 'gzip' : /\.zst$/i.test(name) ? 'zstd' : 'none';

/** How a COPY format says a compression (gzip is its own flag, for the formats staged before zstd). */
export function compressionFields(c: Compression | 'bzip2'): Pick<CopyFormat, 'gzip' | 'compression'> {
  return { gzip: c === 'gzip', ...(c === 'zstd' || c === 'bzip2' ? { compression: c } : {}) };
}

/** upshift's own CSV in a compression: what COPY is told about the parts. */
export const upshiftCsvIn = (c: Compression | 'bzip2'): CopyFormat => ({ ...UPSHIFT_CSV, ...compressionFields(c) });

/** The compression a COPY format describes. */
export function compressionOfFormat(format: CopyFormat): Compression | 'bzip2' {
  return format.gzip ? 'gzip' : (format.compression ?? 'none');
}

/** Stream options for a compressor: zlib's chunk and queue sizes. */
export interface CompressorTuning {
  chunkSize?: number | undefined;
  writableHighWaterMark?: number | undefined;
}

/** A compressing stream; undefined for 'none'. */
export function createCompressor(
  c: Compression,
  gzipLevel: number,
  tuning: CompressorTuning = {},
): Transform | undefined {
  // zlib and stream options left undefined take their defaults.
  const options = tuning as zlib.ZlibOptions;
  if (c === 'gzip') return zlib.createGzip({ ...options, level: gzipLevel });
  if (c === 'none') return undefined;
  const zstd = nativeZstd();
  if (!zstd) throw zstdUnavailable();
  return zstd.createZstdCompress({ ...options, params: { [zstd.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } });
}

/** A decompressing stream for a compression a stage wrote or a source found; undefined for 'none'. */
export function createDecompressor(c: Compression | 'bzip2'): Transform | undefined {
  if (c === 'gzip') return zlib.createGunzip();
  if (c === 'zstd') return nativeZstd()?.createZstdDecompress() ?? fzstdStream();
  if (c === 'bzip2') return bzip2Stream();
  return undefined;
}

// Loaded by the first zstd or bzip2 file that needs them, not by `import('upshift')` (both are CommonJS).
const require = createRequire(import.meta.url);
const fzstdDecompress = (): typeof ZstdDecompressType =>
  (require('fzstd') as { Decompress: typeof ZstdDecompressType }).Decompress;
const bunzip = () => require('seek-bzip') as { decode(b: Buffer, out?: unknown, multistream?: boolean): Uint8Array };

/** zstd with fzstd, for a Node without node:zlib's zstd. */
function fzstdStream(): Transform {
  const ZstdDecompress = fzstdDecompress();
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

/** bzip2 with seek-bzip: the whole file in memory (no maintained streaming bzip2 decoder exists for Node). */
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
