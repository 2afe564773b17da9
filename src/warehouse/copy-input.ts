// Reading staged files back for warehouses that COPY from a stream (Postgres, PGlite).
import { UnsupportedError } from '../errors.js';
import type { Readable } from 'node:stream';
import { quoteIdent, qualifiedName } from '../sql/identifiers.js';
import { postgresLiteral } from '../sql/literals.js';
import { compressionOfFormat, createDecompressor } from '../stage/codec.js';
import type { Stage } from '../stage/types.js';
import { decodePostgresCopyError } from './errors.js';
import type { CopyFormat } from '../stage/copy-format.js';
import type { CopyStep } from './warehouse.js';

/** Opens one staged file as a stream of uncompressed bytes. */
export async function openStaged(stage: Stage, step: CopyStep, uri: string): Promise<Readable> {
  const raw = await (step.read ? step.read(uri) : stage.read(uri));
  const decompress = createDecompressor(compressionOfFormat(step.format));
  return decompress ? raw.pipe(decompress) : raw;
}

/**
 * What a load's transaction relies on, set on its own session whatever the server's defaults:
 * staged times are UTC wall times, and the COPY options spell NULL as '\\N', which a server with
 * standard_conforming_strings = off would read as 'N' (turning NULL into "\\N" and "N" into NULL).
 * DateStyle and IntervalStyle fix how staged dates and intervals are read.
 */
export const POSTGRES_LOAD_SETTINGS: readonly string[] = [
  "SET LOCAL TIME ZONE 'UTC'",
  'SET LOCAL standard_conforming_strings = on',
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
];

/** The same for a query exported as CSV (unload): exact floats, hex bytea. */
export const POSTGRES_EXPORT_SETTINGS: readonly string[] = [
  ...POSTGRES_LOAD_SETTINGS,
  'SET LOCAL extra_float_digits = 3',
  "SET LOCAL bytea_output = 'hex'",
];

/** Postgres COPY options for a CSV format (standard_conforming_strings: \N is two characters). */
export function postgresCopyOptions(format: CopyFormat): string {
  // Postgres COPY reads CSV only: sources re-stage JSON and Parquet as CSV for it.
  if (format.kind !== 'csv')
    throw new UnsupportedError(`Postgres COPY cannot read ${format.kind} files: the source must re-stage them as CSV`);
  const opts = [
    'FORMAT csv',
    `DELIMITER ${postgresLiteral(format.delimiter ?? ',')}`,
    `QUOTE ${postgresLiteral(format.quote ?? '"')}`,
    `NULL ${postgresLiteral(format.nullAs ?? '\\N')}`,
  ];
  if (format.skipHeader) opts.push('HEADER true');
  return opts.join(', ');
}

export function copyTarget(step: Pick<CopyStep, 'table' | 'columns'>): string {
  return `${qualifiedName(step.table.schema, step.table.name)} (${step.columns.map(quoteIdent).join(', ')})`;
}

/**
 * Runs one COPY per staged file, so an error names the file and its own line number, and
 * returns the rows loaded. `load` gets each file as uncompressed bytes.
 */
export async function copyEachFile(
  stage: Stage,
  step: CopyStep,
  load: (input: Readable) => Promise<number>,
): Promise<number> {
  let total = 0;
  for (const file of step.load.files) {
    try {
      total += await load(await openStaged(stage, step, file.uri));
    } catch (err) {
      throw decodePostgresCopyError(step.table.name, file.uri, err);
    }
  }
  return total;
}
