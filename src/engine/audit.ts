// The audit log: one row per load in <auditSchema>.load_audit, defined with upshift's own
// model so it is created the same way on every warehouse.
import { t } from '../model/columns.js';
import { quoteIdent, qualifiedName } from '../sql/identifiers.js';
import { truncateUtf8 } from '../sql/utf8.js';
import { defineTable, type TableModel } from '../model/table.js';
import type { Warehouse } from '../warehouse/warehouse.js';

export const auditModel = (schema: string) =>
  defineTable(
    `${schema}.load_audit`,
    {
      load_id: t.varchar(64).notNull(),
      target_table: t.varchar(300).notNull(),
      mode: t.varchar(16).notNull(),
      source: t.varchar(65535),
      stage_uris: t.varchar(65535),
      rows_staged: t.bigint(),
      rows_inserted: t.bigint(),
      rows_updated: t.bigint(),
      rows_deleted: t.bigint(),
      attempts: t.integer(),
      started_at: t.timestamptz().notNull(),
      finished_at: t.timestamptz(),
      duration_ms: t.bigint(),
      status: t.varchar(16).notNull(),
      error: t.varchar(65535),
      load_commits: t.varchar(65535),
    },
    {
      sortKey: ['started_at'],
      comment: 'One row per upshift load: what, from where, how many rows, and why it failed',
    },
  );

/** 'running' from the load's start until it ends: a row left running is a load that was killed (or is still going). */
export type AuditStatus = 'running' | 'succeeded' | 'failed';

/** What the audit row records, and what hooks receive. */
export interface AuditRecord {
  loadId: string;
  table: string;
  mode: string;
  source: string;
  stageUris: string[];
  rowsStaged: number | null;
  inserted: number | null;
  updated: number | null;
  deleted: number | null;
  attempts: number;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  status: AuditStatus;
  error: string | null;
  /** The staged load's manifest, once staged. */
  manifestUri: string | null;
  /** Redshift: per file of the COPY, what stl_load_commits recorded (null on other warehouses). */
  loadCommits: LoadCommit[] | null;
  /** Where the time went: validation + staging, then the load transaction (null when not reached). */
  timings: { stageMs: number | null; loadMs: number | null };
  /** The error itself when the load failed (a LoadError names file, line, column, value); null on success. */
  cause: unknown;
}

/** One file of a Redshift COPY as stl_load_commits records it. */
export interface LoadCommit {
  file: string;
  linesScanned: number;
  errors?: number;
}

/** Rows of the warehouse's loadCommitsSql() as LoadCommits (char columns trimmed). */
export function decodeLoadCommits(rows: Record<string, unknown>[]): LoadCommit[] {
  return rows.map((r) => ({
    file: typeof r.filename === 'string' ? r.filename.trim() : '', // TRIM(...) AS filename: text or NULL
    linesScanned: Number(r.lines_scanned ?? 0),
    ...(r.errors !== undefined && r.errors !== null ? { errors: Number(r.errors) } : {}),
  }));
}

/**
 * Text Postgres and Redshift can store: U+0000 (which no text column holds) and lone UTF-16
 * surrogates (which pg would silently turn into U+FFFD) are written as \u escapes, so a NUL in
 * a column name or a UTF-16 file's error text can't make the audit write fail.
 */
export function storableText(text: string): string {
  return text.replace(
    /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const COLUMNS = [
  'load_id',
  'target_table',
  'mode',
  'source',
  'stage_uris',
  'rows_staged',
  'rows_inserted',
  'rows_updated',
  'rows_deleted',
  'attempts',
  'started_at',
  'finished_at',
  'duration_ms',
  'status',
  'error',
  'load_commits',
];

export const auditTableName = (warehouse: Warehouse): string => qualifiedName(warehouse.auditSchema, 'load_audit');

export function auditInsertSql(warehouse: Warehouse): string {
  return `INSERT INTO ${auditTableName(warehouse)} (${COLUMNS.map(quoteIdent).join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;
}

/**
 * Marks the load's `running` row failed (same parameters as the insert, load_id first). Runs
 * outside any load transaction; a row the load's transaction wrote as succeeded is never touched.
 */
export function auditFailRunningSql(warehouse: Warehouse): string {
  const set = COLUMNS.slice(1)
    .map((c, i) => `${quoteIdent(c)} = $${i + 2}`)
    .join(', ');
  return `UPDATE ${auditTableName(warehouse)} SET ${set} WHERE ${quoteIdent('load_id')} = $1 AND ${quoteIdent('status')} = 'running'`;
}

/** Removes the load's `running` row once its `succeeded` row has committed. */
export function auditDropRunningSql(warehouse: Warehouse): string {
  return `DELETE FROM ${auditTableName(warehouse)} WHERE ${quoteIdent('load_id')} = $1 AND ${quoteIdent('status')} = 'running'`;
}

/** The load's own status, read back to learn whether a COMMIT whose answer was lost went through. */
export function auditStatusSql(warehouse: Warehouse): string {
  return `SELECT ${quoteIdent('status')} FROM ${auditTableName(warehouse)} WHERE ${quoteIdent('load_id')} = $1`;
}

const stored = (text: string): string => truncateUtf8(storableText(text), 65535, '...');

export function auditParams(r: AuditRecord): unknown[] {
  return [
    r.loadId,
    truncateUtf8(storableText(r.table), 300, '...'),
    r.mode,
    stored(r.source),
    stored(JSON.stringify(r.stageUris)),
    r.rowsStaged,
    r.inserted,
    r.updated,
    r.deleted,
    r.attempts,
    // A running row has no end yet.
    r.startedAt.toISOString(),
    r.status === 'running' ? null : r.finishedAt.toISOString(),
    r.status === 'running' ? null : r.durationMs,
    r.status,
    r.error === null ? null : stored(r.error),
    r.loadCommits === null ? null : stored(JSON.stringify(r.loadCommits)),
  ];
}

const ensured = new WeakMap<Warehouse, Promise<void>>();

/** Creates the audit schema and table on first use (once per warehouse object). */
export function ensureAuditTable(warehouse: Warehouse): Promise<void> {
  let done = ensured.get(warehouse);
  if (!done) {
    done = (async () => {
      const model: TableModel = auditModel(warehouse.auditSchema);
      await ignoreAlreadyExists(() =>
        warehouse.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(warehouse.auditSchema)}`),
      );
      for (const sql of warehouse.dialect.createTableStatements(model)) {
        if (sql.startsWith('COMMENT')) continue;
        await ignoreAlreadyExists(() => warehouse.query(sql));
      }
      await addMissingColumns(warehouse);
      // Every load updates or deletes its own running row by load_id.
      const index = warehouse.createIndexSql('load_audit_load_id', auditTableName(warehouse), ['load_id']);
      if (index) await ignoreAlreadyExists(() => warehouse.query(index));
    })();
    done.catch(() => ensured.delete(warehouse));
    ensured.set(warehouse, done);
  }
  return done;
}

/** Audit tables made by an older upshift lack newer columns: add them (nullable, so old rows stay valid). */
async function addMissingColumns(warehouse: Warehouse): Promise<void> {
  const rows = await warehouse.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'load_audit'`,
    [warehouse.auditSchema],
  );
  const have = new Set(rows.map((r) => String(r.column_name).trim()));
  if (have.size === 0) return;
  const table = auditTableName(warehouse);
  for (const column of ['load_commits']) {
    if (!have.has(column))
      await ignoreAlreadyExists(() =>
        warehouse.query(`ALTER TABLE ${table} ADD COLUMN ${quoteIdent(column)} VARCHAR(65535)`),
      );
  }
}

/** Two processes creating the same object at once race in the catalog: the loser's error is harmless. */
async function ignoreAlreadyExists(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '23505' && code !== '42P06' && code !== '42P07' && code !== '42701') throw err;
  }
}
