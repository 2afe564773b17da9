// Redshift's COPY statement: target, column list, source and options.
import { RedshiftError, syntaxError } from './errors.js';
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

export const INVALID_CREDENTIALS =
  "Invalid credentials. Must be of the format: credentials 'aws_iam_role=...' or " +
  "'aws_access_key_id=...;aws_secret_access_key=...[;token=...]'";

/** Options without a value that the emulator accepts and ignores (the others have their own case below). */
const NO_VALUE = new Set(['explicit_ids', 'acceptanydate', 'roundec', 'ssh', 'encrypted', 'readratio']);

export function parseCopy(sql: string): CopyStatement {
  const sig = significant(tokenize(sql));
  let i = 1;
  const nameStart = i;
  while (
    i < sig.length &&
    (sig[i]!.type === 'ident' || sig[i]!.type === 'qident' || isPunct(sig[i], '.')) &&
    !isWord(sig[i], 'from')
  )
    i++;
  const nameTokens = sig.slice(nameStart, i);
  if (!nameTokens.length) throw syntaxError(sig[i]?.text ?? 'end of input');
  let columns: string[] | undefined;
  if (isPunct(sig[i], '(')) {
    const close = closingParen(sig, i);
    columns = splitTopLevel(sig.slice(i + 1, close)).map((c) => identName(c[0]!));
    i = close + 1;
  }
  if (!isWord(sig[i], 'from')) throw syntaxError(sig[i]?.text ?? 'end of input');
  const src = sig[i + 1];
  if (src?.type !== 'string') throw syntaxError(src?.text ?? 'end of input');
  i += 2;
  const st: CopyStatement = {
    table: render(nameTokens),
    tableName: identName(nameTokens[nameTokens.length - 1]!),
    columns,
    from: unescapeRedshift(src.value),
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
  let delimiterSet = false;
  let credentials = false;
  const str = (k: number): string => {
    let j = k;
    if (isWord(sig[j], 'as')) j++;
    const t = sig[j];
    if (t?.type !== 'string') throw syntaxError(t?.text ?? 'end of input');
    i = j + 1;
    return unescapeRedshift(t.value);
  };
  const num = (k: number): number => {
    let j = k;
    if (isWord(sig[j], 'as')) j++;
    const t = sig[j];
    if (t?.type !== 'number') throw syntaxError(t?.text ?? 'end of input');
    i = j + 1;
    return Number(t.text);
  };
  if (isWord(sig[i], 'with')) i++;
  while (i < sig.length) {
    const t: Token = sig[i]!;
    const w = t.type === 'ident' ? t.value : '';
    switch (w) {
      case 'iam_role':
        if (isWord(sig[i + 1], 'default')) i += 2;
        else str(i + 1);
        credentials = true;
        break;
      case 'access_key_id':
      case 'secret_access_key':
      case 'session_token':
        str(i + 1);
        credentials = true;
        break;
      case 'credentials':
      case 'with_credentials': {
        const c = str(i + 1);
        if (!/aws_iam_role=|aws_access_key_id=.+;\s*aws_secret_access_key=/i.test(c))
          throw new RedshiftError(INVALID_CREDENTIALS, 'XX000');
        credentials = true;
        break;
      }
      case 'manifest':
        st.manifest = true;
        i++;
        break;
      case 'format':
        i++;
        if (isWord(sig[i], 'as')) i++;
        break;
      case 'csv':
        st.format = 'csv';
        if (!delimiterSet) st.delimiter = ',';
        i++;
        if (isWord(sig[i], 'quote')) st.quote = str(i + 1);
        break;
      case 'quote':
        st.quote = str(i + 1);
        break;
      case 'json': {
        st.format = 'json';
        const j = isWord(sig[i + 1], 'as') ? i + 2 : i + 1;
        if (sig[j]?.type === 'string') st.jsonOption = str(i + 1);
        else i++;
        break;
      }
      case 'parquet':
        st.format = 'parquet';
        i++;
        break;
      case 'avro':
      case 'orc':
      case 'fixedwidth':
      case 'shapefile':
      case 'lzop':
        throw new RedshiftError(`COPY ${w.toUpperCase()} is not supported by the emulator`, '0A000');
      case 'delimiter':
        st.delimiter = str(i + 1);
        delimiterSet = true;
        break;
      case 'null':
        st.nullAs = str(i + 1);
        break;
      case 'ignoreheader':
        st.ignoreHeader = num(i + 1);
        break;
      case 'gzip':
        st.compression = 'gzip';
        i++;
        break;
      case 'bzip2':
        st.compression = 'bzip2';
        i++;
        break;
      case 'zstd':
        st.compression = 'zstd';
        i++;
        break;
      case 'dateformat':
        st.dateFormat = str(i + 1);
        break;
      case 'timeformat':
        st.timeFormat = str(i + 1);
        break;
      case 'emptyasnull':
        st.emptyAsNull = true;
        i++;
        break;
      case 'blanksasnull':
        st.blanksAsNull = true;
        i++;
        break;
      case 'truncatecolumns':
        st.truncateColumns = true;
        i++;
        break;
      case 'escape':
        st.escape = true;
        i++;
        break;
      case 'removequotes':
        st.removeQuotes = true;
        i++;
        break;
      case 'fillrecord':
        st.fillRecord = true;
        i++;
        break;
      case 'ignoreblanklines':
        st.ignoreBlankLines = true;
        i++;
        break;
      case 'trimblanks':
        st.trimBlanks = true;
        i++;
        break;
      case 'maxerror':
        st.maxError = num(i + 1);
        break;
      case 'noload':
        st.noLoad = true;
        i++;
        break;
      case 'region':
        st.region = str(i + 1);
        break;
      case 'acceptinvchars': {
        const j = isWord(sig[i + 1], 'as') ? i + 2 : i + 1;
        if (sig[j]?.type === 'string') st.acceptInvChars = str(i + 1);
        else {
          st.acceptInvChars = '?';
          i++;
        }
        break;
      }
      case 'compupdate':
      case 'statupdate':
        i++;
        if (isWord(sig[i], 'on', 'off', 'true', 'false', 'preset')) i++;
        break;
      case 'encoding':
        i++;
        if (isWord(sig[i], 'as')) i++;
        i++;
        break;
      case 'comprows':
      case 'maxfilesize':
        num(i + 1);
        break;
      default:
        if (NO_VALUE.has(w)) {
          i++;
          break;
        }
        throw syntaxError(t.text);
    }
  }
  if (!credentials) throw new RedshiftError(INVALID_CREDENTIALS, 'XX000');
  if (st.format === 'csv' && st.escape) throw new RedshiftError('CSV is not compatible with ESCAPE', 'XX000');
  return st;
}
