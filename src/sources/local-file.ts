// fromLocalFile: a CSV or JSON-lines file on this machine, gzip/zstd/bzip2 detected from its
// first bytes. Decoded strictly (UTF-8 by default, or the encoding given), parsed, matched to
// the model's columns by header name or a given column list, validated row by row and
// re-staged, at constant memory. `trusted: true` skips
// all that for a file already in the stage's CSV dialect and uploads it as it is.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { resolve } from 'node:path';
import { loadColumns } from '../model/validate.js';
import { partExtension, upshiftCsvIn } from '../stage/codec.js';
import { UPSHIFT_CSV } from '../stage/copy-format.js';
import { isParquetHead, openDecompressed } from './decompress.js';
import { withInputProgress } from './input-progress.js';
import { prepareLocalParquet } from './local-parquet.js';
import { fileError } from '../engine/source.js';
import { matchColumns, readCsvHeader, validatedCsvRows, validatedJsonRows, type CsvOptions } from './records.js';
import { stageRows } from '../engine/stage-rows.js';
import type { DecodeOptions } from './text-decode.js';
import type { PreparedSource, Source, SourceContext } from '../engine/source.js';

export type TextFormat = 'csv' | 'jsonl';

export interface LocalFileOptions extends CsvOptions, DecodeOptions {
  /**
   * 'csv', 'jsonl' (one JSON object per line) or 'parquet'. Default: 'parquet' for a .parquet
   * name or a file that starts with PAR1, 'jsonl' for .jsonl/.ndjson/.json names (before any
   * .gz/.zst/.bz2), else 'csv'.
   */
  format?: TextFormat | 'parquet' | undefined;
  /**
   * The file is already in the stage's CSV dialect (comma, '"' quotes, NULL as unquoted \N,
   * UTF-8, plain or gzip): upload it as it is, unvalidated and without load order. The
   * warehouse's COPY is then the only check. Header defaults to false here.
   */
  trusted?: boolean | undefined;
}

/** 'jsonl' for .jsonl / .ndjson / .json (optionally compressed), else 'csv'. */
export function formatFromName(name: string): TextFormat {
  return /\.(jsonl|ndjson|json)(\.(gz|gzip|zst|zstd|bz2))?$/i.test(name) ? 'jsonl' : 'csv';
}

export function fromLocalFile(path: string, options: LocalFileOptions = {}): Source {
  const file = resolve(path);
  const named = options.format ?? (/\.parquet$/i.test(file) ? 'parquet' : undefined);
  return {
    describe: () => `local file${options.trusted ? ' (trusted)' : ''}: ${file} (${named ?? formatFromName(file)})`,
    async prepare(ctx: SourceContext): Promise<PreparedSource> {
      const table = ctx.model.qualifiedName;
      const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
        throw fileError(
          table,
          { file, reason: err.code === 'ENOENT' ? 'no such file' : `cannot be read: ${err.message}` },
          err,
        );
      });
      if (!info.isFile()) throw fileError(table, { file, reason: 'is not a file' });
      const format = named ?? ((await startsWithPar1(file)) ? 'parquet' : formatFromName(file));
      if (format === 'parquet') {
        if (options.trusted)
          throw fileError(table, {
            file,
            reason: 'trusted files must be CSV in the stage dialect; Parquet is read and validated (drop trusted)',
          });
        if ((options.encoding ?? 'utf8') !== 'utf8')
          throw fileError(table, {
            file,
            reason: `is Parquet, whose text is UTF-8 by definition: the encoding option (${options.encoding}) is for CSV and JSON lines`,
          });
        return prepareLocalParquet(ctx, file, info.size);
      }
      if (options.trusted) return prepareTrusted(ctx, file, format, options);
      const input = withInputProgress(ctx, info.size);
      const { stream } = await openDecompressed(counted(createReadStream(file), input.count), file);
      const rows =
        format === 'jsonl'
          ? validatedJsonRows(ctx.model, stream, file, options, ctx.columnWatch)
          : validatedCsvRows(ctx.model, stream, options, file, ctx.columnWatch);
      // Lines have an order: a later line wins over an earlier one with the same key.
      return stageRows(input.ctx, rows, true);
    },
  };
}

/** Whether the file starts with Parquet's magic bytes. */
async function startsWithPar1(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return isParquetHead(head.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** The file's bytes, telling `count` how many went by (raw, before decompression); a read error reaches the reader. */
function counted(raw: Readable, count: (bytes: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      count(chunk.length);
      done(null, chunk);
    },
  });
  raw.on('error', (err) => counter.destroy(err));
  return raw.pipe(counter);
}

async function prepareTrusted(
  ctx: SourceContext,
  file: string,
  format: TextFormat,
  options: LocalFileOptions,
): Promise<PreparedSource> {
  const table = ctx.model.qualifiedName;
  if (format !== 'csv')
    throw fileError(table, {
      file,
      reason: 'trusted files must be CSV in the stage dialect; JSON lines are parsed and validated (drop trusted)',
    });
  if ((options.encoding ?? 'utf8') !== 'utf8')
    throw fileError(table, {
      file,
      reason: `trusted files are uploaded as they are, and the warehouse reads UTF-8: drop trusted to have a ${options.encoding} file decoded and re-staged`,
    });
  const opened = await openDecompressed(createReadStream(file), file);
  if (opened.compression !== 'none' && opened.compression !== 'gzip') {
    opened.stream.destroy();
    throw fileError(table, {
      file,
      reason: `is ${opened.compression}-compressed; trusted files must be plain or gzip CSV (drop trusted to have it decompressed and re-staged)`,
    });
  }
  const compression = opened.compression;
  let columns = options.columns ? matchColumns(ctx.model, options.columns, file) : undefined;
  if (options.header) {
    const names = await readCsvHeader(opened.stream, { ...UPSHIFT_CSV, nullAs: '\\N' }, file, table);
    columns ??= matchColumns(ctx.model, names, file);
  } else {
    opened.stream.destroy();
  }
  if (columns) ctx.columnWatch?.file(columns, file);
  const copyFormat = { ...upshiftCsvIn(compression), ...(options.header ? { skipHeader: 1 } : {}) };
  const staged = await ctx.stage.writeFiles([createReadStream(file)], {
    target: ctx.model,
    loadId: ctx.loadId,
    extension: partExtension(compression),
    // Enough for a replay to COPY the file again as this load does.
    describe: { format: copyFormat, columns: columns ?? loadColumns(ctx.model), ordered: false },
    ...(ctx.intent ? { intent: ctx.intent } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
  return { staged, format: copyFormat, ordered: false, ...(columns ? { columns } : {}) };
}
