// What one SQL dialect is: the spellings that differ (types, defaults, identity, table clauses,
// load fragments), what it can do, and how a server says it speaks it. Everything above this
// layer asks the dialect object rather than comparing its name.
import type { ColumnDefault, ColumnSpec } from '../model/columns.js';
import type { TableModel } from '../model/table.js';
import type { SqlLiterals } from '../sql/literals.js';

/** The dialects upshift speaks: Redshift's, and Postgres's (which PGlite speaks too). */
export type Dialect = 'redshift' | 'postgres';

/** Redshift's VACUUM kinds; on Postgres 'delete only' is a plain VACUUM and 'full' VACUUM FULL. */
export type VacuumMode = 'delete only' | 'sort only' | 'full';

/** The column types spelled differently in each dialect (the others are spelled alike). */
export interface TypeSpelling {
  readonly varcharMax: string;
  readonly time: string;
  readonly timetz: string;
  readonly timestamp: string;
  readonly timestamptz: string;
  readonly super: string;
  varbyte(bytes: number): string;
  readonly geometry: string;
  readonly geography: string;
  readonly hllsketch: string;
}

/** How a DEFAULT is written where the dialects differ. */
export interface DefaultSpelling {
  /** A raw SQL default, `sql('getdate()', { postgres: 'now()' })`. */
  expression(d: Extract<ColumnDefault, { kind: 'sql' }>): string;
  /** A bytes value, from its hex digits. */
  bytes(hex: string): string;
  /** A SUPER value, from its JSON text. */
  json(text: string): string;
}

/** What a dialect can do, where callers would otherwise ask which dialect it is. */
export interface DialectCapabilities {
  /** How staged CSV spells VARBYTE/BYTEA values: the form this dialect's COPY reads. */
  readonly binaryFormat: 'redshift' | 'postgres';
  /** COPY reads the staged files in S3 where they are; otherwise they are streamed to it. */
  readonly copiesFromS3: boolean;
  /** Column compression encodings (ENCODE): written in DDL, compared by drift checks. */
  readonly encodings: boolean;
  /** DISTSTYLE, DISTKEY and SORTKEY: written in DDL, compared by drift checks. */
  readonly distAndSortKeys: boolean;
  /** ALTER TABLE changes every column fact in place; otherwise migrations deep-copy the table. */
  readonly alterInPlace: boolean;
  /** An IDENTITY column takes explicit values (a deep copy keeps them); otherwise they are renumbered. */
  readonly explicitIdentityValues: boolean;
  /** A constraint can be renamed; otherwise a deep copy re-creates the keys under their names. */
  readonly renamesConstraints: boolean;
}

/** The parts of a dialect that differ; `defineDialect` adds the DDL built from them. */
export interface DialectSpelling {
  readonly name: Dialect;
  /** The longest identifier the server keeps as written, in UTF-8 bytes. */
  readonly maxIdentifierBytes: number;
  readonly types: TypeSpelling;
  readonly defaults: DefaultSpelling;
  readonly capabilities: DialectCapabilities;
  readonly introspection: {
    /** Whether `select version()` says the server speaks this dialect. */
    recognises(serverVersion: string): boolean;
  };
  /** String and bytes literals. */
  readonly literals: SqlLiterals;
  /** The IDENTITY clause of a column definition. */
  identitySql(seed: number, step: number): string;
  /** Refuses a model this dialect can't create as declared (e.g. names it would truncate). */
  checkTable(table: TableModel): void;
  /** Clauses after CREATE TABLE's column list (Redshift: BACKUP, DISTSTYLE, DISTKEY, SORTKEY). */
  tableClauses(table: TableModel): string[];
  /** Clauses after a temp stage table's column list (Redshift: the target's DISTKEY). */
  tempTableClauses(table: TableModel, columns: readonly string[]): string[];
  /** The lock that serializes loads into `table` (already qualified). */
  lockTableSql(table: string): string;
  /** Statistics for a freshly loaded stage table, on the columns the merge joins and compares. */
  analyzeTempSql(name: string, columns: readonly string[]): string[];
  /** An index for lookups by `columns` (`table` already qualified); null where there are none. */
  createIndexSql(name: string, table: string, columns: readonly string[]): string | null;
  /** VACUUM of `table` (already qualified); null when the mode means nothing here. */
  vacuumSql(table: string, mode: VacuumMode): string | null;
}

/** One SQL dialect: its spellings and capabilities, and the DDL they make. */
export interface SqlDialect extends DialectSpelling {
  /** The SQL type of a column. */
  sqlType(spec: ColumnSpec): string;
  /** A column's DEFAULT as SQL, undefined without one. */
  defaultSql(spec: ColumnSpec): string | undefined;
  /** One column's definition in CREATE TABLE or ALTER TABLE ADD COLUMN. */
  columnSql(name: string, spec: ColumnSpec): string;
  /** CREATE TABLE (IF NOT EXISTS unless `ifNotExists: false`) and its comments. */
  createTableStatements(table: TableModel, opts?: { ifNotExists?: boolean | undefined }): string[];
}
