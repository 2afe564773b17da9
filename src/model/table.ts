// defineTable: the typed model of one Redshift table, and the row types derived from it.
import type { AnyColumn, Column, ColumnKind, InsertTypes, SelectTypes } from './columns.js';
import { ModelDefinitionError } from './errors.js';
import { checkIdentifier, parseQualifiedName } from './identifiers.js';

export type Columns = Record<string, AnyColumn>;

export type SortKey<K extends string> =
  | readonly K[]
  | { readonly compound: readonly K[] }
  | { readonly interleaved: readonly K[] }
  | 'auto';

export interface TableOptions<K extends string> {
  /** Columns that identify a row for upsert: last write wins on these. */
  upsertKey?: readonly K[];
  /** Match NULLs in upsert-key columns as equal (slower on Redshift: defeats the hash join). */
  nullSafeUpsertKey?: boolean;
  distStyle?: 'auto' | 'even' | 'key' | 'all';
  distKey?: K;
  sortKey?: SortKey<K>;
  /** Informational, as on Redshift (not enforced there). */
  primaryKey?: readonly K[];
  comment?: string;
  /** Redshift BACKUP NO excludes the table from snapshots. Default true. */
  backup?: boolean;
}

export interface ResolvedTableOptions {
  upsertKey: readonly string[];
  nullSafeUpsertKey: boolean;
  distStyle?: 'auto' | 'even' | 'key' | 'all';
  distKey?: string;
  sortKey?: { style: 'compound' | 'interleaved'; columns: readonly string[] } | 'auto';
  primaryKey: readonly string[];
  comment?: string;
  backup: boolean;
}

export interface TableModel<C extends Columns = Columns> {
  readonly kind: 'upshift.table';
  readonly schema: string;
  readonly name: string;
  /** 'schema.table' */
  readonly qualifiedName: string;
  readonly columns: C;
  /** Column names in declaration order: the order of COPY column lists and CSV fields. */
  readonly columnNames: readonly (keyof C & string)[];
  readonly options: ResolvedTableOptions;
}

type KindOf<Col> = Col extends Column<infer K, boolean, boolean> ? K : never;
type IsNotNull<Col> = Col extends Column<ColumnKind, infer N, boolean> ? N : never;
type IsGenerated<Col> = Col extends Column<ColumnKind, boolean, infer G> ? G : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A row as read back from the table. */
export type Row<T extends TableModel> = Simplify<{
  [K in keyof T['columns']]: IsNotNull<T['columns'][K]> extends true
    ? SelectTypes[KindOf<T['columns'][K]>]
    : SelectTypes[KindOf<T['columns'][K]>] | null;
}>;

type RequiredInsertKeys<C extends Columns> = {
  [K in keyof C]: IsNotNull<C[K]> extends true ? (IsGenerated<C[K]> extends true ? never : K) : never;
}[keyof C];
type NotNullGeneratedKeys<C extends Columns> = {
  [K in keyof C]: IsNotNull<C[K]> extends true ? (IsGenerated<C[K]> extends true ? K : never) : never;
}[keyof C];
type NullableKeys<C extends Columns> = {
  [K in keyof C]: IsNotNull<C[K]> extends true ? never : K;
}[keyof C];

/**
 * A row accepted by loads: NOT NULL columns without default or identity are required;
 * NOT NULL columns with one are optional; nullable columns are optional and take null.
 */
export type InsertRow<T extends TableModel> = Simplify<
  { [K in RequiredInsertKeys<T['columns']>]: InsertTypes[KindOf<T['columns'][K]>] } & {
    [K in NotNullGeneratedKeys<T['columns']>]?: InsertTypes[KindOf<T['columns'][K]>];
  } & { [K in NullableKeys<T['columns']>]?: InsertTypes[KindOf<T['columns'][K]>] | null }
>;

function keyList(option: string, value: unknown, columns: Columns): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ModelDefinitionError(`${option} must be a non-empty list of column names`);
  }
  for (const col of value) {
    if (typeof col !== 'string' || !(col in columns)) {
      throw new ModelDefinitionError(`${option} names "${String(col)}", which is not a column (columns: ${Object.keys(columns).join(', ')})`);
    }
  }
  if (new Set(value).size !== value.length) throw new ModelDefinitionError(`${option} lists a column twice: ${value.join(', ')}`);
  return value as string[];
}

function resolveOptions(columns: Columns, options: TableOptions<string>): ResolvedTableOptions {
  const upsertKey = options.upsertKey ? keyList('upsertKey', options.upsertKey, columns) : [];
  const nullSafe = options.nullSafeUpsertKey ?? false;
  if (options.distKey !== undefined) {
    keyList('distKey', [options.distKey], columns);
    if (options.distStyle && options.distStyle !== 'key') {
      throw new ModelDefinitionError(`distKey "${options.distKey}" needs distStyle 'key' (or no distStyle), not '${options.distStyle}'`);
    }
  } else if (options.distStyle === 'key') {
    throw new ModelDefinitionError("distStyle 'key' needs a distKey column");
  }
  let sortKey: ResolvedTableOptions['sortKey'];
  const sk = options.sortKey;
  if (sk === 'auto') sortKey = 'auto';
  else if (Array.isArray(sk)) sortKey = { style: 'compound', columns: keyList('sortKey', sk, columns) };
  else if (sk && 'compound' in sk) sortKey = { style: 'compound', columns: keyList('sortKey.compound', sk.compound, columns) };
  else if (sk && 'interleaved' in sk) {
    const cols = keyList('sortKey.interleaved', sk.interleaved, columns);
    if (cols.length > 8) throw new ModelDefinitionError(`an interleaved sort key allows at most 8 columns, got ${cols.length}`);
    sortKey = { style: 'interleaved', columns: cols };
  }
  if (sortKey && sortKey !== 'auto' && sortKey.style === 'compound' && sortKey.columns.length > 400) {
    throw new ModelDefinitionError('a compound sort key allows at most 400 columns');
  }
  const primaryKey = options.primaryKey ? keyList('primaryKey', options.primaryKey, columns) : [];
  for (const col of upsertKey) {
    const spec = columns[col]!.spec;
    if (spec.identity) throw new ModelDefinitionError(`upsertKey column "${col}" is an IDENTITY column: loads never write it, so it can't identify incoming rows`);
    if (['super', 'varbyte', 'geometry', 'geography', 'hllsketch'].includes(spec.kind)) {
      throw new ModelDefinitionError(`upsertKey column "${col}" is ${spec.kind}, which Redshift can't compare with =: pick another key`);
    }
  }
  return {
    upsertKey,
    nullSafeUpsertKey: nullSafe,
    ...(options.distStyle || options.distKey ? { distStyle: options.distStyle ?? 'key' } : {}),
    ...(options.distKey !== undefined ? { distKey: options.distKey } : {}),
    ...(sortKey ? { sortKey } : {}),
    primaryKey,
    ...(options.comment !== undefined ? { comment: options.comment } : {}),
    backup: options.backup ?? true,
  };
}

/**
 * Declares a Redshift table. Checks names and options against Redshift's rules now, so a
 * model that Redshift would refuse fails at startup, not in the middle of a load.
 */
export function defineTable<const C extends Columns>(
  qualifiedName: string,
  columns: C,
  options: TableOptions<keyof C & string> = {},
): TableModel<C> {
  const { schema, name } = parseQualifiedName(qualifiedName);
  const names = Object.keys(columns);
  if (names.length === 0) throw new ModelDefinitionError(`table ${qualifiedName} has no columns`);
  if (names.length > 1600) throw new ModelDefinitionError(`table ${qualifiedName} has ${names.length} columns: Redshift allows 1600`);
  for (const col of names) {
    checkIdentifier(col, `column`);
    if (!(columns[col] && typeof columns[col] === 'object' && 'spec' in columns[col])) {
      throw new ModelDefinitionError(`column "${col}" is not a column builder: use t.varchar(64), t.bigint(), ...`);
    }
  }
  return Object.freeze({
    kind: 'upshift.table' as const,
    schema,
    name,
    qualifiedName: `${schema}.${name}`,
    columns,
    columnNames: Object.freeze(names) as readonly (keyof C & string)[],
    options: resolveOptions(columns, options as TableOptions<string>),
  });
}

export const isTableModel = (v: unknown): v is TableModel =>
  typeof v === 'object' && v !== null && (v as TableModel).kind === 'upshift.table';
