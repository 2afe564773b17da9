// Embedded PGlite: the zero-setup warehouse for demos, quickstarts and tests. PGlite is one
// session, so statements from concurrent loads are serialized through a queue. COPY reads
// '/dev/blob', one staged part at a time (memory is bounded by the part size).
import type { PGlite } from '@electric-sql/pglite';
import { buffer } from 'node:stream/consumers';
import { postgresDialect, type SqlDialect } from '../dialect/index.js';
import {
  copyEachFile,
  copyTarget,
  POSTGRES_EXPORT_SETTINGS,
  POSTGRES_LOAD_SETTINGS,
  postgresCopyOptions,
} from './copy-input.js';
import { PGLITE_PARSERS } from './pg-types.js';
import { requireOptional } from '../optional.js';
import type { ExportField } from './unload/parquet.js';
import { Warehouse, type CopyStep, type QueryResult, type Session, type WarehouseOptions } from './warehouse.js';

export interface PgliteOptions extends WarehouseOptions {
  /** Folder for the database files; in memory when omitted. Use a folder for big loads (in-memory COPY is superlinear). */
  dataDir?: string | undefined;
  /** An existing PGlite instance to use instead. */
  pglite?: PGlite | undefined;
}

/** The PGlite instance as a Session. */
export class PgliteSession implements Session {
  constructor(readonly db: PGlite) {}
  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    const r = await this.db.query<R>(sql, params);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }
}

/**
 * PGlite is an optional peer dependency, loaded here, when a PGlite warehouse is made (not when
 * 'upshift' is imported). Its CommonJS build: the constructor is synchronous.
 */
function openPglite(dataDir: string | undefined): PGlite {
  const { PGlite } = requireOptional<typeof import('@electric-sql/pglite')>('@electric-sql/pglite', 'PgliteDatabase');
  return new PGlite({ ...(dataDir ? { dataDir } : {}), parsers: PGLITE_PARSERS });
}

export class PgliteWarehouse extends Warehouse<PgliteSession> {
  readonly dialect: SqlDialect = postgresDialect;
  readonly db: PGlite;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: PgliteOptions) {
    super(options);
    // The options-object form: `new PGlite(undefined, { parsers })` ignores its options (measured
    // with 0.5.16), so an in-memory database returned int8 as a number.
    this.db = options.pglite ?? openPglite(options.dataDir);
  }

  override beginStatements(): string[] {
    return ['BEGIN', ...POSTGRES_LOAD_SETTINGS];
  }

  /** One session: each caller waits its turn, so two loads never interleave in one transaction. */
  protected withSession<T>(fn: (session: PgliteSession) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn(new PgliteSession(this.db)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  protected async copy(session: PgliteSession, step: CopyStep): Promise<number> {
    const { db } = session;
    const sql = `COPY ${copyTarget(step)} FROM '/dev/blob' WITH (${postgresCopyOptions(step.format)})`;
    return copyEachFile(this.stage, step, async (input) => {
      const r = await db.query(sql, [], { blob: new Blob([await buffer(input)]) });
      return r.affectedRows ?? 0;
    });
  }

  override describeQuery(sql: string): Promise<ExportField[]> {
    return this.withSession(async ({ db }) => {
      const r = await db.query(`SELECT * FROM (${sql}) AS upshift_unload LIMIT 0`);
      return r.fields.map((f) => ({ name: f.name, typeId: f.dataTypeID }));
    });
  }

  /**
   * PGlite's COPY TO '/dev/blob' builds the whole result in memory, so the result is read with a
   * cursor instead, a batch of rows at a time, every value kept as the text Postgres prints, and written as the same CSV that COPY TO STDOUT gives on Postgres.
   */
  override exportCsv(sql: string, delimiter: string, onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
    return this.withSession(async ({ db }) => {
      await db.query('BEGIN READ ONLY');
      try {
        for (const setting of POSTGRES_EXPORT_SETTINGS) await db.query(setting);
        const { fields } = await db.query(`SELECT * FROM (${sql}) AS upshift_unload LIMIT 0`);
        // Each row comes back as one JSON array of the values' text: PGlite decodes every text
        // field with a TextDecoder that drops a leading U+FEFF, so a value starting with one would
        // lose it; inside a JSON array no value starts the field. Columns are renamed by position
        // (c1, c2, ...), so duplicate or odd names don't matter.
        const cols = fields.map((_, i) => `c${i + 1}`);
        await db.query(`DECLARE upshift_unload NO SCROLL CURSOR FOR SELECT array_to_json(ARRAY[${cols.map(asOutputText).join(', ')}]::text[])::text
          FROM (${sql}) AS upshift_unload(${cols.join(', ')})`);
        const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
        for (;;) {
          const r = await db.query<[string]>('FETCH FORWARD 5000 FROM upshift_unload', [], {
            rowMode: 'array',
            parsers: { 25: (text: string) => text },
          });
          if (r.rows.length === 0) break;
          let text = '';
          for (const [json] of r.rows) {
            const row = JSON.parse(json) as Array<string | null>;
            text += `${row.map((v) => (v === null ? '\\N' : quote(v))).join(delimiter)}\n`;
          }
          await onChunk(Buffer.from(text));
        }
        await db.query('CLOSE upshift_unload');
        await db.query('COMMIT');
      } catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    return this.withSession(async (s) => (await s.query<R>(sql, params)).rows);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.db.close();
  }
}

/**
 * A column's value as the text its type's output function prints (format's %s; a cast to text
 * would print booleans as 'true'/'false', not 't'/'f'), NULL kept as NULL (num_nulls: a row of
 * NULL fields is not NULL itself).
 */
const asOutputText = (column: string): string =>
  `CASE WHEN num_nulls(${column}) = 1 THEN NULL ELSE format('%s', ${column}) END`;
