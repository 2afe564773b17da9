// What both stages share: rows -> parts -> manifest (written last), files -> parts -> manifest,
// and list/read/delete by load id. A subclass only supplies the backend (where bytes go).
import { UnsupportedError, UsageError } from '../errors.js';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NormalizedValue } from '../model/validate.js';
import type { PartSink, StageBackend } from './backend.js';
import { createCsvLineEncoder } from './csv.js';
import { checkCompression, compressionOfName, partExtension, upshiftCsvIn } from './codec.js';
import {
  isTempName,
  loadDir,
  loadIdDate,
  MANIFEST_NAME,
  newLoadId,
  PART_FILE,
  partName,
  parseLoadPath,
} from './layout.js';
import { buildManifest, parseManifest } from './manifest.js';
import { DEFAULT_COMPRESS_AHEAD, discardAll, writeRowParts } from './parts.js';
import type {
  Compression,
  InventoryObject,
  LoadFolder,
  LoadIntent,
  Manifest,
  ManifestLoad,
  Stage,
  StagedFile,
  StagedLoad,
  StageInventory,
  StageTarget,
  WriteFilesOptions,
  WriteRowsOptions,
} from './types.js';

/** Tuning shared by both stages. */
export interface PartOptions {
  /**
   * Staged (compressed) bytes per part before a new group of parts starts. Default 64 MiB,
   * inside Redshift's advice of 1 MB-1 GB per file.
   */
  partBytes?: number | undefined;
  /** Parts are written in groups of this many, so their count is a multiple of it (the cluster's slice count). */
  slices?: number | undefined;
  /**
   * How parts are compressed. Default 'gzip'. 'zstd' (Node 22.15 and later; Redshift COPY
   * reads it from Amazon S3 only) measured 10-21% less CPU per row, 19-28% more rows/s at
   * slices 1 and 26-35% fewer bytes than gzip level 1 (bench/stage.bench.ts, Node 22);
   * 'none' stages plain CSV.
   */
  compression?: Compression | undefined;
  /** gzip level 1-9. Default 1: measured ~1.5x the throughput of level 6 for files ~2% larger (bench/stage.bench.ts). */
  gzipLevel?: number | undefined;
  /**
   * Where a load fed to a live COPY spills raw text before compressing it: a private folder
   * (0700) made here per load and removed when it ends. Default: the system temp folder.
   */
  spillDir?: string | undefined;
  /**
   * 64 KiB chunks of text queued per part for compression before the row loop waits (default 4).
   * Parts compress on zlib's thread pool, on other cores, while the rows are encoded; memory is
   * about this many chunks per part being written. 1 encodes and compresses in turn (one core).
   */
  compressAhead?: number | undefined;
}

export const DEFAULT_PART_BYTES = 64 * 1024 * 1024;
export const DEFAULT_GZIP_LEVEL = 1;

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

export abstract class StageBase implements Stage {
  abstract readonly kind: 'local' | 's3';
  protected abstract readonly backend: StageBackend;
  readonly partBytes: number;
  readonly slices: number;
  readonly compression: Compression;
  readonly gzipLevel: number;
  readonly spillDir: string | undefined;
  readonly compressAhead: number;

  constructor(options: PartOptions, defaultSlices: number) {
    this.spillDir = options.spillDir;
    this.partBytes = checkInt('partBytes', options.partBytes ?? DEFAULT_PART_BYTES, 1024, 5 * 1024 ** 4);
    this.slices = checkInt('slices', options.slices ?? defaultSlices, 1, 10_000);
    this.compression = checkCompression(options.compression ?? 'gzip');
    this.gzipLevel = checkInt('gzipLevel', options.gzipLevel ?? DEFAULT_GZIP_LEVEL, 1, 9);
    this.compressAhead = checkInt('compressAhead', options.compressAhead ?? DEFAULT_COMPRESS_AHEAD, 1, 64);
  }

  async writeRows(
    rows: Iterable<NormalizedValue[]> | AsyncIterable<NormalizedValue[]>,
    options: WriteRowsOptions,
  ): Promise<StagedLoad> {
    const loadId = options.loadId ?? newLoadId();
    const dir = loadDir(options.target, loadId);
    const compression = options.compression === undefined ? this.compression : checkCompression(options.compression);
    if (options.binary !== 'redshift' && options.binary !== 'postgres')
      throw new UsageError(`binary must be 'redshift' or 'postgres', got ${JSON.stringify(options.binary)}`);
    const encode = createCsvLineEncoder({
      columns: options.columns,
      ordinal: options.ordinal,
      binary: options.binary,
      ...(options.columnNames ? { columnNames: options.columnNames } : {}),
    });
    const { files, rows: count } = await writeRowParts(this.backend, rows, {
      dir,
      extension: partExtension(compression),
      compression,
      gzipLevel: this.gzipLevel,
      partBytes: this.partBytes,
      slices: this.slices,
      encode,
      onProgress: options.onProgress,
      onChunk: options.onChunk,
      onRowsWritten: options.onRowsWritten,
      spillRoot: this.spillDir,
      compressAhead: this.compressAhead,
    });
    const manifestUri = await this.commitManifest(dir, files, {
      ...describeLoad(options.target, loadId),
      format: upshiftCsvIn(compression),
      ...(options.columnNames ? { columns: [...options.columnNames] } : {}),
      ordered: options.ordinal,
      binary: options.binary,
      rows: count,
      ...intentOf(options.intent),
    });
    return { loadId, target: options.target, files, manifestUri, rows: count, bytes: sum(files), compression };
  }

  async writeFiles(
    files: AsyncIterable<Readable> | Iterable<Readable>,
    options: WriteFilesOptions,
  ): Promise<StagedLoad> {
    const loadId = options.loadId ?? newLoadId();
    const dir = loadDir(options.target, loadId);
    if (!/^\.[0-9A-Za-z._-]{1,32}$/.test(options.extension)) {
      throw new UsageError(
        `writeFiles extension ${JSON.stringify(options.extension)} must start with a dot, like '.csv.gz' or '.parquet'`,
      );
    }
    const written: Array<{ sink: PartSink; input: Readable; settled: Promise<unknown> }> = [];
    const staged: StagedFile[] = [];
    let total = 0;
    try {
      for await (const file of files as AsyncIterable<Readable>) {
        const sink = this.backend.openPart(`${dir}/${partName(staged.length, options.extension)}`);
        let bytes = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _enc, cb) {
            bytes += chunk.length;
            total += chunk.length;
            options.onProgress?.({ rows: 0, bytes: total });
            cb(null, chunk);
          },
        });
        const settled = pipeline(file, counter, sink.stream).then(() => sink.commit());
        written.push({ sink, input: file, settled });
        await settled;
        staged.push({ uri: sink.uri, bytes });
      }
    } catch (err) {
      await discardAll(written.map((w) => ({ sink: w.sink, input: w.input, settled: w.settled })));
      throw err;
    }
    if (staged.length === 0)
      throw new UsageError('writeFiles got no files: a load needs at least one (Redshift refuses an empty manifest)');
    const manifestUri = await this.commitManifest(dir, staged, {
      ...describeLoad(options.target, loadId),
      ...options.describe,
      ...intentOf(options.intent),
    });
    const compression = compressionOfName(options.extension);
    return { loadId, target: options.target, files: staged, manifestUri, bytes: sum(staged), compression };
  }

  /** Writes the manifest after every part is complete; if that fails, removes the parts. */
  private async commitManifest(dir: string, files: StagedFile[], load: ManifestLoad): Promise<string> {
    try {
      return await this.backend.putSmall(
        `${dir}/${MANIFEST_NAME}`,
        JSON.stringify(buildManifest(files, load)),
        'application/json',
      );
    } catch (err) {
      const objects = await this.backend.list(dir).catch(() => []);
      await this.backend.remove(objects.map((o) => `${dir}/${o.name}`)).catch(() => {});
      throw err;
    }
  }

  read(uri: string): Promise<Readable> {
    return this.backend.read(uri);
  }

  async readManifest(uri: string): Promise<Manifest> {
    const stream = await this.backend.read(uri);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return parseManifest(Buffer.concat(chunks).toString('utf8'), uri);
  }

  async list(target: StageTarget, loadId: string): Promise<StagedFile[]> {
    const objects = await this.backend.list(loadDir(target, loadId));
    return objects.filter((o) => PART_FILE.test(o.name)).map((o) => ({ uri: o.uri, bytes: o.bytes }));
  }

  /** The manifest's URI for a load (whether or not it exists). */
  manifestUri(target: StageTarget, loadId: string): string {
    return this.backend.uriOf(`${loadDir(target, loadId)}/${MANIFEST_NAME}`);
  }

  async findManifest(loadId: string): Promise<string | null> {
    const { yyyy, mm, dd } = loadIdDate(loadId);
    const tail = `/${yyyy}/${mm}/${dd}/${loadId}/${MANIFEST_NAME}`;
    for (const table of await this.needs('listFolders')('')) {
      const dir = `${table}/${yyyy}/${mm}/${dd}/${loadId}`;
      if ((await this.backend.list(dir)).some((o) => o.name === MANIFEST_NAME))
        return this.backend.uriOf(`${dir}/${MANIFEST_NAME}`);
    }
    // Before saying "not there", look at every object: some S3-compatible stores (s3rver) list
    // no common prefixes for keys nested deeper than one level.
    const hit = (await this.needs('walk')('')).find(
      (o) => o.relPath.endsWith(tail) && parseLoadPath(o.relPath) !== null,
    );
    return hit ? hit.uri : null;
  }

  /** A backend method that listing by id and gc need (every stage upshift ships has them). */
  private needs<K extends 'walk' | 'listFolders'>(method: K): NonNullable<StageBackend[K]> {
    const fn = this.backend[method];
    if (!fn)
      throw new UnsupportedError(
        `this stage's backend cannot ${method === 'walk' ? 'list all its objects' : 'list its folders'}, which stage gc and replay by load id need`,
      );
    return fn.bind(this.backend) as NonNullable<StageBackend[K]>;
  }

  /** Every load folder (by the layout; anything else under the base is not the stage's) and every hidden temp file. */
  async inventory(): Promise<StageInventory> {
    const loads = new Map<string, LoadFolder>();
    const tempFiles: InventoryObject[] = [];
    for (const o of await this.needs('walk')('')) {
      const object: InventoryObject = { relPath: o.relPath, uri: o.uri, bytes: o.bytes, modified: o.modified };
      const name = o.relPath.slice(o.relPath.lastIndexOf('/') + 1);
      if (isTempName(name)) {
        tempFiles.push(object);
        continue;
      }
      const at = parseLoadPath(o.relPath);
      if (!at) continue;
      const key = `${at.target}/${at.loadId}`;
      let folder = loads.get(key);
      if (!folder) loads.set(key, (folder = { target: at.target, loadId: at.loadId, objects: [], hasManifest: false }));
      folder.objects.push(object);
      if (at.name === MANIFEST_NAME) folder.hasManifest = true;
    }
    return { loads: [...loads.values()], tempFiles };
  }

  /** Removes objects by path relative to the base, then the folders they leave empty. */
  async removeStaged(relPaths: readonly string[]): Promise<void> {
    await this.backend.remove([...relPaths]);
    const folders = new Set<string>();
    for (const p of relPaths) {
      const segments = p.split('/').slice(0, -1);
      for (let n = segments.length; n > 0; n--) folders.add(segments.slice(0, n).join('/'));
    }
    // Deepest first: a folder is empty only once its sub-folders are gone.
    for (const f of [...folders].sort((a, b) => b.split('/').length - a.split('/').length))
      await this.backend.removeDir(f);
  }

  async delete(load: Pick<StagedLoad, 'target' | 'loadId'>): Promise<void> {
    const dir = loadDir(load.target, load.loadId);
    // Manifest first: a delete cut short never leaves a manifest naming missing parts.
    await this.backend.remove([`${dir}/${MANIFEST_NAME}`]);
    const objects = await this.backend.list(dir);
    await this.backend.remove(objects.map((o) => `${dir}/${o.name}`));
    await this.backend.removeDir(dir);
  }
}

/** The manifest's `intent` entry, when the load gives one. */
function intentOf(intent: (() => LoadIntent | undefined) | undefined): Pick<ManifestLoad, 'intent'> {
  const value = intent?.();
  return value ? { intent: value } : {};
}

const describeLoad = (target: StageTarget, loadId: string): ManifestLoad => ({
  version: 1,
  loadId,
  target: `${target.schema}.${target.name}`,
});

const sum = (files: readonly StagedFile[]): number => files.reduce((n, f) => n + f.bytes, 0);
