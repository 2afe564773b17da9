// A load plan: the ordered steps of one transaction. The engine builds it; a warehouse runs it
// atomically (BEGIN ... COMMIT over a connection today; a Redshift Data API batch could run the
// same list). Keeping plans as data makes the exact SQL testable without a database.
import type { CopyFormat } from '../stage/copy-format.js';
import type { StagedLoad } from '../stage/types.js';

export type PlanStep =
  /** One SQL statement; its row count is recorded under `label` when given. */
  | {
      kind: 'sql';
      sql: string;
      params?: unknown[] | ((counts: Record<string, number>) => unknown[] | Promise<unknown[]>);
      label?: string;
      onRows?: (rows: Record<string, unknown>[]) => void;
    }
  /** COPY the staged files into a (temp) table. Each warehouse does this its own way. */
  | {
      kind: 'copy';
      table: { schema?: string; name: string };
      columns: string[];
      load: StagedLoad;
      format: CopyFormat;
      label?: string;
    }
  /** A query that must return no rows; when it does, `fail` builds the error that aborts the load. */
  | { kind: 'check'; sql: string; fail: (rows: Record<string, unknown>[]) => Error };

export interface LoadPlan {
  /** The target, for error messages and the audit row. */
  target: string;
  steps: PlanStep[];
  /** Counts known before the transaction (rows a live COPY already put in the stage table). */
  counts?: Record<string, number>;
  /** Told as each attempt of the transaction begins (1, 2, ...), so a failed load can record how many ran. */
  onAttempt?: (attempt: number) => void;
  /**
   * A row the transaction writes (the load's audit row), read on a new connection when the
   * connection breaks after COMMIT was sent: it tells whether the commit went through.
   */
  commitMarker?: CommitMarker;
  /** Cancels the transaction: checked before each step; the Data API also cancels the running statement. */
  signal?: AbortSignal | undefined;
}

export interface CommitMarker {
  /** The table the marker row lives in (quoted, qualified). */
  table: string;
  /** Selects the marker row; `committed` reads the answer. */
  sql: string;
  params: unknown[];
  committed: (rows: Record<string, unknown>[]) => boolean;
}

export interface PlanResult {
  /** Row counts of the labelled steps. */
  counts: Record<string, number>;
  /** How many times the transaction was attempted (1 = no retry). */
  attempts: number;
  /** What the user should know although the plan committed (e.g. COMMIT's answer was lost, the commit was confirmed). */
  notes?: string[];
}
