// COPY from S3: resolves the files (manifest or key prefix), reads and checks every record as
// Redshift would, streams the good ones into the table through COPY FROM STDIN on the client's own
// backend session (so the load is one atomic statement in the client's transaction), and records
// errors in stl_load_errors / sys_load_error_detail (outside the transaction) and commits in
// stl_load_commits.
import type { Backend } from './backend.js';
import { LOAD_COMMIT_COLUMNS, type EmulatorContext, type LoadCommitRow, type SessionState } from './context.js';
import { parseCopy, type CopyStatement } from './copy-options.js';
import { readRecords, type BrokenRecord, type SourceRecord } from './copy-read.js';
import { convert, loadErrorType, type TargetColumn } from './copy-values.js';
import { BackendError, RedshiftError, internalDetail, loadFailed, loadSetupError } from './errors.js';
import { S3Error, getBuffer, isNotFound, listPrefix, parseS3Url, toS3Error } from './s3.js';
import { quoteIdent, quoteLiteral } from './sql.js';

export interface CopyResult {
  tag: string;
  notices: string[];
}

interface LoadError {
  filename: string;
  line: number;
  colname: string;
  type: string;
  colLength: string;
  position: number;
  rawLine: string;
  rawValue: string;
  code: number;
  reason: string;
}

interface FileEntry {
  url: string;
  lines: number;
}

async function targetColumns(backend: Backend, st: CopyStatement): Promise<{ relid: number; columns: TargetColumn[] }> {
  const r =
    await backend.query(`select a.attrelid::int, a.attname, t.typname, format_type(a.atttypid, a.atttypmod), a.atttypmod,
      a.attnotnull and a.atthasdef = false and a.attidentity = '', a.attidentity
    from pg_attribute a join pg_type t on t.oid = a.atttypid
    where a.attrelid = ${quoteLiteral(st.table)}::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`);
  if (r.error) throw new BackendError(r.error);
  const all = r.rows.map((row) => {
    const typmod = Number(row[4]);
    const typname = row[2]!;
    let length = 0;
    let scale = 0;
    if ((typname === 'varchar' || typname === 'bpchar') && typmod > 4) length = typmod - 4;
    if (typname === 'numeric' && typmod > 4) {
      length = ((typmod - 4) >> 16) & 0xffff;
      scale = (typmod - 4) & 0xffff;
    }
    return { name: row[1]!, typname, type: row[3]!, length, scale, notNull: row[5] === 't', identity: row[6] !== '' };
  });
  const relid = Number(r.rows[0]?.[0] ?? 0);
  if (!st.columns) return { relid, columns: all.filter((c) => !c.identity) };
  const columns = st.columns.map((name) => {
    const c = all.find((x) => x.name === name);
    if (!c) throw new RedshiftError(`column "${name}" of relation "${st.tableName}" does not exist`, '42703');
    return c;
  });
  return { relid, columns };
}

async function resolveFiles(ctx: EmulatorContext, st: CopyStatement, query: number): Promise<FileEntry[]> {
  const src = parseS3Url(st.from);
  if (!src) throw new RedshiftError(`Invalid S3 path: ${st.from}`, 'XX000');
  if (st.manifest) {
    let text: string;
    try {
      text = (await getBuffer(ctx.s3, st.from)).toString('utf8');
    } catch (err) {
      if (isNotFound(err)) {
        throw loadSetupError(
          'Problem reading manifest file - S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey',
          8001,
          `s3://${src.bucket}/${src.key}`,
          query,
        );
      }
      throw loadSetupError(
        `Problem reading manifest file - ${toS3Error(err, st.from).message}`,
        8001,
        `s3://${src.bucket}/${src.key}`,
        query,
      );
    }
    let manifest: { entries?: Array<{ url?: string; mandatory?: boolean; meta?: { content_length?: number } }> };
    try {
      manifest = JSON.parse(text) as typeof manifest;
    } catch {
      throw loadSetupError('Manifest file is not in correct json format', 8001, st.from, query);
    }
    const out: FileEntry[] = [];
    for (const e of manifest.entries ?? []) {
      if (!e.url) throw loadSetupError('Mandatory url is not present in manifest file.', 8001, st.from, query);
      if (st.format === 'parquet' && e.meta?.content_length === undefined) {
        throw loadSetupError("File entry does not have 'meta' key.", 15003, e.url, query, 'spectrum_manifest.cpp:204');
      }
      const u = parseS3Url(e.url);
      const exists = u ? (await listing(ctx, u.bucket, u.key, query)).some((o) => o.key === u.key) : false;
      if (!exists) {
        if (e.mandatory) {
          throw loadSetupError(
            'S3ServiceException:The specified key does not exist.,Status 404,Error NoSuchKey',
            8001,
            `S3 key being read : ${e.url}`,
            query,
            'table_s3_scanner.cpp:354',
          );
        }
        continue;
      }
      out.push({ url: e.url, lines: 0 });
    }
    return out;
  }
  const objects = await listing(ctx, src.bucket, src.key, query);
  if (!objects.length) {
    throw loadSetupError(`The specified S3 prefix '${src.key}' does not exist`, 8001, '', query, 's3_utility.cpp:568');
  }
  return objects.map((o) => ({ url: o.url, lines: 0 }));
}

/** Lists a prefix; a failure is the COPY's S3 error. */
async function listing(
  ctx: EmulatorContext,
  bucket: string,
  prefix: string,
  query: number,
): ReturnType<typeof listPrefix> {
  try {
    return await listPrefix(ctx.s3, bucket, prefix);
  } catch (err) {
    throw loadSetupError(toS3Error(err, `s3://${bucket}/${prefix}`).message, 8001, `s3://${bucket}/${prefix}`, query);
  }
}

export async function runCopy(
  sql: string,
  backend: Backend,
  ctx: EmulatorContext,
  session: SessionState,
): Promise<CopyResult> {
  const st = parseCopy(sql);
  if (st.manifest && st.from.endsWith('/')) {
    throw new RedshiftError('COPY with MANIFEST parameter requires full path of an S3 object.', 'XX000');
  }
  const { relid, columns } = await targetColumns(backend, st);
  const query = session.queryId ?? (await nextQueryId(ctx));
  const files = await resolveFiles(ctx, st, query);
  session.lastCopyId = query;
  const started = new Date();
  const load: Load = { st, columns, files, errors: [], rowOrigin: [], loaded: 0, fatal: false };
  const result = await copyIntoTable(backend, ctx, load);
  throwSourceError(result, load, query);
  if (!result.sourceError && result.error) load.errors.push(refusedRow(result.error, load));
  if (load.errors.length) await recordErrors(ctx, load.errors, { query, relid, pid: session.pid, started });
  if (result.error !== undefined || result.sourceError !== undefined) {
    const e = load.errors[0]!;
    throw loadFailed(st.tableName, internalDetail(e.reason, e.code, e.rawValue, query, 'load_error.cpp:0'));
  }
  const commits = await recordCommits(ctx, files, st, query);
  // Kept for the rest of the transaction (a COPY outside one starts afresh).
  session.loadCommits = backend.txStatus === 'T' ? [...session.loadCommits, ...commits] : commits;
  return { tag: `COPY ${load.loaded}`, notices: loadNotices(st, load) };
}

/** One COPY under way: what it reads, and what it has loaded and rejected so far. */
interface Load {
  st: CopyStatement;
  columns: TargetColumn[];
  files: FileEntry[];
  errors: LoadError[];
  /** For each row sent to the backend, its file index and line, to place an error Postgres reports. */
  rowOrigin: Array<[number, number]>;
  loaded: number;
  fatal: boolean;
}

type CopyInResult = Awaited<ReturnType<Backend['copyIn']>>;

async function nextQueryId(ctx: EmulatorContext): Promise<number> {
  const r = await ctx.admin.query<{ id: string }>(`select nextval('${quoteIdent(ctx.schema)}.query_id') as id`);
  return Number(r.rows[0]!.id);
}

/** Streams the checked rows into the table as CSV, in the client's session. */
async function copyIntoTable(backend: Backend, ctx: EmulatorContext, load: Load): Promise<CopyInResult> {
  const colList = load.columns.map((c) => quoteIdent(c.name)).join(', ');
  try {
    return await backend.copyIn(
      `copy ${load.st.table} (${colList}) from stdin with (format csv)`,
      csvChunks(ctx, load),
    );
  } catch (err) {
    throw new RedshiftError(err instanceof Error ? err.message : String(err));
  }
}

const csvField = (v: string | null): string =>
  v === null ? '' : v.includes('"') ? `"${v.replace(/"/g, '""')}"` : `"${v}"`;

/** The good rows of every file as CSV, in chunks of about 64 KiB; a rejected row past MAXERROR ends the stream. */
async function* csvChunks(ctx: EmulatorContext, load: Load): AsyncGenerator<Buffer> {
  let buf = '';
  for (const [f, file] of load.files.entries()) {
    const names = load.columns.map((c) => c.name);
    for await (const rec of readRecords(ctx.s3, file.url, load.st, names)) {
      file.lines = Math.max(file.lines, rec.line);
      const values = checkedValues(rec, file, load);
      if (values === undefined || load.st.noLoad) continue;
      load.rowOrigin.push([f, rec.line]);
      load.loaded++;
      buf += values.map(csvField).join(',') + '\n';
      if (buf.length >= 65536) {
        yield Buffer.from(buf, 'utf8');
        buf = '';
      }
    }
  }
  if (buf) yield Buffer.from(buf, 'utf8');
}

type ErrorPlace = Pick<LoadError, 'filename' | 'line' | 'rawLine' | 'position'>;

const NO_COLUMN = { colname: '', type: '', colLength: '', rawValue: '' };

const atColumn = (col: TargetColumn): Pick<LoadError, 'colname' | 'type' | 'colLength'> => ({
  colname: col.name,
  type: loadErrorType(col),
  colLength: String(col.length),
});

const tooMany = (load: Load): boolean => load.fatal || load.errors.length > load.st.maxError;

/** Records a rejected row; past MAXERROR, or on a fatal error, the load stops. */
function reject(load: Load, error: LoadError, fatal = false): undefined {
  load.errors.push(error);
  if (fatal) load.fatal = true;
  if (tooMany(load) || fatal) throw new Error('load error');
  return undefined;
}

/** A record's values converted for the columns, or undefined when it is rejected. */
function checkedValues(
  rec: SourceRecord | BrokenRecord,
  file: FileEntry,
  load: Load,
): Array<string | null> | undefined {
  const place: ErrorPlace = { filename: file.url, line: rec.line, rawLine: rec.raw, position: 0 };
  if ('broken' in rec)
    return reject(load, { ...place, ...NO_COLUMN, code: rec.broken.code, reason: rec.broken.reason }, rec.fatal);
  const { st, columns } = load;
  const fields = rec.fields;
  if (fields.length > columns.length)
    return reject(load, { ...place, ...NO_COLUMN, code: 1202, reason: 'Extra column(s) found' });
  if (fields.length < columns.length && !st.fillRecord && st.format !== 'json') {
    const col = columns[fields.length]!;
    return reject(load, { ...place, ...atColumn(col), rawValue: '', code: 1214, reason: 'Delimiter not found' });
  }
  // Missing trailing fields (FILLRECORD, JSON) convert as nulls.
  const values: Array<string | null> = [];
  for (const [c, col] of columns.entries()) {
    const r = convert(fields[c], col, st);
    if ('problem' in r)
      return reject(load, {
        ...place,
        ...atColumn(col),
        rawValue: r.problem.value,
        code: r.problem.code,
        reason: r.problem.reason,
      });
    values.push(r.value);
  }
  return values;
}

/** Reading S3 failed (not a data error): the COPY fails with S3's error, naming the object. */
function throwSourceError(result: CopyInResult, load: Load, query: number): void {
  if (!result.sourceError || tooMany(load)) return;
  const e = result.sourceError;
  if (e instanceof S3Error)
    throw loadSetupError(e.message, 8001, `S3 key being read : ${e.url}`, query, 'table_s3_scanner.cpp:0');
  throw new RedshiftError(`S3ServiceException:${(e as Error).message}`, 'XX000');
}

/** Postgres refused a row the checks let through: a load error at that row. */
function refusedRow(error: NonNullable<CopyInResult['error']>, load: Load): LoadError {
  const m = /line (\d+)(?:, column ([^:]+))?(?:: "(.*)")?/s.exec(error.W ?? '');
  const origin = m ? load.rowOrigin[Number(m[1]) - 1] : undefined;
  const col = load.columns.find((c) => c.name === m?.[2]);
  return {
    filename: origin ? load.files[origin[0]]!.url : '',
    line: origin?.[1] ?? 0,
    colname: m?.[2] ?? '',
    type: col ? loadErrorType(col) : '',
    colLength: col ? String(col.length) : '',
    position: 0,
    rawLine: '',
    rawValue: m?.[3] ?? '',
    code: 1200,
    reason: (error.M ?? 'Unknown parse error').slice(0, 100),
  };
}

function loadNotices(st: CopyStatement, load: Load): string[] {
  const notices = [`Load into table '${st.tableName}' completed, ${load.loaded} record(s) loaded successfully.`];
  if (load.errors.length)
    notices.push(
      `Load into table '${st.tableName}' completed, ${load.errors.length} record(s) could not be loaded.  Check 'stl_load_errors' system table for details.`,
    );
  return notices;
}

/** Text Postgres can store: NUL bytes (binary data read as text) are dropped. */
const storable = (text: string): string => text.replace(/\u0000/g, '');

async function recordErrors(
  ctx: EmulatorContext,
  errors: LoadError[],
  q: { query: number; relid: number; pid: number; started: Date },
): Promise<void> {
  const S = quoteIdent(ctx.schema);
  const values: unknown[] = [];
  const rows = errors.map((e, i) => {
    values.push(
      q.pid,
      q.relid,
      q.started,
      q.query,
      e.filename,
      e.line,
      e.colname,
      e.type,
      e.colLength,
      e.position,
      storable(e.rawLine).slice(0, 1024),
      storable(e.rawValue).slice(0, 1024),
      e.code,
      storable(e.reason).slice(0, 512),
    );
    const b = i * 14;
    return `(100, 0, $${b + 2}, $${b + 3}, $${b + 1}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 10}, $${b + 11}, $${b + 12}, $${b + 13}, $${b + 14}, txid_current(), current_database())`;
  });
  await ctx.admin.query(
    `insert into ${S}.load_errors (userid, slice, tbl, starttime, session, query, filename, line_number, colname,
    type, col_length, position, raw_line, raw_field_value, err_code, err_reason, xid, dbname) values ${rows.join(', ')}`,
    values,
  );
}

/**
 * One stl_load_commits row per file, written outside the client's transaction (Redshift's system
 * tables don't roll back). Returned too: a transaction whose snapshot predates the insert can't
 * see it, so the session shows its own rows to its own reads (see rewrite.ts).
 */
async function recordCommits(
  ctx: EmulatorContext,
  files: FileEntry[],
  st: CopyStatement,
  query: number,
): Promise<LoadCommitRow[]> {
  if (!files.length) return [];
  const format = { text: 'Text', csv: 'Text', json: 'Json', parquet: 'Parquet' }[st.format];
  // Redshift's clock is UTC: curtime is written as UTC whatever the backend's time zone.
  const curtime = new Date().toISOString().replace('T', ' ').replace('Z', '');
  const rows = files.map((f, i): LoadCommitRow => ({
    userid: 100,
    query,
    slice: i % ctx.slices,
    name: f.url,
    filename: f.url,
    byte_offset: 0,
    lines_scanned: f.lines,
    errors: 0,
    curtime,
    status: 1,
    file_format: format,
  }));
  const S = quoteIdent(ctx.schema);
  await ctx.admin.query(
    `insert into ${S}.load_commits (${LOAD_COMMIT_COLUMNS.join(', ')})
    select ${LOAD_COMMIT_COLUMNS.join(', ')} from json_populate_recordset(null::${S}.load_commits, $1)`,
    [JSON.stringify(rows)],
  );
  return rows;
}
