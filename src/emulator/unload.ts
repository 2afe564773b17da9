// UNLOAD ('query') TO 's3://prefix': runs the query on the client's backend session and writes the
// result to S3 in files named as Redshift names them (<prefix><slice>_part_<nn> in parallel,
// <prefix><nnn> serially), with an optional manifest.
import { stringify } from 'csv-stringify/sync';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Backend } from './backend.js';
import type { EmulatorContext } from './context.js';
import { BackendError, RedshiftError, syntaxError } from './errors.js';
import { listPrefix, parseS3Url, putObject } from './s3.js';
import {
  closingParen,
  identName,
  isPunct,
  isWord,
  significant,
  splitTopLevel,
  tokenize,
  unescapeRedshift,
  type Token,
} from './sql.js';
import {
  CREDENTIAL_OPTIONS,
  flagOption,
  OptionReader,
  readOptions,
  requireCredentials,
  unsupportedOption,
  type CredentialState,
  type FlagField,
  type OptionHandler,
  type OptionTable,
} from './options.js';
import type { FieldDesc } from './wire.js';
import { UnloadWriter, unloadFileName, type UnloadLayout, type WrittenFile } from './unload-write.js';
import {
  checkJsonNames,
  jsonLine,
  partitionPath,
  partitioning,
  redshiftType,
  scaleOf,
  type ManifestType,
  type Partitioning,
} from './unload-format.js';

export interface UnloadStatement {
  query: string;
  to: string;
  manifest: boolean;
  verbose: boolean;
  header: boolean;
  format: 'text' | 'csv' | 'parquet' | 'json';
  delimiter: string | undefined;
  addQuotes: boolean;
  escape: boolean;
  gzip: boolean;
  allowOverwrite: boolean;
  parallel: boolean;
  maxFileSize: number;
  nullAs: string;
  nullSet: boolean;
  extension: string | undefined;
  /** PARTITION BY's columns, or undefined; INCLUDE keeps them in the files. */
  partitionBy: string[] | undefined;
  partitionInclude: boolean;
}

function parseUnload(sql: string): UnloadStatement {
  const sig = significant(tokenize(sql));
  if (!isPunct(sig[1], '(') || sig[2]?.type !== 'string' || !isPunct(sig[3], ')'))
    throw syntaxError(sig[1]?.text ?? 'unload');
  if (!isWord(sig[4], 'to') || sig[5]?.type !== 'string') throw syntaxError(sig[4]?.text ?? 'end of input');
  const st: UnloadStatement = {
    query: unescapeRedshift(sig[2].value),
    to: unescapeRedshift(sig[5].value),
    ...UNLOAD_DEFAULTS,
  };
  const state: UnloadParse = { st, credentials: false };
  readOptions(new OptionReader(sig, 6), UNLOAD_OPTIONS, state);
  requireCredentials(state);
  checkFormatOptions(st);
  return st;
}

const UNLOAD_DEFAULTS: Omit<UnloadStatement, 'query' | 'to'> = {
  manifest: false,
  verbose: false,
  header: false,
  format: 'text',
  delimiter: undefined,
  addQuotes: false,
  escape: false,
  gzip: false,
  allowOverwrite: false,
  parallel: true,
  maxFileSize: 6.2 * 1024 ** 3,
  nullAs: '',
  nullSet: false,
  extension: undefined,
  partitionBy: undefined,
  partitionInclude: false,
};

/** The options each format refuses. */
function checkFormatOptions(st: UnloadStatement): void {
  if (st.format === 'parquet' && (st.header || st.addQuotes || st.delimiter || st.gzip || st.escape)) {
    throw new RedshiftError('PARQUET format does not support HEADER, ADDQUOTES, DELIMITER, ESCAPE or GZIP', 'XX000');
  }
  if (st.format === 'csv' && (st.addQuotes || st.escape))
    throw new RedshiftError('CSV is not compatible with ADDQUOTES or ESCAPE', 'XX000');
  if (st.format === 'json' && (st.delimiter !== undefined || st.header || st.addQuotes || st.escape || st.nullSet)) {
    throw new RedshiftError('JSON format does not support DELIMITER, HEADER, ADDQUOTES, ESCAPE or NULL AS', 'XX000');
  }
}

interface UnloadParse extends CredentialState {
  st: UnloadStatement;
}

type UnloadOption = OptionHandler<UnloadParse>;

const flag = (key: FlagField<UnloadStatement>): UnloadOption => flagOption<UnloadStatement>(key);

const format =
  (kind: UnloadStatement['format']): UnloadOption =>
  (_r, { st }) => {
    st.format = kind;
  };

const unsupported = (name: string): UnloadOption => unsupportedOption('UNLOAD', name);

/** MAXFILESIZE [AS] n [MB | GB], in MB when no unit is given. */
function maxFileSize(r: OptionReader, { st }: UnloadParse): void {
  r.skipWord('as');
  const n = Number(r.peek()?.text);
  r.skip();
  const unit = isWord(r.peek(), 'gb') ? 1024 ** 3 : 1024 ** 2;
  r.skipWord('mb', 'gb');
  st.maxFileSize = n * unit;
  if (st.maxFileSize < 5 * 1024 ** 2) throw new RedshiftError('MAXFILESIZE must be between 5 MB and 6.2 GB', 'XX000');
}

const UNLOAD_OPTIONS: OptionTable<UnloadParse> = {
  ...CREDENTIAL_OPTIONS,
  manifest: (r, { st }) => {
    st.manifest = true;
    if (r.skipWord('verbose')) st.verbose = true;
  },
  header: flag('header'),
  format: (r) => void r.skipWord('as'),
  csv: format('csv'),
  parquet: format('parquet'),
  json: format('json'),
  partition: (r, { st }) => {
    r.pos = parsePartitionBy(r.sig, r.pos, st);
  },
  delimiter: (r, { st }) => {
    st.delimiter = r.string();
  },
  addquotes: flag('addQuotes'),
  escape: flag('escape'),
  gzip: flag('gzip'),
  bzip2: unsupported('bzip2'),
  zstd: unsupported('zstd'),
  allowoverwrite: flag('allowOverwrite'),
  cleanpath: flag('allowOverwrite'),
  encrypted: () => {},
  null: (r, { st }) => {
    st.nullAs = r.string();
    st.nullSet = true;
  },
  extension: (r, { st }) => {
    st.extension = r.string();
  },
  region: (r) => void r.string(),
  parallel: (r, { st }) => {
    if (r.skipWord('off', 'false')) st.parallel = false;
    else r.skipWord('on', 'true');
  },
  maxfilesize: maxFileSize,
  rowgroupsize: (r) => {
    r.skip();
    r.skipWord('mb', 'gb');
  },
};

/** PARTITION BY ( col [, ...] ) [ INCLUDE ], from the token after PARTITION; returns the next index. */
function parsePartitionBy(sig: Token[], at: number, st: UnloadStatement): number {
  if (!isWord(sig[at], 'by')) throw syntaxError(sig[at]?.text ?? 'end of input');
  if (!isPunct(sig[at + 1], '(')) throw syntaxError(sig[at + 1]?.text ?? 'end of input');
  const close = closingParen(sig, at + 1);
  if (close < 0) throw syntaxError('end of input');
  const columns = splitTopLevel(sig.slice(at + 2, close)).map((c) => {
    if (c.length !== 1 || (c[0]!.type !== 'ident' && c[0]!.type !== 'qident')) throw syntaxError(c[0]?.text ?? ')');
    return identName(c[0]!);
  });
  st.partitionBy = columns;
  let i = close + 1;
  if (isWord(sig[i], 'include')) {
    st.partitionInclude = true;
    i++;
  }
  return i;
}

function textLine(row: Array<string | null>, st: UnloadStatement): string {
  const delim = st.delimiter ?? '|';
  return (
    row
      .map((v) => {
        if (v === null) return st.addQuotes && st.nullAs !== '' ? `"${st.nullAs}"` : st.nullAs;
        let s = v;
        if (st.escape)
          s = s
            .replace(/[\\\n\r"']/g, (c) => `\\${c}`)
            .split(delim)
            .join(`\\${delim}`);
        return st.addQuotes ? `"${s}"` : s;
      })
      .join(delim) + '\n'
  );
}

const INT32 = new Set([21, 23]);
const FLOAT = new Set([700]);
const DOUBLE = new Set([701]);

function parquetFile(fields: FieldDesc[], rows: Array<Array<string | null>>): Buffer {
  const columnData = fields.map((f, c) => {
    const raw = rows.map((r) => r[c] ?? null);
    if (INT32.has(f.typeOid))
      return { name: f.name, type: 'INT32' as const, data: raw.map((v) => (v === null ? null : Number(v))) };
    if (f.typeOid === 20)
      return { name: f.name, type: 'INT64' as const, data: raw.map((v) => (v === null ? null : BigInt(v))) };
    if (FLOAT.has(f.typeOid))
      return { name: f.name, type: 'FLOAT' as const, data: raw.map((v) => (v === null ? null : Number(v))) };
    if (DOUBLE.has(f.typeOid))
      return { name: f.name, type: 'DOUBLE' as const, data: raw.map((v) => (v === null ? null : Number(v))) };
    if (f.typeOid === 16)
      return { name: f.name, type: 'BOOLEAN' as const, data: raw.map((v) => (v === null ? null : v === 't')) };
    if (f.typeOid === 1114 || f.typeOid === 1184) {
      return {
        name: f.name,
        type: 'TIMESTAMP' as const,
        data: raw.map((v) =>
          v === null
            ? null
            : new Date(`${v.replace(' ', 'T')}${f.typeOid === 1114 ? 'Z' : ''}`.replace(/([+-]\d\d)$/, '$1:00')),
        ),
      };
    }
    return { name: f.name, type: 'STRING' as const, data: raw };
  });
  return Buffer.from(parquetWriteBuffer({ columnData }));
}

type Row = Array<string | null>;

/**
 * Where UNLOAD's rows go: one UnloadWriter per partition prefix (just one without PARTITION BY),
 * rows formatted as the statement asks, and what MANIFEST VERBOSE reports about the columns.
 */
class UnloadOutput {
  private fields: FieldDesc[] = [];
  private kept: FieldDesc[] = [];
  private parts: Partitioning | undefined;
  private readonly writers = new Map<string, UnloadWriter>();
  /** Largest scale seen per NUMERIC column without a declared one (for the manifest's schema). */
  private readonly scales = new Map<number, number>();
  private readonly csvOptions: Parameters<typeof stringify>[1];
  private header = '';
  count = 0;

  constructor(
    private readonly st: UnloadStatement,
    private readonly ctx: EmulatorContext,
  ) {
    // An empty string is written "" so it stays distinct from NULL (an empty field, unless NULL AS).
    this.csvOptions = { delimiter: st.delimiter ?? ',', quote: '"', record_delimiter: '\n', quoted_match: /^$/ };
  }

  get started(): boolean {
    return this.fields.length > 0;
  }
  get partitioned(): boolean {
    return this.parts !== undefined;
  }
  /** The columns written to the files (partition columns left out unless INCLUDE). */
  get fileFields(): FieldDesc[] {
    return this.kept;
  }

  /** Takes the query's columns: which are partition keys, which go to the files, and the header line. */
  start(fields: FieldDesc[]): void {
    this.fields = fields;
    this.parts = this.st.partitionBy ? partitioning(fields, this.st.partitionBy, this.st.partitionInclude) : undefined;
    const kept = this.parts ? this.parts.kept : fields.map((_f, c) => c);
    this.kept = kept.map((c) => fields[c]!);
    if (this.st.format === 'json') checkJsonNames(this.kept);
    const names = this.kept.map((f) => f.name);
    this.header = !this.st.header
      ? ''
      : this.st.format === 'csv'
        ? stringify([names], this.csvOptions)
        : names.join(this.st.delimiter ?? '|') + '\n';
  }

  /** The partition prefix of a row ('' without PARTITION BY) and the values written to the file. */
  split(row: Row): { path: string; values: Row } {
    this.observe(row);
    if (!this.parts) return { path: '', values: row };
    return { path: partitionPath(this.fields, this.parts, row), values: this.parts.kept.map((c) => row[c] ?? null) };
  }

  async write(row: Row): Promise<void> {
    this.count++;
    const { path, values } = this.split(row);
    await this.writer(path).write(this.line(values));
  }

  private line(values: Row): string {
    switch (this.st.format) {
      case 'csv':
        return stringify(
          [values.map((v) => (v === null && this.st.nullAs !== '' ? this.st.nullAs : v))],
          this.csvOptions,
        );
      case 'json':
        return jsonLine(this.kept, values);
      default:
        return textLine(values, this.st);
    }
  }

  private observe(row: Row): void {
    this.fields.forEach((f, c) => {
      const v = row[c];
      if (f.typeOid === 1700 && f.typeMod < 4 && v) this.scales.set(c, Math.max(this.scales.get(c) ?? 0, scaleOf(v)));
    });
  }

  layout(path: string): UnloadLayout {
    return {
      to: this.st.to + path,
      parallel: this.st.parallel,
      slices: this.st.parallel ? this.ctx.slices : 1,
      gzip: this.st.gzip,
      extension:
        this.st.extension !== undefined
          ? `.${this.st.extension}`
          : this.st.format === 'parquet'
            ? '.parquet'
            : this.st.gzip
              ? '.gz'
              : '',
      maxFileSize: this.st.maxFileSize,
      header: this.header,
    };
  }

  private writer(path: string): UnloadWriter {
    let w = this.writers.get(path);
    if (!w) {
      w = new UnloadWriter(this.ctx.s3, this.layout(path));
      this.writers.set(path, w);
    }
    return w;
  }

  /** Closes every file. Without PARTITION BY an empty result still gets its (serial) file. */
  async finish(): Promise<WrittenFile[]> {
    if (!this.parts && !this.writers.size) this.writer('');
    const files: WrittenFile[] = [];
    for (const w of this.writers.values()) files.push(...(await w.finish()));
    return files;
  }

  /** MANIFEST VERBOSE's schema block: the columns of the files, in Redshift's type names. */
  schema(): { elements: Array<{ name: string; type: ManifestType }> } {
    const kept = this.parts ? this.parts.kept : this.fields.map((_f, c) => c);
    return {
      elements: kept.map((c) => ({
        name: this.fields[c]!.name,
        type: redshiftType(this.fields[c]!, this.scales.get(c)),
      })),
    };
  }
}

/** PARQUET is written whole per file (row groups need the column data): rows grouped by partition, then by slice. */
async function writeParquet(out: UnloadOutput, rows: Row[], ctx: EmulatorContext): Promise<WrittenFile[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    out.count++;
    const { path, values } = out.split(row);
    (groups.get(path) ?? groups.set(path, []).get(path)!).push(values);
  }
  if (!groups.size && !out.partitioned && !out.layout('').parallel) groups.set('', []);
  const files: WrittenFile[] = [];
  for (const [path, group] of groups) {
    const layout = out.layout(path);
    const perSlice: Row[][] = Array.from({ length: layout.slices }, () => []);
    group.forEach((row, i) => perSlice[i % layout.slices]!.push(row));
    for (let s = 0; s < layout.slices; s++) {
      if (!perSlice[s]!.length && (layout.parallel || group.length)) continue;
      const url = unloadFileName(layout, s, 0);
      const body = parquetFile(out.fileFields, perSlice[s]!);
      await putObject(ctx.s3, url, body);
      files.push({ url, bytes: body.length, rows: perSlice[s]!.length });
    }
  }
  return files;
}

function manifestOf(st: UnloadStatement, out: UnloadOutput, files: WrittenFile[]): Record<string, unknown> {
  if (!st.verbose) return { entries: files.map((f) => ({ url: f.url, meta: { content_length: f.bytes } })) };
  // The reference: with HEADER, a file's record count includes its header line.
  const records = (f: WrittenFile): number => f.rows + (st.header ? 1 : 0);
  return {
    entries: files.map((f) => ({ url: f.url, meta: { content_length: f.bytes, record_count: records(f) } })),
    schema: out.schema(),
    meta: {
      content_length: files.reduce((n, f) => n + f.bytes, 0),
      record_count: files.reduce((n, f) => n + records(f), 0),
    },
    author: { name: 'Amazon Redshift', version: '1.0.0' },
  };
}

export async function runUnload(
  sql: string,
  backend: Backend,
  ctx: EmulatorContext,
  rewrite: (query: string) => string,
): Promise<{ tag: string; notices: string[] }> {
  const st = parseUnload(sql);
  st.query = rewrite(st.query);
  // The reference: with PARTITION BY a slash is added to the prefix if needed.
  if (st.partitionBy && !st.to.endsWith('/')) st.to += '/';
  const dest = parseS3Url(st.to);
  if (!dest) throw new RedshiftError(`Invalid S3 path: ${st.to}`, 'XX000');
  if (!st.allowOverwrite && (await listPrefix(ctx.s3, dest.bucket, dest.key)).length) {
    throw new RedshiftError(
      'Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, ' +
        'manually removing the target files in S3, or using the ALLOWOVERWRITE option.',
      'XX000',
    );
  }
  const out = new UnloadOutput(st, ctx);
  let files: WrittenFile[];
  if (st.format === 'parquet') {
    const r = await backend.query(st.query);
    if (r.error) throw new BackendError(r.error);
    out.start(r.fields);
    files = await writeParquet(out, r.rows, ctx);
  } else {
    const r = await backend.query(st.query, (row, desc) => {
      if (!out.started) out.start(desc);
      return out.write(row);
    });
    if (r.error) throw new BackendError(r.error);
    if (!out.started) out.start(r.fields);
    files = await out.finish();
  }
  files.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  if (st.manifest)
    await putObject(ctx.s3, `${st.to}manifest`, Buffer.from(JSON.stringify(manifestOf(st, out, files)), 'utf8'));
  return { tag: 'UNLOAD', notices: [`UNLOAD completed, ${out.count} record(s) unloaded successfully.`] };
}
