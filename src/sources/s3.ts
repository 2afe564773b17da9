// fromS3File, fromS3Path, fromManifest: data already in S3.
// - Redshift: COPY reads the objects in place, from a manifest upshift writes to the stage
//   naming exactly the files meant (a bare prefix COPY would also load `prefix_old/...`).
// - Postgres / PGlite: CSV objects are streamed from S3 (decompressed here) into COPY;
//   JSON lines and Parquet, which COPY can't read, are parsed, validated and re-staged.
// - Files in another encoding than UTF-8 are decoded, validated and re-staged everywhere.
// Files carry no load order: duplicates on the upsert key need `orderBy`, else the load fails.
import { UpshiftConfigError } from '../config.js';
import { putObject } from '../s3/objects.js';
import type { S3Client } from '../s3/sdk.js';
import { Transform, type Readable } from 'node:stream';
import { loadColumns, type NormalizedValue } from '../model/validate.js';
import type { TableModel } from '../model/table.js';
import { buildManifest } from '../stage/manifest.js';
import type { S3Stage } from '../stage/s3.js';
import type { StagedLoad } from '../stage/types.js';
import { compressionFields } from '../stage/codec.js';
import type { CopyFormat } from '../stage/copy-format.js';
import { detectCompression, isParquetHead, openDecompressed, type FileCompression } from './decompress.js';
import { formatFromName } from './local-file.js';
import { readParquetFooter, validatedParquetRows } from './parquet.js';
import { fileError } from '../engine/source.js';
import { matchColumns, readCsvHeader, validatedCsvRows, validatedJsonRows, type CsvOptions } from './records.js';
import { stageRows } from '../engine/stage-rows.js';
import { withInputProgress } from './input-progress.js';
import { StrictDecoder, TextDecodeError, type DecodeOptions } from './text-decode.js';
import {
  getObject,
  headObject,
  listFolder,
  manifestObjects,
  mapLimit,
  objectHead,
  s3AsyncBuffer,
  s3ClientFor,
  type S3Object,
} from './s3-objects.js';
import type { PreparedSource, Source, SourceContext } from '../engine/source.js';

export type S3Format = 'csv' | 'jsonl' | 'parquet';

export interface S3SourceOptions extends CsvOptions, DecodeOptions {
  /** Default: 'parquet' when the first object starts with PAR1, else by name ('jsonl' for .jsonl/.ndjson/.json), else 'csv'. */
  format?: S3Format | undefined;
  /** The client that reads the objects; default the S3Stage's client. Redshift's COPY uses the database's IAM role or keys instead. */
  client?: S3Client | undefined;
  /**
   * Read every object through upshift's validator and re-stage it, on any warehouse (default
   * false: CSV, and on Redshift every format, is read by the warehouse's COPY as it is, under
   * COPY's own rules, e.g. extra decimal places are rounded rather than refused).
   */
  validate?: boolean | undefined;
  /**
   * CSV and JSON lines only. Any encoding but 'utf8' means upshift reads, decodes and
   * re-stages the files on every warehouse (as validate: true does): COPY reads UTF-8 only.
   */
  encoding?: DecodeOptions['encoding'];
}

type Locate = (client: S3Client, table: string) => Promise<S3Object[]>;

/** One S3 object. */
export function fromS3File(uri: string, options: S3SourceOptions = {}): Source {
  return s3Source(`S3 file: ${uri}`, uri, (client, table) => headObject(client, uri, table).then((o) => [o]), options);
}

/** Every data file under a folder (recursively; `_SUCCESS`, `.crc` and folder markers skipped). */
export function fromS3Path(prefix: string, options: S3SourceOptions = {}): Source {
  return s3Source(`S3 path: ${prefix}`, prefix, (client, table) => listFolder(client, prefix, table), options);
}

/** The files a Redshift manifest names (`{"entries":[{"url":...,"mandatory":true}]}`). */
export function fromManifest(uri: string, options: S3SourceOptions = {}): Source {
  return s3Source(`S3 manifest: ${uri}`, uri, (client, table) => manifestObjects(client, uri, table), options);
}

interface Sniffed {
  format: S3Format;
  compressions: FileCompression[];
}

async function sniff(client: S3Client, objects: S3Object[], options: S3SourceOptions, table: string): Promise<Sniffed> {
  const heads = await mapLimit(objects, 8, (o) => objectHead(client, o, table));
  const parquet = heads.map(isParquetHead);
  const format = options.format ?? (parquet[0] ? 'parquet' : formatFromName(objects[0]!.key));
  objects.forEach((o, i) => {
    if ((format === 'parquet') !== parquet[i]) {
      throw fileError(table, {
        file: o.uri,
        reason:
          format === 'parquet'
            ? 'is not a Parquet file (no PAR1 magic), but the load reads Parquet'
            : `is a Parquet file, but the load reads ${format}: load Parquet files separately`,
      });
    }
  });
  return { format, compressions: heads.map((h) => (format === 'parquet' ? 'none' : detectCompression(h))) };
}

/** The column header of every CSV object: they must agree, since one COPY reads them all. */
async function csvColumns(
  client: S3Client,
  model: TableModel,
  objects: S3Object[],
  options: S3SourceOptions,
): Promise<string[]> {
  const table = model.qualifiedName;
  if (!(options.header ?? true)) return matchColumns(model, options.columns ?? loadColumns(model), objects[0]!.uri);
  const headers = await mapLimit(objects, 8, async (o) => {
    const { stream } = await openDecompressed(await getObject(client, o.uri, table), o.uri);
    return readCsvHeader(stream, options, o.uri, table);
  });
  headers.forEach((h, i) => {
    if (h.join('\u0000') !== headers[0]!.join('\u0000')) {
      throw fileError(table, {
        file: objects[i]!.uri,
        reason: `has the header ${h.join(', ')}, unlike ${objects[0]!.uri} (${headers[0]!.join(', ')}): one load reads files of one layout`,
      });
    }
  });
  return matchColumns(model, options.columns ?? headers[0]!, objects[0]!.uri);
}

function s3Source(description: string, where: string, locate: Locate, options: S3SourceOptions): Source {
  return {
    describe: () => description,
    async prepare(ctx: SourceContext): Promise<PreparedSource> {
      const table = ctx.model.qualifiedName;
      const client = s3ClientFor(ctx, options.client, description);
      const objects = await locate(client, table);
      const sniffed = await sniff(client, objects, options, table);
      const encoding = options.encoding ?? 'utf8';
      if (encoding !== 'utf8' && sniffed.format === 'parquet') {
        throw fileError(table, {
          file: objects[0]!.uri,
          reason: `is Parquet, whose text is UTF-8 by definition: the encoding option (${encoding}) is for CSV and JSON lines`,
        });
      }
      if (options.validate || encoding !== 'utf8') return restaged(ctx, client, objects, sniffed.format, options);
      return ctx.copiesFromS3
        ? inPlace(ctx, client, objects, sniffed, options)
        : streamed(ctx, client, where, objects, sniffed, options);
    },
  };
}

// ---- Redshift: COPY reads the objects where they are -------------------------------------------

async function inPlace(
  ctx: SourceContext,
  client: S3Client,
  objects: S3Object[],
  sniffed: Sniffed,
  options: S3SourceOptions,
): Promise<PreparedSource> {
  const table = ctx.model.qualifiedName;
  const compression = sniffed.compressions[0]!;
  sniffed.compressions.forEach((c, i) => {
    if (c !== compression)
      throw fileError(table, {
        file: objects[i]!.uri,
        reason: `is ${c === 'none' ? 'uncompressed' : c}, unlike ${objects[0]!.uri} (${compression}): one Redshift COPY reads one compression`,
      });
  });
  let format: CopyFormat;
  let columns: string[];
  if (sniffed.format === 'parquet') {
    // Redshift maps Parquet columns by position: list the stage table's columns in the file's order.
    const footers = await mapLimit(objects, 8, (o) => readParquetFooter(s3AsyncBuffer(client, o, table), o.uri, table));
    footers.forEach((f, i) => {
      if (f.names.join('\u0000') !== footers[0]!.names.join('\u0000')) {
        throw fileError(table, {
          file: objects[i]!.uri,
          reason: `has the columns ${f.names.join(', ')}, unlike ${objects[0]!.uri} (${footers[0]!.names.join(', ')})`,
        });
      }
    });
    columns = matchColumns(ctx.model, footers[0]!.names, objects[0]!.uri);
    ctx.columnWatch?.file(columns, objects[0]!.uri);
    format = { kind: 'parquet', gzip: false };
  } else {
    const codec = compressionFields(compression);
    if (sniffed.format === 'jsonl') {
      // FORMAT JSON 'auto' matches keys to the listed columns, ignores unknown keys and loads NULL for absent ones.
      // Check the first object of each file as Postgres would check every one: unknown keys fail here too.
      await mapLimit(objects, 8, async (o) => matchColumns(ctx.model, await firstJsonKeys(client, o, table), o.uri));
      if (ctx.columnWatch?.partial) {
        // Absent keys load as NULL, unseen: a partial upsert can't tell which columns each line gives.
        throw fileError(table, {
          file: objects[0]!.uri,
          reason:
            "a partial upsert can't read JSON lines in place (Redshift's JSON 'auto' loads absent keys as NULL); load with validate: true to have every line's keys checked",
        });
      }
      columns = loadColumns(ctx.model);
      format = { kind: 'json', ...codec };
    } else {
      columns = await csvColumns(client, ctx.model, objects, options);
      ctx.columnWatch?.file(columns, objects[0]!.uri);
      format = csvFormat(options, codec);
    }
  }
  // The manifest goes to the stage, beside upshift's own loads: the audit trail of exactly what was read.
  if (ctx.stage.kind !== 's3')
    throw new UpshiftConfigError('Redshift reads S3 files in place through a manifest in the stage: use an S3Stage');
  const stage = ctx.stage as S3Stage;
  const manifestUri = stage.manifestUri(ctx.model, ctx.loadId);
  const key = manifestUri.slice(`s3://${stage.bucket}/`.length);
  const files = objects.map((o) => ({ uri: o.uri, bytes: o.bytes }));
  await putObject(stage.client, stage.bucket, key, JSON.stringify(buildManifest(files)), 'application/json');
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  ctx.onProgress?.({ rows: 0, bytes });
  const staged: StagedLoad = {
    loadId: ctx.loadId,
    target: ctx.model,
    files,
    manifestUri,
    bytes,
    compression: compression === 'gzip' ? 'gzip' : 'none',
  };
  return { staged, format, ordered: false, columns };
}

/** The keys of the first JSON object of a JSON-lines object (reads only up to its first line break). */
async function firstJsonKeys(client: S3Client, o: S3Object, table: string): Promise<string[]> {
  const { stream } = await openDecompressed(await getObject(client, o.uri, table), o.uri);
  const decoder = new StrictDecoder('utf8');
  const completeLine = (t: string) => {
    const lines = t.split('\n');
    return lines.find((l, i) => l.trim() !== '' && i < lines.length - 1);
  };
  let text = '';
  try {
    for await (const chunk of stream) {
      try {
        text += decoder.write(chunk as Buffer);
      } catch (err) {
        if (!(err instanceof TextDecodeError)) throw err;
        text += err.before;
        // A bad byte after the first object is COPY's to report (it reads the whole file).
        if (completeLine(text) === undefined)
          throw fileError(table, { file: o.uri, line: err.line, reason: err.message }, err);
      }
      const first = completeLine(text);
      if (first !== undefined) {
        text = first;
        break;
      }
      if (text.length > 16 * 1024 * 1024) break;
    }
  } finally {
    stream.destroy();
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text.split('\n').find((l) => l.trim() !== '') ?? '');
  } catch (err) {
    throw fileError(table, { file: o.uri, line: 1, reason: `is not a JSON object: ${(err as Error).message}` }, err);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    throw fileError(table, { file: o.uri, line: 1, reason: 'is not a JSON object keyed by column name' });
  return Object.keys(obj);
}

function csvFormat(options: S3SourceOptions, codec: Pick<CopyFormat, 'gzip' | 'compression'>): CopyFormat {
  return {
    kind: 'csv',
    ...codec,
    delimiter: options.delimiter ?? ',',
    quote: options.quote ?? '"',
    nullAs: options.nullAs ?? '',
    ...((options.header ?? true) ? { skipHeader: 1 } : {}),
  };
}

// ---- Postgres / PGlite: stream the objects from S3 ---------------------------------------------

async function streamed(
  ctx: SourceContext,
  client: S3Client,
  where: string,
  objects: S3Object[],
  sniffed: Sniffed,
  options: S3SourceOptions,
): Promise<PreparedSource> {
  const table = ctx.model.qualifiedName;
  if (sniffed.format === 'csv') {
    const columns = await csvColumns(client, ctx.model, objects, options);
    ctx.columnWatch?.file(columns, objects[0]!.uri);
    const files = objects.map((o) => ({ uri: o.uri, bytes: o.bytes }));
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    let read = 0;
    // COPY reads each object through here: decompressed whatever its codec, progress counted on the raw bytes.
    const readObject = async (uri: string): Promise<Readable> => {
      const raw = await getObject(client, uri, table);
      const counter = new Transform({
        transform(chunk: Buffer, _e, cb) {
          read += chunk.length;
          ctx.onProgress?.({ rows: 0, bytes: read, inputBytes: read, inputTotal: bytes });
          cb(null, chunk);
        },
      });
      raw.on('error', (err) => counter.destroy(err));
      return (await openDecompressed(raw.pipe(counter), uri)).stream;
    };
    const staged: StagedLoad = {
      loadId: ctx.loadId,
      target: ctx.model,
      files,
      manifestUri: where,
      bytes,
      compression: 'none',
    };
    return { staged, format: csvFormat(options, { gzip: false }), ordered: false, columns, read: readObject };
  }
  return restaged(ctx, client, objects, sniffed.format, options);
}

/** Every object validated and re-staged, with how much of the objects' bytes were read. */
function restaged(
  ctx: SourceContext,
  client: S3Client,
  objects: S3Object[],
  format: S3Format,
  options: S3SourceOptions,
): Promise<PreparedSource> {
  const input = withInputProgress(
    ctx,
    objects.reduce((n, o) => n + o.bytes, 0),
  );
  return stageRows(input.ctx, validatedRows(ctx, client, objects, format, options, input.count), false);
}

/** Every object's rows through the validator, one object after another. */
async function* validatedRows(
  ctx: SourceContext,
  client: S3Client,
  objects: S3Object[],
  format: S3Format,
  options: S3SourceOptions,
  count: (bytes: number) => void,
): AsyncGenerator<NormalizedValue[]> {
  if (format === 'parquet') {
    yield* parquetRows(ctx, client, objects, count);
    return;
  }
  for (const o of objects) {
    const raw = await getObject(client, o.uri, ctx.model.qualifiedName);
    const counter = new Transform({
      transform(chunk: Buffer, _e, done) {
        count(chunk.length);
        done(null, chunk);
      },
    });
    raw.on('error', (err) => counter.destroy(err));
    const { stream } = await openDecompressed(raw.pipe(counter), o.uri);
    yield* format === 'jsonl'
      ? validatedJsonRows(ctx.model, stream, o.uri, options, ctx.columnWatch)
      : validatedCsvRows(ctx.model, stream, options, o.uri, ctx.columnWatch);
  }
}

async function* parquetRows(
  ctx: SourceContext,
  client: S3Client,
  objects: S3Object[],
  count: (bytes: number) => void,
): AsyncGenerator<NormalizedValue[]> {
  for (const o of objects) {
    const ranged = s3AsyncBuffer(client, o, ctx.model.qualifiedName);
    const file = {
      byteLength: ranged.byteLength,
      slice: async (start: number, end?: number) => {
        const b = await ranged.slice(start, end);
        count(b.byteLength);
        return b;
      },
    };
    const footer = await readParquetFooter(file, o.uri, ctx.model.qualifiedName);
    yield* validatedParquetRows(ctx.model, file, footer, o.uri, ctx.columnWatch);
  }
}
