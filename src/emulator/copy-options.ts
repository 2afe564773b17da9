// Redshift's COPY statement: target, column list, source and options.
import { RedshiftError, syntaxError } from './errors.js';
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
import {
  closingParen,
  identName,
  isPunct,
  isWord,
  render,
  significant,
  splitTopLevel,
  tokenize,
  unescapeRedshift,
  type Token,
} from './sql.js';

export type CopyFormat = 'text' | 'csv' | 'json' | 'parquet';

export interface CopyStatement {
  table: string;
  tableName: string;
  columns: string[] | undefined;
  from: string;
  manifest: boolean;
  format: CopyFormat;
  /** JSON: 'auto', 'auto ignorecase', or an s3:// jsonpaths file. */
  jsonOption: string;
  delimiter: string;
  quote: string;
  nullAs: string | undefined;
  ignoreHeader: number;
  compression: 'none' | 'gzip' | 'bzip2' | 'zstd';
  dateFormat: string | undefined;
  timeFormat: string | undefined;
  emptyAsNull: boolean;
  blanksAsNull: boolean;
  truncateColumns: boolean;
  maxError: number;
  acceptInvChars: string | undefined;
  escape: boolean;
  removeQuotes: boolean;
  fillRecord: boolean;
  ignoreBlankLines: boolean;
  trimBlanks: boolean;
  region: string | undefined;
  /** NOLOAD: check the data, load nothing. */
  noLoad: boolean;
}

export { INVALID_CREDENTIALS } from './options.js';

export function parseCopy(sql: string): CopyStatement {
  const r = new OptionReader(significant(tokenize(sql)), 1);
  const state: CopyParse = { st: copyTarget(r), credentials: false, delimiterSet: false };
  r.skipWord('with');
  readOptions(r, COPY_OPTIONS, state);
  requireCredentials(state);
  if (state.st.format === 'csv' && state.st.escape)
    throw new RedshiftError('CSV is not compatible with ESCAPE', 'XX000');
  return state.st;
}

/** `table [(columns)] FROM 'source'`, from the token after COPY: the statement with every option at its default. */
function copyTarget(r: OptionReader): CopyStatement {
  const nameTokens = tableName(r);
  const columns = columnList(r);
  if (!r.skipWord('from')) throw syntaxError(r.peek()?.text ?? 'end of input');
  const src = r.peek();
  if (src?.type !== 'string') throw syntaxError(src?.text ?? 'end of input');
  r.skip();
  return {
    table: render(nameTokens),
    tableName: identName(nameTokens[nameTokens.length - 1]!),
    columns,
    from: unescapeRedshift(src.value),
    ...COPY_DEFAULTS,
  };
}

function tableName(r: OptionReader): Token[] {
  const start = r.pos;
  const isNamePart = (t: Token | undefined): boolean =>
    (t?.type === 'ident' || t?.type === 'qident' || isPunct(t, '.')) && !isWord(t, 'from');
  while (isNamePart(r.peek())) r.skip();
  const nameTokens = r.sig.slice(start, r.pos);
  if (!nameTokens.length) throw syntaxError(r.peek()?.text ?? 'end of input');
  return nameTokens;
}

function columnList(r: OptionReader): string[] | undefined {
  if (!isPunct(r.peek(), '(')) return undefined;
  const close = closingParen(r.sig, r.pos);
  const columns = splitTopLevel(r.sig.slice(r.pos + 1, close)).map((c) => identName(c[0]!));
  r.pos = close + 1;
  return columns;
}

const COPY_DEFAULTS: Omit<CopyStatement, 'table' | 'tableName' | 'columns' | 'from'> = {
  manifest: false,
  format: 'text',
  jsonOption: 'auto',
  delimiter: '|',
  quote: '"',
  nullAs: undefined,
  ignoreHeader: 0,
  compression: 'none',
  dateFormat: undefined,
  timeFormat: undefined,
  emptyAsNull: false,
  blanksAsNull: false,
  truncateColumns: false,
  maxError: 0,
  acceptInvChars: undefined,
  escape: false,
  removeQuotes: false,
  fillRecord: false,
  ignoreBlankLines: false,
  trimBlanks: false,
  region: undefined,
  noLoad: false,
};

interface CopyParse extends CredentialState {
  st: CopyStatement;
  /** CSV's default delimiter (a comma) does not override an explicit DELIMITER. */
  delimiterSet: boolean;
}

type CopyOption = OptionHandler<CopyParse>;

const flag = (key: FlagField<CopyStatement>): CopyOption => flagOption<CopyStatement>(key);

const compression =
  (kind: CopyStatement['compression']): CopyOption =>
  (_r, { st }) => {
    st.compression = kind;
  };

const unsupported = (name: string): CopyOption => unsupportedOption('COPY', name);

const ignored: CopyOption = () => {};

/** Options without a value that the emulator accepts and ignores (the others have their own handler below). */
const NO_VALUE = ['explicit_ids', 'acceptanydate', 'roundec', 'ssh', 'encrypted', 'readratio'];

const FORMAT_OPTIONS: OptionTable<CopyParse> = {
  format: (r) => void r.skipWord('as'),
  csv: (r, state) => {
    state.st.format = 'csv';
    if (!state.delimiterSet) state.st.delimiter = ',';
    if (r.skipWord('quote')) state.st.quote = r.string();
  },
  json: (r, { st }) => {
    st.format = 'json';
    st.jsonOption = r.optionalString() ?? st.jsonOption;
  },
  parquet: (_r, { st }) => {
    st.format = 'parquet';
  },
  ...Object.fromEntries(['avro', 'orc', 'fixedwidth', 'shapefile', 'lzop'].map((name) => [name, unsupported(name)])),
  gzip: compression('gzip'),
  bzip2: compression('bzip2'),
  zstd: compression('zstd'),
};

const DATA_OPTIONS: OptionTable<CopyParse> = {
  manifest: flag('manifest'),
  quote: (r, { st }) => {
    st.quote = r.string();
  },
  delimiter: (r, state) => {
    state.st.delimiter = r.string();
    state.delimiterSet = true;
  },
  null: (r, { st }) => {
    st.nullAs = r.string();
  },
  ignoreheader: (r, { st }) => {
    st.ignoreHeader = r.number();
  },
  dateformat: (r, { st }) => {
    st.dateFormat = r.string();
  },
  timeformat: (r, { st }) => {
    st.timeFormat = r.string();
  },
  emptyasnull: flag('emptyAsNull'),
  blanksasnull: flag('blanksAsNull'),
  truncatecolumns: flag('truncateColumns'),
  escape: flag('escape'),
  removequotes: flag('removeQuotes'),
  fillrecord: flag('fillRecord'),
  ignoreblanklines: flag('ignoreBlankLines'),
  trimblanks: flag('trimBlanks'),
  maxerror: (r, { st }) => {
    st.maxError = r.number();
  },
  noload: flag('noLoad'),
  region: (r, { st }) => {
    st.region = r.string();
  },
  acceptinvchars: (r, { st }) => {
    st.acceptInvChars = r.optionalString() ?? '?';
  },
};

/** Tuning options the emulator reads past. */
const IGNORED_OPTIONS: OptionTable<CopyParse> = {
  compupdate: (r) => void r.skipWord('on', 'off', 'true', 'false', 'preset'),
  statupdate: (r) => void r.skipWord('on', 'off', 'true', 'false', 'preset'),
  encoding: (r) => {
    r.skipWord('as');
    r.skip();
  },
  comprows: (r) => void r.number(),
  maxfilesize: (r) => void r.number(),
  ...Object.fromEntries(NO_VALUE.map((name) => [name, ignored])),
};

const COPY_OPTIONS: OptionTable<CopyParse> = {
  ...CREDENTIAL_OPTIONS,
  with_credentials: CREDENTIAL_OPTIONS.credentials!,
  ...FORMAT_OPTIONS,
  ...DATA_OPTIONS,
  ...IGNORED_OPTIONS,
};
