// UNLOAD ('query') TO 's3://prefix': runs the query on the client's backend session and writes the
// result to S3 in files named as Redshift names them (<prefix><slice>_part_<nn> in parallel,
// <prefix><nnn> serially), with an optional manifest.
import { stringify } from 'csv-stringify/sync';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { Backend } from './backend.js';
import type { EmulatorContext } from './context.js';
import { BackendError, RedshiftError, syntaxError } from './errors.js';
import { listPrefix, parseS3Url, putObject } from './s3.js';
import { isPunct, isWord, significant, tokenize, unescapeRedshift } from './sql.js';
import { INVALID_CREDENTIALS } from './copy-options.js';
import type { FieldDesc } from './wire.js';
import { UnloadWriter, unloadFileName } from './unload-write.js';

interface UnloadStatement {
  query: string; to: string; manifest: boolean; verbose: boolean; header: boolean; format: 'text' | 'csv' | 'parquet';
  delimiter: string | undefined; addQuotes: boolean; escape: boolean; gzip: boolean; allowOverwrite: boolean;
  parallel: boolean; maxFileSize: number; nullAs: string; extension: string | undefined;
}

function parseUnload(sql: string): UnloadStatement {
  const sig = significant(tokenize(sql));
  if (!isPunct(sig[1], '(') || sig[2]?.type !== 'string' || !isPunct(sig[3], ')')) throw syntaxError(sig[1]?.text ?? 'unload');
  if (!isWord(sig[4], 'to') || sig[5]?.type !== 'string') throw syntaxError(sig[4]?.text ?? 'end of input');
  const st: UnloadStatement = {
    query: unescapeRedshift(sig[2].value), to: unescapeRedshift(sig[5].value), manifest: false, verbose: false, header: false,
    format: 'text', delimiter: undefined, addQuotes: false, escape: false, gzip: false, allowOverwrite: false, parallel: true,
    maxFileSize: 6.2 * 1024 ** 3, nullAs: '', extension: undefined,
  };
  let credentials = false;
  let i = 6;
  const str = (): string => {
    if (isWord(sig[i], 'as')) i++;
    const t = sig[i];
    if (t?.type !== 'string') throw syntaxError(t?.text ?? 'end of input');
    i++;
    return unescapeRedshift(t.value);
  };
  while (i < sig.length) {
    const t = sig[i]!;
    const w = t.type === 'ident' ? t.value : '';
    i++;
    switch (w) {
      case 'iam_role': if (isWord(sig[i], 'default')) i++; else str(); credentials = true; break;
      case 'access_key_id': case 'secret_access_key': case 'session_token': str(); credentials = true; break;
      case 'credentials': {
        const c = str();
        if (!/aws_iam_role=|aws_access_key_id=.+;\s*aws_secret_access_key=/i.test(c)) throw new RedshiftError(INVALID_CREDENTIALS);
        credentials = true;
        break;
      }
      case 'manifest': st.manifest = true; if (isWord(sig[i], 'verbose')) { st.verbose = true; i++; } break;
      case 'header': st.header = true; break;
      case 'format': if (isWord(sig[i], 'as')) i++; break;
      case 'csv': st.format = 'csv'; break;
      case 'parquet': st.format = 'parquet'; break;
      case 'json': throw new RedshiftError('UNLOAD FORMAT JSON is not supported by the emulator', '0A000');
      case 'delimiter': st.delimiter = str(); break;
      case 'addquotes': st.addQuotes = true; break;
      case 'escape': st.escape = true; break;
      case 'gzip': st.gzip = true; break;
      case 'bzip2': case 'zstd': throw new RedshiftError(`UNLOAD ${w.toUpperCase()} is not supported by the emulator`, '0A000');
      case 'allowoverwrite': st.allowOverwrite = true; break;
      case 'cleanpath': st.allowOverwrite = true; break;
      case 'encrypted': break;
      case 'null': st.nullAs = str(); break;
      case 'extension': st.extension = str(); break;
      case 'region': str(); break;
      case 'parallel':
        if (isWord(sig[i], 'off', 'false')) { st.parallel = false; i++; } else if (isWord(sig[i], 'on', 'true')) i++;
        break;
      case 'maxfilesize': {
        if (isWord(sig[i], 'as')) i++;
        const n = Number(sig[i]?.text);
        i++;
        const unit = isWord(sig[i], 'gb') ? 1024 ** 3 : 1024 ** 2;
        if (isWord(sig[i], 'mb', 'gb')) i++;
        st.maxFileSize = n * unit;
        if (st.maxFileSize < 5 * 1024 ** 2) throw new RedshiftError('MAXFILESIZE must be between 5 MB and 6.2 GB', 'XX000');
        break;
      }
      case 'rowgroupsize': i++; if (isWord(sig[i], 'mb', 'gb')) i++; break;
      default: throw syntaxError(t.text);
    }
  }
  if (!credentials) throw new RedshiftError(INVALID_CREDENTIALS);
  if (st.format === 'parquet' && (st.header || st.addQuotes || st.delimiter || st.gzip || st.escape)) {
    throw new RedshiftError('PARQUET format does not support HEADER, ADDQUOTES, DELIMITER, ESCAPE or GZIP', 'XX000');
  }
  if (st.format === 'csv' && (st.addQuotes || st.escape)) throw new RedshiftError('CSV is not compatible with ADDQUOTES or ESCAPE', 'XX000');
  return st;
}

function textLine(row: Array<string | null>, st: UnloadStatement): string {
  const delim = st.delimiter ?? '|';
  return row.map((v) => {
    if (v === null) return st.addQuotes && st.nullAs !== '' ? `"${st.nullAs}"` : st.nullAs;
    let s = v;
    if (st.escape) s = s.replace(/[\\\n\r"']/g, (c) => `\\${c}`).split(delim).join(`\\${delim}`);
    return st.addQuotes ? `"${s}"` : s;
  }).join(delim) + '\n';
}

const INT32 = new Set([21, 23]);
const FLOAT = new Set([700]);
const DOUBLE = new Set([701]);

function parquetFile(fields: FieldDesc[], rows: Array<Array<string | null>>): Buffer {
  const columnData = fields.map((f, c) => {
    const raw = rows.map((r) => r[c] ?? null);
    if (INT32.has(f.typeOid)) return { name: f.name, type: 'INT32' as const, data: raw.map((v) => (v === null ? null : Number(v))) };
    if (f.typeOid === 20) return { name: f.name, type: 'INT64' as const, data: raw.map((v) => (v === null ? null : BigInt(v))) };
    if (FLOAT.has(f.typeOid)) return { name: f.name, type: 'FLOAT' as const, data: raw.map((v) => (v === null ? null : Number(v))) };
    if (DOUBLE.has(f.typeOid)) return { name: f.name, type: 'DOUBLE' as const, data: raw.map((v) => (v === null ? null : Number(v))) };
    if (f.typeOid === 16) return { name: f.name, type: 'BOOLEAN' as const, data: raw.map((v) => (v === null ? null : v === 't')) };
    if (f.typeOid === 1114 || f.typeOid === 1184) {
      return { name: f.name, type: 'TIMESTAMP' as const, data: raw.map((v) => (v === null ? null : new Date(`${v.replace(' ', 'T')}${f.typeOid === 1114 ? 'Z' : ''}`.replace(/([+-]\d\d)$/, '$1:00')))) };
    }
    return { name: f.name, type: 'STRING' as const, data: raw };
  });
  return Buffer.from(parquetWriteBuffer({ columnData }));
}

export async function runUnload(sql: string, backend: Backend, ctx: EmulatorContext, rewrite: (query: string) => string): Promise<{ tag: string; notices: string[] }> {
  const st = parseUnload(sql);
  st.query = rewrite(st.query);
  const dest = parseS3Url(st.to);
  if (!dest) throw new RedshiftError(`Invalid S3 path: ${st.to}`, 'XX000');
  if (!st.allowOverwrite && (await listPrefix(ctx.s3, dest.bucket, dest.key)).length) {
    throw new RedshiftError('Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, ' +
      'manually removing the target files in S3, or using the ALLOWOVERWRITE option.', 'XX000');
  }
  const ext = st.extension !== undefined ? `.${st.extension}` : st.format === 'parquet' ? '.parquet' : st.gzip ? '.gz' : '';
  const layout = { to: st.to, parallel: st.parallel, slices: st.parallel ? ctx.slices : 1, gzip: st.gzip, extension: ext,
    maxFileSize: st.maxFileSize, header: '' };
  let fields: FieldDesc[] = [];
  let count = 0;
  let files: Array<{ url: string; bytes: number; rows: number }>;
  if (st.format === 'parquet') {
    // Parquet is written whole per file (row groups need the column data).
    const r = await backend.query(st.query);
    if (r.error) throw new BackendError(r.error);
    fields = r.fields;
    count = r.rows.length;
    files = [];
    const perSlice: Array<Array<Array<string | null>>> = Array.from({ length: layout.slices }, () => []);
    r.rows.forEach((row, i) => perSlice[i % layout.slices]!.push(row));
    for (let s = 0; s < layout.slices; s++) {
      if (!perSlice[s]!.length && (st.parallel || count)) continue;
      const url = unloadFileName(layout, s, 0);
      const body = parquetFile(fields, perSlice[s]!);
      await putObject(ctx.s3, url, body);
      files.push({ url, bytes: body.length, rows: perSlice[s]!.length });
    }
  } else {
    const csv = st.format === 'csv';
    // An empty string is written "" so it stays distinct from NULL (an empty field, unless NULL AS).
    const options = { delimiter: st.delimiter ?? ',', quote: '"', record_delimiter: '\n' as const, quoted_match: /^$/ };
    let writer: UnloadWriter | undefined;
    const r = await backend.query(st.query, (row, desc) => {
      if (!writer) {
        fields = desc;
        const names = desc.map((f) => f.name);
        layout.header = !st.header ? '' : csv ? stringify([names], options) : names.join(st.delimiter ?? '|') + '\n';
        writer = new UnloadWriter(ctx.s3, layout);
      }
      count++;
      return writer.write(csv ? stringify([row.map((v) => (v === null && st.nullAs !== '' ? st.nullAs : v))], options) : textLine(row, st));
    });
    if (r.error) throw new BackendError(r.error);
    if (!writer) {
      fields = r.fields;
      const names = fields.map((f) => f.name);
      layout.header = !st.header ? '' : csv ? stringify([names], options) : names.join(st.delimiter ?? '|') + '\n';
      writer = new UnloadWriter(ctx.s3, layout);
    }
    files = await writer.finish();
  }
  if (st.manifest) {
    const manifest: Record<string, unknown> = {
      entries: files.map((f) => ({ url: f.url, meta: { content_length: f.bytes } })),
    };
    if (st.verbose) {
      manifest.schema = { elements: fields.map((f) => ({ name: f.name, type: { base: String(f.typeOid) } })) };
      manifest.meta = { content_length: files.reduce((n, f) => n + f.bytes, 0), record_count: count };
    }
    await putObject(ctx.s3, `${st.to}manifest`, Buffer.from(JSON.stringify(manifest), 'utf8'));
  }
  return { tag: 'UNLOAD', notices: [`UNLOAD completed, ${count} record(s) unloaded successfully.`] };
}
