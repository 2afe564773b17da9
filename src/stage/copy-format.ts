// The format of staged files: the stage writes upshift's own CSV (UPSHIFT_CSV), sources
// describe users' files the same way, and each warehouse's COPY reads it.

/** How the staged files are encoded, so each warehouse can COPY them. */
export interface CopyFormat {
  /** csv: upshift's own parts and users' CSV; json (lines, keys matched to columns) and parquet: users' files read in place by Redshift. */
  kind: 'csv' | 'json' | 'parquet';
  /** Files are gzip-compressed. */
  gzip: boolean;
  /** Other compressions Redshift reads in place (gzip stays the `gzip` flag). Postgres/PGlite sources decompress before COPY. */
  compression?: 'bzip2' | 'zstd';
  delimiter?: string;
  quote?: string;
  /** Header lines to skip. */
  skipHeader?: number;
  /** The NULL sentinel; upshift's own files write \N. */
  nullAs?: string;
}

export const UPSHIFT_CSV: CopyFormat = { kind: 'csv', gzip: true, delimiter: ',', quote: '"', nullAs: '\\N' };
