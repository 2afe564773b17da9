// A Parquet file on this machine: read through ranged reads of the file (one row group at a time,
// as parquet.ts does for S3 objects), validated and re-staged as upshift's CSV on every warehouse.
import { open, type FileHandle } from 'node:fs/promises';
import type { AsyncBuffer } from 'hyparquet';
import type { NormalizedValue } from '../model/validate.js';
import { readParquetFooter, validatedParquetRows } from './parquet.js';
import { fileError } from '../engine/source.js';
import { stageRows } from '../engine/stage-rows.js';
import { withInputProgress } from './input-progress.js';
import type { PreparedSource, SourceContext } from '../engine/source.js';

/** The file as hyparquet's AsyncBuffer; `onRead` counts the bytes each range read brings in. */
function fileBuffer(handle: FileHandle, size: number, onRead: (bytes: number) => void): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const length = Math.max(0, (end ?? size) - start);
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(buf, got, length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      onRead(got);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + got);
    },
  };
}

/** Stages a local Parquet file's rows (fromLocalFile with format 'parquet' comes here). */
export async function prepareLocalParquet(ctx: SourceContext, file: string, size: number): Promise<PreparedSource> {
  const table = ctx.model.qualifiedName;
  const handle = await open(file, 'r').catch((err: Error) => {
    throw fileError(table, { file, reason: `cannot be read: ${err.message}` }, err);
  });
  const input = withInputProgress(ctx, size);
  const buffer = fileBuffer(handle, size, input.count);
  async function* rows(): AsyncGenerator<NormalizedValue[]> {
    const footer = await readParquetFooter(buffer, file, table);
    yield* validatedParquetRows(ctx.model, buffer, footer, file, ctx.columnWatch);
  }
  try {
    // Rows of a file have an order: a later row wins over an earlier one with the same key.
    return await stageRows(input.ctx, rows(), true);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
