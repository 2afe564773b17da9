// What introspection reads from a live database: one LiveTable per table, in the model's own
// terms (ColumnSpec and table options), plus what the model can't say (the native type, a
// fallback warning). Codegen renders it, the drift check and migrations compare against it.
import type { Dialect } from '../../src/dialect/index.js';
import type { ColumnSpec } from '../../src/model/index.js';

/** The information_schema.columns shape both catalogs answer with (Postgres directly, Redshift's svv_columns). */
export interface InfoSchemaColumnRow {
  table_schema: string;
  table_name: string;
  column_name: string;
  ordinal_position: number;
  data_type: string;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

export interface LiveColumn {
  readonly name: string;
  /** The column as a model would declare it (after any fallback). */
  readonly spec: ColumnSpec;
  /** The type as the database names it, e.g. 'character varying(64)'. */
  readonly nativeType: string;
  /** Set when the native type has no exact model type and `spec` is a fallback. */
  readonly fallback?: string;
  /** The catalog's default expression as written (migrations' `down` restores it verbatim). */
  readonly defaultSql?: string;
  /** Postgres: GENERATED ALWAYS or BY DEFAULT (the model can't say; migrations keep it). */
  readonly identityKind?: 'always' | 'by default';
}

/** A named UNIQUE (or PRIMARY KEY) constraint. */
export interface LiveKey {
  readonly name: string;
  readonly columns: readonly string[];
}

/** A FOREIGN KEY: `columns` of its table reference `references.columns` of another (or the same) table. */
export interface LiveForeignKey extends LiveKey {
  readonly references: { readonly schema: string; readonly table: string; readonly columns: readonly string[] };
}

/** A FOREIGN KEY of another table that references this one. */
export interface LiveReference extends LiveForeignKey {
  readonly schema: string;
  readonly table: string;
}

export interface LiveTableOptions {
  readonly primaryKey: readonly string[];
  /** The primary key constraint's name (a migration that rebuilds the key keeps it). */
  readonly primaryKeyName?: string;
  /** Redshift: UNIQUE constraints (a deep copy re-creates them under their names). */
  readonly uniques?: readonly LiveKey[];
  /** Redshift: the table's own FOREIGN KEYs (a deep copy re-creates them under their names). */
  readonly foreignKeys?: readonly LiveForeignKey[];
  /** Redshift: other tables' FOREIGN KEYs that reference this table (a deep copy's DROP would need CASCADE). */
  readonly referencedBy?: readonly LiveReference[];
  readonly distStyle?: 'auto' | 'even' | 'key' | 'all';
  readonly distKey?: string;
  readonly sortKey?: { style: 'compound' | 'interleaved'; columns: readonly string[] } | 'auto';
  readonly comment?: string;
  /** Redshift manages encodings itself (ENCODE AUTO): column encodings are not part of the model. */
  readonly autoEncoding?: boolean;
}

export interface LiveTable {
  readonly schema: string;
  readonly name: string;
  readonly dialect: Dialect;
  /** In ordinal order. */
  readonly columns: readonly LiveColumn[];
  readonly options: LiveTableOptions;
}

/** Which tables to read: schemas, and an optional table-name pattern (`*` and `?` globs, or a RegExp). */
export interface TableSelection {
  readonly schemas: readonly string[];
  readonly tables?: TablePattern | undefined;
}

export type TablePattern = string | RegExp | ((name: string) => boolean);

/** Anything that runs a query: pg.Pool, pg.Client, or a warehouse's query method. */
export interface Queryable {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface Introspection {
  readonly dialect: Dialect;
  readonly tables: readonly LiveTable[];
  /** Human-readable warnings: fallbacks, skipped tables. */
  readonly warnings: readonly string[];
}

/** Turns `orders_*` (glob) or a RegExp into a matcher of table names. */
export function tableMatcher(pattern: TablePattern | undefined): (name: string) => boolean {
  if (pattern === undefined) return () => true;
  if (typeof pattern === 'function') return pattern;
  if (pattern instanceof RegExp) return (name) => pattern.test(name);
  const parts = pattern
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const regexes = parts.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '.*')
          .replace(/\?/g, '.')}$`,
      ),
  );
  return (name) => regexes.some((r) => r.test(name));
}
