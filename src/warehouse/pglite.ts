// Embedded PGlite: the zero-setup warehouse for demos, quickstarts and tests. PGlite is one
// session, so statements from concurrent loads are serialized through a queue. COPY reads
// '/dev/blob', one staged part at a time (memory is bounded by the part size).
import { PGlite } from '@electric-sql/pglite';
import { buffer } from 'node:stream/consumers';
import type { Dialect } from '../model/ddl.js';
import type { TableModel } from '../model/table.js';
import { quoteIdent } from '../model/identifiers.js';
import type { BinaryDialect } from '../stage/types.js';
import { copyTarget, openStaged, postgresCopyOptions } from './copy-input.js';
import { decodePostgresCopyError } from './errors.js';
import { PGLITE_PARSERS } from './pg-types.js';
import { Warehouse, type CopyStep, type QueryResult, type Session, type WarehouseOptions } from './warehouse.js';

export interface PgliteOptions extends WarehouseOptions {
  /** Folder for the database files; in memory when omitted. Use a folder for big loads (in-memory COPY is superlinear). */
  dataDir?: string;
  /** An existing PGlite instance to use instead. */
  pglite?: PGlite;
}

class PgliteSession implements Session {
  constructor(readonly db: PGlite) {}
  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    const r = await this.db.query<R>(sql, params);
    return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
  }
}

export class PgliteWarehouse extends Warehouse {
  readonly dialect: Dialect = 'postgres';
  readonly binary: BinaryDialect = 'postgres';
  readonly db: PGlite;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: PgliteOptions) {
    super(options);
    this.db = options.pglite ?? new PGlite(options.dataDir, { parsers: PGLITE_PARSERS });
  }

  override beginStatements(): string[] {
    return ['BEGIN', "SET LOCAL TIME ZONE 'UTC'"];
  }

  override lockTableSql(table: TableModel): string {
    return `LOCK TABLE ${this.tableName(table)} IN SHARE ROW EXCLUSIVE MODE`;
  }

  override analyzeTempSql(name: string): string {
    return `ANALYZE ${quoteIdent(name)}`;
  }

  /** One session: each caller waits its turn, so two loads never interleave in one transaction. */
  protected withSession<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn(new PgliteSession(this.db)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  protected async copy(session: Session, step: CopyStep): Promise<number> {
    let total = 0;
    for (const file of step.load.files) {
      const bytes = await buffer(await openStaged(this.stage, step, file.uri));
      const sql = `COPY ${copyTarget(step)} FROM '/dev/blob' WITH (${postgresCopyOptions(step.format)})`;
      try {
        const r = await (session as PgliteSession).db.query(sql, [], { blob: new Blob([bytes]) });
        total += r.affectedRows ?? 0;
      } catch (err) {
        throw decodePostgresCopyError(step.table.name, file.uri, err);
      }
    }
    return total;
  }

  async query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]> {
    return this.withSession(async (s) => (await s.query<R>(sql, params)).rows);
  }

  async close(): Promise<void> {
    await this.queue;
    await this.db.close();
  }
}
