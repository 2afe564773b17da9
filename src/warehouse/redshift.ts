// Redshift: COPY from the stage's manifest in S3, load errors decoded from stl_load_errors
// (sys_load_error_detail on Serverless). Subclass to adapt it: every step below is a
// documented, overridable method (copySql, credentialsSql, loadErrorQuery, decodeError, ...).
import type { PoolConfig } from 'pg';
import type { Dialect } from '../model/ddl.js';
import { quoteIdent } from '../model/identifiers.js';
import type { TableModel } from '../model/table.js';
import type { BinaryDialect } from '../stage/types.js';
import { LoadError, type LoadErrorDetail } from './errors.js';
import type { CopyFormat, LoadPlan } from './plan.js';
import { PostgresWarehouse, type PostgresOptions } from './postgres.js';
import { ORDINAL_COLUMN, type CopyStep, type Session } from './warehouse.js';

export interface RedshiftCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface RedshiftOptions extends Omit<PostgresOptions, 'connectionString'> {
  connectionString?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  ssl?: PoolConfig['ssl'];
  /** The role COPY and UNLOAD assume (recommended). */
  iamRole?: string;
  /** Access keys for COPY and UNLOAD (not recommended by AWS; prefer iamRole). */
  credentials?: RedshiftCredentials;
  /** REGION for COPY when the bucket is in another region than the cluster. */
  region?: string;
  /** Serverless / concurrency scaling: read sys_load_error_detail instead of stl_load_errors. */
  serverless?: boolean;
}

/** A Redshift string literal: backslashes are escapes there, so they are doubled too. */
export const redshiftLiteral = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

export class RedshiftWarehouse extends PostgresWarehouse {
  override readonly dialect: Dialect = 'redshift';
  override readonly binary: BinaryDialect = 'redshift';
  readonly redshift: RedshiftOptions;

  constructor(options: RedshiftOptions) {
    if (options.stage.kind !== 's3') throw new Error('RedshiftDatabase needs an S3Stage: Redshift COPY reads staged files from S3 only');
    if (options.iamRole && options.credentials) throw new Error('RedshiftDatabase: give iamRole or credentials, not both');
    const connectionString =
      options.connectionString ??
      (options.host
        ? `postgres://${encodeURIComponent(options.user ?? 'awsuser')}${options.password ? `:${encodeURIComponent(options.password)}` : ''}@${options.host}:${options.port ?? 5439}/${options.database ?? 'dev'}`
        : undefined);
    super({ ...options, ...(connectionString ? { connectionString } : {}) });
    if (options.ssl !== undefined && !options.pool) Object.assign(this.pool.options, { ssl: options.ssl });
    this.redshift = options;
  }

  override beginStatements(): string[] {
    return ['BEGIN'];
  }

  override lockTableSql(table: TableModel): string {
    return `LOCK ${this.tableName(table)}`;
  }

  /** Redshift plans temp tables from the COPY's row count; a full ANALYZE would cost more than it saves. */
  override analyzeTempSql(_name: string): string | undefined {
    return undefined;
  }

  override literal(text: string): string {
    return redshiftLiteral(text);
  }

  /** Temp stage table, distributed like the target so the merge joins locally. */
  override createTempTableSql(name: string, table: TableModel, columns: readonly string[], withOrdinal: boolean): string {
    const base = super.createTempTableSql(name, table, columns, withOrdinal);
    const distKey = table.options.distKey;
    return distKey && columns.includes(distKey) ? `${base} DISTKEY (${quoteIdent(distKey)})` : base;
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
    const target = `${step.table.schema ? `${quoteIdent(step.table.schema)}.` : ''}${quoteIdent(step.table.name)}`;
    return [
      `COPY ${target} (${step.columns.map(quoteIdent).join(', ')})`,
      `FROM ${this.literal(step.load.manifestUri)}`,
      this.credentialsSql(redact),
      'MANIFEST',
      this.formatSql(step.format),
    ].join('\n');
  }

  protected override async copy(session: Session, step: CopyStep): Promise<number> {
    const r = await session.query(this.copySql(step));
    return r.rowCount;
  }

  /** The query that reads the last COPY's errors in this session. */
  loadErrorQuery(): string {
    if (this.redshift.serverless) {
      return `SELECT TRIM(file_name) AS filename, line_number, TRIM(column_name) AS colname, TRIM(column_type) AS type,
  NULL AS raw_line, NULL AS raw_field_value, error_code AS err_code, TRIM(error_message) AS err_reason
FROM sys_load_error_detail WHERE query_id = pg_last_copy_id() ORDER BY line_number LIMIT 100`;
    }
    return `SELECT TRIM(filename) AS filename, line_number, TRIM(colname) AS colname, TRIM(type) AS type,
  TRIM(raw_line) AS raw_line, TRIM(raw_field_value) AS raw_field_value, err_code, TRIM(err_reason) AS err_reason
FROM stl_load_errors WHERE query = pg_last_copy_id() ORDER BY line_number LIMIT 100`;
  }

  /** After a failed COPY: read the error rows (same session, after ROLLBACK) into a LoadError. */
  protected override async decodeError(session: Session, plan: LoadPlan, err: unknown): Promise<unknown> {
    if (!/stl_load_errors|sys_load_error_detail|Load into table/i.test(String((err as Error)?.message))) return err;
    let rows: Record<string, unknown>[] = [];
    try {
      rows = (await session.query(this.loadErrorQuery())).rows;
    } catch {
      return new LoadError(plan.target, [], err);
    }
    return new LoadError(plan.target, rows.map(decodeLoadErrorRow), err);
  }
}

/** One stl_load_errors / sys_load_error_detail row (char columns trimmed) as a LoadErrorDetail. */
export function decodeLoadErrorRow(row: Record<string, unknown>): LoadErrorDetail {
  const text = (v: unknown) => (v === null || v === undefined ? undefined : String(v).trim());
  const column = text(row.colname);
  return {
    ...(text(row.filename) ? { file: text(row.filename)! } : {}),
    ...(row.line_number !== null && row.line_number !== undefined ? { line: Number(row.line_number) } : {}),
    ...(column && column !== ORDINAL_COLUMN ? { column } : column ? { column } : {}),
    ...(text(row.type) ? { type: text(row.type)! } : {}),
    ...(text(row.raw_field_value) !== undefined ? { value: text(row.raw_field_value)! } : {}),
    ...(text(row.raw_line) !== undefined ? { rawLine: text(row.raw_line)! } : {}),
    ...(row.err_code !== null && row.err_code !== undefined ? { code: Number(row.err_code) } : {}),
    reason: text(row.err_reason) ?? 'unknown load error',
  };
}
