// Redshift: COPY from the stage's manifest in S3, load errors decoded from stl_load_errors
// (sys_load_error_detail on Serverless). Subclass to adapt it: every step below is a
// documented, overridable method (copySql, credentialsSql, loadErrorQuery, decodeError, ...).
import { UsageError } from '../errors.js';
import { UpshiftConfigError } from '../config.js';
import type { PoolConfig } from 'pg';
import { pgLib } from './pg-lib.js';
import type pg from 'pg';
import { upshiftPgTypes } from './pg-types.js';
import { isServerlessHost, isServerlessLogin, temporaryLoginPool, type RedshiftIamOptions } from './redshift-iam.js';
import { redshiftDialect, type SqlDialect } from '../dialect/index.js';
import { qualifiedName, quoteIdent } from '../sql/identifiers.js';
import { LoadError, type LoadErrorDetail } from './errors.js';
import type { CopyFormat } from '../stage/copy-format.js';
import type { CommitMarker, LoadPlan } from './plan.js';
import { PostgresWarehouse, type PgSession, type PostgresOptions } from './postgres.js';
import type { CopyStep } from './warehouse.js';
import { readObjectText } from '../s3/objects.js';
import { objectLocation } from '../s3/paths.js';
import { S3Client } from '../s3/sdk.js';
import { S3Stage } from '../stage/s3.js';
import type { Stage } from '../stage/types.js';
import { parseManifest } from '../stage/manifest.js';
import { compileUnloadQuery, type UnloadQuery } from './unload/query.js';
import { resolveUnloadTarget } from './unload/output.js';
import { checkUnloadOptions, unloadCopyFormat, type UnloadOptions, type UnloadResult } from './unload/unload.js';

export interface RedshiftCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface RedshiftOptions extends Omit<PostgresOptions, 'connectionString' | 'copyWhileStaging' | 'stage'> {
  /** An S3Stage: Redshift's COPY reads staged files from S3 only. */
  stage: Stage;
  connectionString?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  database?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  ssl?: PoolConfig['ssl'];
  /** The role COPY and UNLOAD assume (recommended). */
  iamRole?: string | undefined;
  /** Access keys for COPY and UNLOAD (not recommended by AWS; prefer iamRole). */
  credentials?: RedshiftCredentials | undefined;
  /** REGION for COPY when the bucket is in another region than the cluster. */
  region?: string | undefined;
  /**
   * Serverless / concurrency scaling: read sys_load_error_detail instead of stl_load_errors.
   * Default: true for a *.redshift-serverless.amazonaws.com host or an iam.workgroupName.
   */
  serverless?: boolean | undefined;
  /**
   * Log in with temporary credentials instead of a password: each new connection gets a user
   * and password from GetClusterCredentials (with iam.dbUser), GetClusterCredentialsWithIAM
   * (without) or, on Serverless, GetCredentials. `true`: cluster or workgroup and region from the host name.
   */
  iam?: RedshiftIamOptions | true | undefined;
}

/** Redshift's answer to a COPY that rejected rows: the rows' errors are in stl_load_errors (sys_load_error_detail). */
export const isCopyRejection = (err: unknown): boolean =>
  /stl_load_errors|sys_load_error_detail|Load into table/i.test(String((err as Error)?.message));

/** Serverless from the options: a workgroup login, or a *.redshift-serverless.amazonaws.com host. */
function isServerless(options: RedshiftOptions, connectionString: string | undefined): boolean {
  if (options.iam && options.iam !== true && isServerlessLogin(options.iam)) return true;
  let host = options.host;
  if (!host && connectionString && /^[a-z]+:\/\//i.test(connectionString)) {
    try {
      host = new URL(connectionString).hostname;
    } catch {
      host = undefined;
    }
  }
  return isServerlessHost(host);
}

export class RedshiftWarehouse extends PostgresWarehouse {
  override readonly dialect: SqlDialect = redshiftDialect;
  readonly redshift: RedshiftOptions;

  constructor(options: RedshiftOptions) {
    if (options.stage.kind !== 's3')
      throw new UpshiftConfigError('RedshiftDatabase needs an S3Stage: Redshift COPY reads staged files from S3 only');
    if (options.iamRole && options.credentials)
      throw new UpshiftConfigError('RedshiftDatabase: give iamRole or credentials, not both');
    const connectionString =
      options.connectionString ??
      (options.host
        ? `postgres://${encodeURIComponent(options.user ?? 'awsuser')}${options.password ? `:${encodeURIComponent(options.password)}` : ''}@${options.host}:${options.port ?? 5439}/${options.database ?? 'dev'}`
        : undefined);
    const login =
      options.iam && !options.pool && connectionString
        ? temporaryLoginPool(
            { connectionString, maxConnections: options.maxConnections, ssl: options.ssl, types: upshiftPgTypes },
            options.iam,
          )
        : undefined;
    super({ ...options, ...(connectionString ? { connectionString } : {}), ...(login ? { pool: login.pool } : {}) });
    if (options.ssl !== undefined && !options.pool && !login) Object.assign(this.pool.options, { ssl: options.ssl });
    this.loginPool = login?.pool;
    this.redshift = { ...options, serverless: options.serverless ?? isServerless(options, connectionString) };
  }

  /** The pool of temporary-credential connections upshift made (iam), which close() ends. */
  private readonly loginPool: pg.Pool | undefined;

  override async close(): Promise<void> {
    await super.close();
    await this.loginPool?.end();
  }

  override beginStatements(): string[] {
    return ['BEGIN'];
  }

  /** The credentials clause of COPY / UNLOAD. `redact` hides secrets (for logs and errors). */
  credentialsSql(redact = false): string {
    const { iamRole, credentials } = this.redshift;
    const secret = (s: string) => (redact ? "'***'" : this.literal(s));
    if (iamRole) return `IAM_ROLE ${this.literal(iamRole)}`;
    if (credentials) {
      return [
        `ACCESS_KEY_ID ${secret(credentials.accessKeyId)}`,
        `SECRET_ACCESS_KEY ${secret(credentials.secretAccessKey)}`,
        ...(credentials.sessionToken ? [`SESSION_TOKEN ${secret(credentials.sessionToken)}`] : []),
      ].join(' ');
    }
    return 'IAM_ROLE default';
  }

  /** Format options of COPY for a staged load: CSV, JSON lines ('auto': keys matched to column names) or Parquet. */
  formatSql(format: CopyFormat): string {
    // Columnar COPY takes only a few parameters (no compression, TIMEFORMAT, COMPUPDATE or REGION).
    if (format.kind === 'parquet') return 'FORMAT AS PARQUET\nSTATUPDATE OFF';
    const parts =
      format.kind === 'json'
        ? ["FORMAT AS JSON 'auto'"]
        : [
            `FORMAT AS CSV QUOTE AS ${this.literal(format.quote ?? '"')} DELIMITER ${this.literal(format.delimiter ?? ',')}`,
            `NULL AS ${this.literal(format.nullAs ?? '\\N')}`,
          ];
    if (format.gzip) parts.push('GZIP');
    else if (format.compression === 'bzip2') parts.push('BZIP2');
    else if (format.compression === 'zstd') parts.push('ZSTD');
    if (format.skipHeader) parts.push(`IGNOREHEADER ${format.skipHeader}`);
    parts.push("TIMEFORMAT 'auto' DATEFORMAT 'auto'", 'COMPUPDATE OFF STATUPDATE OFF');
    if (this.redshift.region) parts.push(`REGION ${this.literal(this.redshift.region)}`);
    return parts.join('\n');
  }

  /** The COPY statement for a copy step: always from the manifest, so exactly the staged files load. */
  copySql(step: CopyStep, redact = false): string {
    const target = qualifiedName(step.table.schema, step.table.name);
    return [
      `COPY ${target} (${step.columns.map(quoteIdent).join(', ')})`,
      `FROM ${this.literal(step.load.manifestUri)}`,
      this.credentialsSql(redact),
      'MANIFEST',
      this.formatSql(step.format),
    ].join('\n');
  }

  protected override async copy(session: PgSession, step: CopyStep): Promise<number> {
    const r = await session.query(this.copySql(step));
    return r.rowCount;
  }

  /**
   * COPY's answer was lost: on a new connection, LOCK the marker's table, which waits until the
   * old transaction (it wrote there) is over, then read the marker row. Redshift has no SELECT
   * FOR UPDATE and no pg_stat_activity.state; a backend that never got the COMMIT ends when the
   * server notices the dropped client.
   */
  protected override async commitOutcome(_lost: PgSession, marker: CommitMarker): Promise<boolean> {
    // The pool's own Client class: with iam, it is the one that logs in with temporary credentials.
    const Client = (this.pool.options as { Client?: typeof pg.Client }).Client ?? pgLib.Client;
    const client = new Client(this.pool.options);
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(`LOCK ${marker.table}`);
      const { rows } = await client.query<Record<string, unknown>>(marker.sql, marker.params);
      await client.query('ROLLBACK');
      return marker.committed(rows);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The query that reads a COPY's errors: by default the last COPY of this session; or the COPY whose query id is given. */
  loadErrorQuery(copyQueryId?: number): string {
    const copy = copyQueryId === undefined ? 'pg_last_copy_id()' : String(Math.trunc(copyQueryId));
    if (this.redshift.serverless) {
      return `SELECT TRIM(file_name) AS filename, line_number, TRIM(column_name) AS colname, TRIM(column_type) AS type,
  NULL AS raw_line, NULL AS raw_field_value, error_code AS err_code, TRIM(error_message) AS err_reason
FROM sys_load_error_detail WHERE query_id = ${copy} ORDER BY line_number LIMIT 100`;
    }
    return `SELECT TRIM(filename) AS filename, line_number, TRIM(colname) AS colname, TRIM(type) AS type,
  TRIM(raw_line) AS raw_line, TRIM(raw_field_value) AS raw_field_value, err_code, TRIM(err_reason) AS err_reason
FROM stl_load_errors WHERE query = ${copy} ORDER BY line_number LIMIT 100`;
  }

  /** After a failed COPY: read the error rows (same session, after ROLLBACK) into a LoadError. */
  protected override async decodeError(session: PgSession, plan: LoadPlan, err: unknown): Promise<unknown> {
    if (!isCopyRejection(err)) return err;
    let rows: Record<string, unknown>[];
    try {
      rows = (await session.query(this.loadErrorQuery())).rows;
    } catch {
      return new LoadError(plan.target, [], err);
    }
    return new LoadError(plan.target, rows.map(decodeLoadErrorRow), err);
  }

  // ---- UNLOAD and maintenance ----------------------------------------------------------------

  /**
   * The UNLOAD statement. The query goes inside UNLOAD ('...') as a Redshift literal: quotes
   * doubled and backslashes doubled (Redshift literals read backslash escapes), so a query with
   * its own literals survives intact. MANIFEST VERBOSE always: the manifest is how unload()
   * reports exactly which files (with sizes and row counts) were written. `redact` hides secrets.
   */
  unloadSql(query: string, targetUri: string, options: UnloadOptions = {}, redact = false): string {
    const { format, parallel, delimiter } = checkUnloadOptions(options);
    const parts = [`UNLOAD (${this.literal(query)})`, `TO ${this.literal(targetUri)}`, this.credentialsSql(redact)];
    if (format === 'parquet') parts.push('FORMAT AS PARQUET');
    else {
      parts.push('FORMAT AS CSV', `DELIMITER AS ${this.literal(delimiter)}`, `NULL AS ${this.literal('\\N')}`);
      if (options.header) parts.push('HEADER');
      if (options.gzip) parts.push('GZIP');
    }
    parts.push('MANIFEST VERBOSE');
    if (options.allowOverwrite) parts.push('ALLOWOVERWRITE');
    parts.push(parallel ? 'PARALLEL ON' : 'PARALLEL OFF');
    if (options.maxFileSize !== undefined) {
      const mb = options.maxFileSize / 1024 ** 2;
      if (mb < 5 || mb > 6.2 * 1024)
        throw new UsageError(`unload maxFileSize on Redshift must be 5 MB to 6.2 GB, got ${options.maxFileSize} bytes`);
      parts.push(`MAXFILESIZE ${Number(mb.toFixed(3))} MB`);
    }
    if (this.redshift.region) parts.push(`REGION ${this.literal(this.redshift.region)}`);
    return parts.join('\n');
  }

  /** UNLOAD to S3 (Redshift names the files itself: <prefix>0000_part_00...), then reads the manifest it wrote. */
  override async unload(query: UnloadQuery, target: string, options: UnloadOptions = {}): Promise<UnloadResult> {
    const { format } = checkUnloadOptions(options);
    const sql = compileUnloadQuery(query, options.params, { ...this.dialect.literals, text: (t) => this.literal(t) });
    const targetUri = resolveUnloadTarget(this.stage, target);
    if (!targetUri.startsWith('s3://'))
      throw new UsageError(`Redshift unloads to S3 only; ${target} resolved to ${targetUri}`);
    await this.query(this.unloadSql(sql, targetUri, options));
    const manifestUri = `${targetUri}manifest`;
    const client = this.stage instanceof S3Stage ? this.stage.client : (options.s3Client ?? new S3Client({}));
    const { bucket, key } = objectLocation(manifestUri);
    const text = await readObjectText(client, bucket, key);
    const manifest = parseManifest(text, manifestUri);
    // MANIFEST VERBOSE: per-entry and total meta.record_count. With HEADER, Redshift counts each
    // file's header line as a record; the result reports data rows, as on Postgres and PGlite.
    const headerLines = format === 'csv' && options.header ? 1 : 0;
    const total = (JSON.parse(text) as { meta?: { record_count?: number } }).meta?.record_count;
    const files = manifest.entries.map((e) => {
      const meta = e.meta ?? {};
      return {
        uri: e.url,
        bytes: meta.content_length ?? 0,
        ...(meta.record_count !== undefined ? { rows: meta.record_count - headerLines } : {}),
      };
    });
    return {
      target: targetUri,
      files,
      manifestUri,
      format,
      rows: total !== undefined ? total - headerLines * files.length : files.reduce((n, f) => n + (f.rows ?? 0), 0),
      bytes: files.reduce((n, f) => n + f.bytes, 0),
      ...(format === 'csv' ? { copyFormat: unloadCopyFormat(options) } : {}),
    };
  }

  /** Per file of the load's COPY (same session, same transaction): file name and lines scanned. */
  override loadCommitsSql(): string {
    if (this.redshift.serverless) {
      return `SELECT TRIM(file_name) AS filename, SUM(lines_scanned) AS lines_scanned
FROM sys_load_detail WHERE query_id = pg_last_copy_id() GROUP BY TRIM(file_name) ORDER BY 1`;
    }
    return `SELECT TRIM(filename) AS filename, SUM(lines_scanned) AS lines_scanned, SUM(errors) AS errors
FROM stl_load_commits WHERE query = pg_last_copy_id() GROUP BY TRIM(filename) ORDER BY 1`;
  }
}

/** One stl_load_errors / sys_load_error_detail row (char columns trimmed) as a LoadErrorDetail. */
export function decodeLoadErrorRow(row: Record<string, unknown>): LoadErrorDetail {
  // the text columns are TRIM()'d text or NULL
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : undefined);
  const column = text(row.colname);
  return {
    ...(text(row.filename) ? { file: text(row.filename)! } : {}),
    ...(row.line_number !== null && row.line_number !== undefined ? { line: Number(row.line_number) } : {}),
    ...(column ? { column } : {}),
    ...(text(row.type) ? { type: text(row.type)! } : {}),
    ...(text(row.raw_field_value) !== undefined ? { value: text(row.raw_field_value)! } : {}),
    ...(text(row.raw_line) !== undefined ? { rawLine: text(row.raw_line)! } : {}),
    ...(row.err_code !== null && row.err_code !== undefined ? { code: Number(row.err_code) } : {}),
    reason: text(row.err_reason) ?? 'unknown load error',
  };
}
