// The contract between the engine and a stage. The engine validates rows (model), hands the
// normalized rows to a Stage, and gets back a StagedLoad: the part files and the manifest that
// the warehouse then COPYs (Redshift from S3; Postgres/PGlite by streaming the parts back).
import type { Readable } from 'node:stream';
import type { ColumnSpec } from '../model/columns.js';
import type { NormalizedValue } from '../model/validate.js';
import type { CopyFormat } from './copy-format.js';

export interface StageTarget {
  readonly schema: string;
  readonly name: string;
}

/** How VARBYTE values are written: Redshift reads bare hex, Postgres bytea reads \x-prefixed hex. */
export type BinaryDialect = 'redshift' | 'postgres';

/** How staged parts are compressed (stage/codec.ts): zstd is written on Node 22.15 and later. */
export type Compression = 'gzip' | 'zstd' | 'none';

export interface Progress {
  rows: number;
  /** Staged bytes (compressed) that have reached the stage so far. */
  bytes: number;
  /**
   * CSV text encoded so far (rows written from values). It grows with the rows; `bytes` can lag
   * behind it, e.g. on Postgres, where parts are compressed only once the rows are all copied.
   */
  encodedBytes?: number;
  /** Bytes of the input read so far (as stored: compressed bytes of a compressed file), where the source can count them. */
  inputBytes?: number;
  /** The input's size in bytes, where known (a local file, the S3 objects listed): with inputBytes, the share done. */
  inputTotal?: number;
  /** What the load is doing (set by the engine): a load can spend its last seconds copying and merging with no row count changing. */
  phase?: LoadPhase;
}

/**
 * reading: opening the input (headers, footers, S3 listings) before the first row is staged;
 * staging: rows validated, encoded and written to the stage; copying: the warehouse's COPY into
 * the stage table (on Postgres it runs while staging, and finishes after); merging: the
 * transaction that applies the stage table to the target.
 */
export type LoadPhase = 'reading' | 'staging' | 'copying' | 'merging';

export interface WriteRowsOptions {
  target: StageTarget;
  /** The column specs in the order of each row's values (the model's loadColumns). */
  columns: readonly ColumnSpec[];
  /** Append a load-order column (1-based ordinal) as the last field, so the merge keeps the last row per key. */
  ordinal: boolean;
  binary: BinaryDialect;
  /** Defaults to a fresh time-sortable id. */
  loadId?: string | undefined;
  /** Overrides the stage's own compression (PartOptions.compression) for this load. */
  compression?: Compression | undefined;
  onProgress?: ((p: Progress) => void) | undefined;
  /** Column names (same order as `columns`), so an encoding error can name the column. */
  columnNames?: readonly string[] | undefined;
  /**
   * Gets every encoded CSV chunk (uncompressed, whole lines) as it is written, with where its
   * lines sit in their part, so a warehouse can COPY while the parts are staged. A returned
   * promise holds the writer back until it settles (backpressure).
   */
  onChunk?: ((chunk: Buffer, at: ChunkOrigin) => Promise<void> | undefined) | undefined;
  /**
   * Called once every row's text has gone to onChunk, before the parts are finished. With
   * onChunk, compressed parts are spilled raw to a temp file and compressed after this point (and
   * when a group of parts closes), so compression does not compete with the live COPY.
   */
  onRowsWritten?: (() => void) | undefined;
  /** The load's intent, asked for when the manifest is written (after the last row: the given columns are known then). */
  intent?: (() => LoadIntent | undefined) | undefined;
}

/** Where a chunk's lines are in the staged files: part `uri`, lines `line` .. `line + rows - 1` (1-based). */
export interface ChunkOrigin {
  uri: string;
  line: number;
  rows: number;
}

export interface WriteFilesOptions {
  target: StageTarget;
  loadId?: string | undefined;
  /** File name suffix, e.g. '.csv.gz', '.jsonl', '.parquet'; used for the part names. */
  extension: string;
  onProgress?: ((p: Progress) => void) | undefined;
  /** How the files are encoded, recorded in the manifest so the load can be replayed; without it a replay refuses. */
  describe?: Pick<ManifestLoad, 'format' | 'columns' | 'ordered'> | undefined;
  /** As for writeRows. */
  intent?: (() => LoadIntent | undefined) | undefined;
}

export interface StagedFile {
  /** s3://bucket/key for S3; file:///abs/path for a local stage. */
  uri: string;
  bytes: number;
  /** Rows in the file, where known (files written from rows). */
  rows?: number;
}

export interface StagedLoad {
  loadId: string;
  target: StageTarget;
  files: StagedFile[];
  /** The manifest (Redshift format) naming exactly these files. */
  manifestUri: string;
  rows?: number;
  bytes: number;
  /** How the files are compressed: bzip2 only for a user's files read in place (a replayed S3 source). */
  compression: Compression | 'bzip2';
}

/** Redshift's manifest format. */
export interface Manifest {
  /** meta.record_count: rows in the file, where known (as UNLOAD's MANIFEST VERBOSE writes it; COPY accepts it). */
  entries: Array<{ url: string; mandatory: boolean; meta?: { content_length?: number; record_count?: number } }>;
  /** What upshift knows about the staged load (manifests written by the stage since replay). COPY reads only url and mandatory. */
  upshift?: ManifestLoad;
}

/**
 * Beside the entries, a stage's manifest says how its files are to be read back, so a replay
 * loads them exactly as the original load would have. Fields a stage could not know are absent.
 */
export interface ManifestLoad {
  version: 1;
  loadId: string;
  /** 'schema.table' the load was staged for. */
  target: string;
  /** How the files are encoded (upshift's own CSV for rows; what the caller said for files). */
  format?: CopyFormat;
  /** Model columns in file order, without the load-order column. */
  columns?: string[];
  /** The files end each line with the load-order column (later lines win among duplicates). */
  ordered?: boolean;
  /** How VARBYTE values were written (rows only). */
  binary?: BinaryDialect;
  rows?: number;
  /** How the load meant to apply the files: a replay does the same unless told otherwise. */
  intent?: LoadIntent;
}

/** What a load asked for, beyond the files: recorded so a replay applies them as the load would have. */
export interface LoadIntent {
  mode?: string | undefined;
  /** A partial upsert, and the columns it updates (the files may hold every column, the others NULL). */
  partial?: boolean | undefined;
  givenColumns?: string[] | undefined;
  orderBy?: string | undefined;
}

export interface Stage {
  readonly kind: 'local' | 's3';
  /** Encodes normalized rows as CSV parts (+ manifest) for COPY, at constant memory. */
  writeRows(
    rows: Iterable<NormalizedValue[]> | AsyncIterable<NormalizedValue[]>,
    options: WriteRowsOptions,
  ): Promise<StagedLoad>;
  /** Stages already-encoded files as they are (e.g. a trusted CSV), as parts + manifest. */
  writeFiles(files: AsyncIterable<Readable> | Iterable<Readable>, options: WriteFilesOptions): Promise<StagedLoad>;
  /** Reads one staged object back as raw bytes (still compressed if it was). */
  read(uri: string): Promise<Readable>;
  readManifest(uri: string): Promise<Manifest>;
  /** The staged files of a load (by load id), e.g. for replay or audit. */
  list(target: StageTarget, loadId: string): Promise<StagedFile[]>;
  /** Deletes a load's files and manifest. Retention is the caller's choice: loads keep them by default. */
  delete(load: Pick<StagedLoad, 'target' | 'loadId'>): Promise<void>;
  /** The manifest's URI for a load (whether or not it exists). */
  manifestUri?(target: StageTarget, loadId: string): string;
  /** Where a load's manifest is when only its id is known: looks in every table's folder (null when none has it). */
  findManifest?(loadId: string): Promise<string | null>;
  /** Every load folder in the stage and every leftover temp file, for `upshift stage gc`. */
  inventory?(): Promise<StageInventory>;
  /** Removes objects by their path relative to the stage base (from inventory()); missing ones are fine. */
  removeStaged?(relPaths: readonly string[]): Promise<void>;
}

/** One stored object as gc sees it. */
export interface InventoryObject {
  /** Path relative to the stage base. */
  relPath: string;
  uri: string;
  bytes: number;
  modified: Date;
}

/** The files of one load folder `<schema>.<table>/<yyyy>/<mm>/<dd>/<loadId>/`. */
export interface LoadFolder {
  /** The folder's first segment, 'schema.table'. */
  target: string;
  loadId: string;
  objects: InventoryObject[];
  hasManifest: boolean;
}

export interface StageInventory {
  loads: LoadFolder[];
  /** Hidden temp files (a write cut short by a killed process), outside the loads' counts. */
  tempFiles: InventoryObject[];
}
