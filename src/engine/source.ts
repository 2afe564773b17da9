// A Source turns some input (rows, files, S3 objects, a query) into a staged load the
// warehouse can COPY. The engine owns the transaction; a source only prepares the files. The
// contract lives here, below the sources (src/sources/), which plug into the engine from above.
import type { Readable } from 'node:stream';
import type { TableModel } from '../model/table.js';
import type { BinaryDialect, ChunkOrigin, LoadIntent, Progress, Stage, StagedLoad } from '../stage/types.js';
import type { CopyFormat } from '../stage/copy-format.js';
import { LoadError } from '../warehouse/errors.js';

export interface SourceContext {
  model: TableModel;
  stage: Stage;
  /** How the target warehouse reads binary values (VARBYTE hex form). */
  binary: BinaryDialect;
  /** The warehouse's COPY reads S3 objects where they are (Redshift), so S3 sources need no re-staging. */
  copiesFromS3: boolean;
  loadId: string;
  onProgress?: (p: Progress) => void;
  /**
   * Where the warehouse can COPY while staging (Postgres): a source that encodes rows opens it
   * with the file's columns and passes `write` and `end` to writeRows as onChunk and
   * onRowsWritten, so every chunk is copied as it is staged. Once opened, all of the source's
   * rows must go through it.
   */
  copyWhileStaging?: (columns: readonly string[], ordered: boolean) => LiveSink;
  /** Told which model columns the source's data carries, as soon as the source knows (see ColumnWatch). */
  columnWatch?: ColumnWatch;
  /** The load's intent, for the manifest of what the source stages (pass it to writeRows / writeFiles). */
  intent?: () => LoadIntent | undefined;
}

/**
 * Which model columns a source gives, as it learns them: an upsert replaces whole rows, so a
 * source that lacks columns is refused (or, in a partial upsert, only its columns are updated).
 * Staged files may hold every load column (validated rows are staged whole, the missing ones
 * NULL); this is how the merge knows which of them the user actually gave.
 */
export interface ColumnWatch {
  /** A partial upsert: record sources check every record against the first one's columns. */
  readonly partial: boolean;
  /** A file's model columns (its header, Parquet footer, a data frame's fields), before its first row. Throws to refuse. */
  file(columns: readonly string[], where: string): void;
  /**
   * One object record (JSON lines; in-memory rows in a partial upsert only, since an omitted
   * optional key of a typed row means NULL) before it is validated. Throws a RowValidationError.
   */
  record(row: Record<string, unknown>, index: number): void;
}

/** What a source knows about its rows once they are all written. */
export interface RowFacts {
  /** No upsert key repeats (see PreparedSource.distinctKeys). */
  distinctKeys?: boolean | undefined;
}

export interface LiveSink {
  write: (chunk: Buffer, at: ChunkOrigin) => Promise<void> | undefined;
  /** Every row is written: the engine can start the merge while the parts are finished. */
  end: (facts: RowFacts) => void;
}
export interface PreparedSource {
  staged: StagedLoad;
  format: CopyFormat;
  /** True when the files carry upshift's load-order column as their last field. */
  ordered: boolean;
  /** The source saw that no upsert key repeats (e.g. strictly increasing keys): the dedupe pass can be skipped. */
  distinctKeys?: boolean | undefined;
  /** Model columns in file order (defaults to the model's load columns). */
  columns?: string[] | undefined;
  /** Reads a staged object when it is not in the warehouse's own stage (e.g. a user's S3 file). */
  read?: ((uri: string) => Promise<Readable>) | undefined;
}

export interface Source {
  /** What the audit row records as the source: a file path, a URI, query text. */
  describe(): string;
  prepare(ctx: SourceContext): Promise<PreparedSource>;
}

/** A LoadError about one place in a file (or query), as every source reports one. */
export function fileError(
  table: string,
  detail: { file: string; line?: number; column?: string; value?: string; reason: string },
  cause?: unknown,
): LoadError {
  return new LoadError(table, [detail], cause);
}
