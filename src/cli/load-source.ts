// `upshift load` flags -> the source: fromLocalFile or fromS3File / fromS3Path with the options
// the flags give. A flag that can't apply to the input (a CSV flag on Parquet, --trusted on S3)
// is a usage error naming the flag, before anything is read or loaded.
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { LocalFileOptions, S3SourceOptions, Source, TextEncoding } from '../sources/index.js';
import { CliError, ExitCode } from './exit-codes.js';

export interface SourceFlags {
  format?: string;
  delimiter?: string;
  quote?: string;
  /** false with --no-header, true with --header, undefined when neither was given (the source's default). */
  header?: boolean;
  columns?: string;
  nullAs?: string;
  trusted?: boolean;
  validate?: boolean;
  encoding?: string;
}

const FORMATS = ['csv', 'jsonl', 'parquet'] as const;
type Format = (typeof FORMATS)[number];

const usage = (message: string) => new CliError(message, ExitCode.USAGE);

/** What a user types for a delimiter or quote: one character, or \t / tab for a tab. */
function oneChar(flag: string, text: string): string {
  const value = text === '\\t' || text.toLowerCase() === 'tab' ? '\t' : text;
  if (value.length !== 1) throw usage(`${flag} ${JSON.stringify(text)}: give one character (\\t or tab for a tab)`);
  if (value === '\n' || value === '\r') throw usage(`${flag} cannot be a line break`);
  return value;
}

function columnList(text: string): string[] {
  const names = text.split(',').map((c) => c.trim());
  if (names.some((n) => n === ''))
    throw usage(`--columns ${JSON.stringify(text)}: give column names separated by commas, e.g. --columns id,name,qty`);
  return names;
}

/** The format a local file will be read as (as fromLocalFile decides it), for checking the flags. */
async function localFormat(file: string, given: Format | undefined): Promise<Format> {
  if (given) return given;
  if (/\.parquet$/i.test(file)) return 'parquet';
  const handle = await open(file, 'r').catch(() => undefined); // a missing file is the load's error to report
  if (handle) {
    try {
      const head = Buffer.alloc(4);
      const { bytesRead } = await handle.read(head, 0, 4, 0);
      if (bytesRead === 4 && head.toString('latin1') === 'PAR1') return 'parquet';
    } finally {
      await handle.close();
    }
  }
  const { formatFromName } = await import('../sources/local-file.js');
  return formatFromName(file);
}

/** The CSV-only flags that were given, by their names on the command line. */
function csvFlagsGiven(f: SourceFlags): string[] {
  return [
    f.delimiter !== undefined && '--delimiter',
    f.quote !== undefined && '--quote',
    f.header === false && '--no-header',
    f.header === true && '--header',
    f.columns !== undefined && '--columns',
    f.nullAs !== undefined && '--null-as',
  ].filter((x): x is string => typeof x === 'string');
}

export interface BuiltSource {
  source: Source;
  /** What the load reads, for messages: the path as given, or the s3:// URI. */
  input: string;
  format?: Format;
}

/** The source for `upshift load <table> <input>`; `forceValidate` (--dry-run) reads S3 files through the validator. */
export async function buildSource(
  input: string,
  flags: SourceFlags,
  workDir: string,
  forceValidate = false,
): Promise<BuiltSource> {
  if (flags.format !== undefined && !FORMATS.includes(flags.format as Format))
    throw usage(`--format ${flags.format}: give csv, jsonl or parquet`);
  let encoding: TextEncoding | undefined;
  if (flags.encoding !== undefined) {
    const { textEncoding, TEXT_ENCODINGS } = await import('../sources/text-decode.js');
    try {
      encoding = textEncoding(flags.encoding);
    } catch {
      throw usage(`--encoding ${flags.encoding}: give ${TEXT_ENCODINGS.join(', ')}`);
    }
  }
  const s3 = input.startsWith('s3://');
  const format = s3
    ? (flags.format as Format | undefined)
    : await localFormat(path.resolve(workDir, input), flags.format as Format | undefined);
  const csvFlags = csvFlagsGiven(flags);
  if (format && format !== 'csv' && csvFlags.length)
    throw usage(`${csvFlags.join(', ')} ${csvFlags.length > 1 ? 'are' : 'is'} for CSV; ${input} is read as ${format}`);
  if (format === 'parquet' && encoding && encoding !== 'utf8')
    throw usage(`--encoding is for CSV and JSON lines; Parquet text is UTF-8 by definition (${input})`);
  if (s3 && flags.trusted)
    throw usage(
      '--trusted is for local files (uploaded as they are); S3 files are already where COPY reads them (add --validate to have them checked)',
    );
  if (!s3 && flags.validate)
    throw usage('--validate is for s3:// inputs; local files are always validated (unless --trusted)');
  if (flags.trusted && format !== 'csv')
    throw usage(
      `--trusted is for CSV in the stage's dialect; ${input} is read as ${format}, which is parsed and validated (drop --trusted)`,
    );
  if (flags.trusted && encoding && encoding !== 'utf8')
    throw usage(
      `--trusted files are uploaded as they are, and the warehouse reads UTF-8: drop --trusted to have a ${encoding} file decoded`,
    );

  const csv = {
    ...(flags.delimiter !== undefined ? { delimiter: oneChar('--delimiter', flags.delimiter) } : {}),
    ...(flags.quote !== undefined ? { quote: oneChar('--quote', flags.quote) } : {}),
    ...(flags.header !== undefined ? { header: flags.header } : {}),
    ...(flags.columns !== undefined ? { columns: columnList(flags.columns) } : {}),
    ...(flags.nullAs !== undefined ? { nullAs: flags.nullAs } : {}),
    ...(encoding ? { encoding } : {}),
  };
  if (csv.delimiter !== undefined && csv.delimiter === (csv.quote ?? '"'))
    throw usage(`--delimiter and --quote are both ${JSON.stringify(csv.delimiter)}: they must differ`);
  const sources = await import('../sources/index.js');
  if (s3) {
    const opts: S3SourceOptions = {
      ...csv,
      ...(format ? { format } : {}),
      ...(flags.validate || forceValidate ? { validate: true } : {}),
    };
    return {
      source: input.endsWith('/') ? sources.fromS3Path(input, opts) : sources.fromS3File(input, opts),
      input,
      ...(format ? { format } : {}),
    };
  }
  const opts: LocalFileOptions = { ...csv, format: format!, ...(flags.trusted ? { trusted: true } : {}) };
  return { source: sources.fromLocalFile(path.resolve(workDir, input), opts), input, format: format! };
}
