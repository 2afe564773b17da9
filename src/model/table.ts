// defineTable: the typed model of one Redshift table, and the row types derived from it.
import type { AnyColumn, Column, ColumnKind, InsertTypes, SelectTypes } from './columns.js';
import { ModelDefinitionError, showValue } from './errors.js';
import { checkIdentifier, parseQualifiedName } from './identifiers.js';
import { columnChecker } from './validate.js';

export type Columns = Record<string, AnyColumn>;

export type SortKey<K extends string> =
  readonly K[] | { readonly compound: readonly K[] } | { readonly interleaved: readonly K[] } | 'auto';

export interface TableOptions<K extends string> {
  /** Columns that identify a row for upsert: last write wins on these. */
  upsertKey?: readonly K[] | undefined;
  /** Match NULLs in upsert-key columns as equal (slower on Redshift: defeats the hash join). */
  nullSafeUpsertKey?: boolean | undefined;
  distStyle?: 'auto' | 'even' | 'key' | 'all' | undefined;
  distKey?: K | undefined;
  sortKey?: SortKey<K> | undefined;
  /** Informational, as on Redshift (not enforced there). */
  primaryKey?: readonly K[] | undefined;
  comment?: string | undefined;
  /** Redshift BACKUP NO excludes the table from snapshots. Default true. */
  backup?: boolean | undefined;
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

/** Column names of a column map. A conditional type (not `keyof C`) keeps TableModel covariant in C. */
export type ColumnNameOf<C> = C extends Record<infer K, AnyColumn> ? K & string : never;

/**
 * The column names of a model. Written as a conditional type on purpose: a plain
 * `keyof C & string` makes TypeScript measure TableModel as invariant in C (keyof is
 * contravariant), so no concrete model was assignable to `TableModel`.
 */
export type ColumnName<C> = [C] extends [infer X] ? keyof X & string : never;

export interface TableModel<C extends Columns = Columns> {
  readonly kind: 'upshift.table';
  readonly schema: string;
  readonly name: string;
  /** 'schema.table' */
  readonly qualifiedName: string;
  readonly columns: C;
  /** Column names in declaration order: the order of COPY column lists and CSV fields. */
  readonly columnNames: readonly ColumnNameOf<C>[];
  readonly options: ResolvedTableOptions;
}

type KindOf<Col> = Col extends Column<infer K, boolean, boolean, boolean> ? K : never;
type IsNotNull<Col> = Col extends Column<ColumnKind, infer N, boolean, boolean> ? N : never;
type IsGenerated<Col> = Col extends Column<ColumnKind, boolean, infer G, boolean> ? G : never;
type IsIdentity<Col> = Col extends Column<ColumnKind, boolean, boolean, infer I> ? I : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** A row as read back from the table. */
export type Row<T extends TableModel> = Simplify<{
  -readonly [K in keyof T['columns']]: IsNotNull<T['columns'][K]> extends true
    ? SelectTypes[KindOf<T['columns'][K]>]
    : SelectTypes[KindOf<T['columns'][K]>] | null;
}>;

/** Identity columns are filled by the warehouse: loads never write them. */
type WritableKeys<C extends Columns> = { [K in keyof C]: IsIdentity<C[K]> extends true ? never : K }[keyof C];
type RequiredInsertKeys<C extends Columns> = {
  [K in WritableKeys<C>]: IsNotNull<C[K]> extends true ? (IsGenerated<C[K]> extends true ? never : K) : never;
}[WritableKeys<C>];
type NotNullGeneratedKeys<C extends Columns> = {
  [K in WritableKeys<C>]: IsNotNull<C[K]> extends true ? (IsGenerated<C[K]> extends true ? K : never) : never;
}[WritableKeys<C>];
type NullableKeys<C extends Columns> = {
  [K in WritableKeys<C>]: IsNotNull<C[K]> extends true ? never : K;
}[WritableKeys<C>];

/**
 * A row accepted by loads: NOT NULL columns without default are required; NOT NULL columns
 * with a default are optional; nullable columns are optional and take null; IDENTITY columns
 * are absent (the warehouse generates them).
 */
export type InsertRow<T extends TableModel> = Simplify<
  { [K in RequiredInsertKeys<T['columns']>]: InsertTypes[KindOf<T['columns'][K]>] } & {
    [K in NotNullGeneratedKeys<T['columns']>]?: InsertTypes[KindOf<T['columns'][K]>];
  } & { [K in NullableKeys<T['columns']>]?: InsertTypes[KindOf<T['columns'][K]>] | null }
>;

function keyList(option: string, value: unknown, columns: Columns): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ModelDefinitionError(
      `${option} must be a non-empty list of column names: name at least one column, or leave ${option} out`,
    );
  }
  for (const col of value) {
    if (typeof col !== 'string' || !Object.hasOwn(columns, col)) {
      throw new ModelDefinitionError(
        `${option} names "${String(col)}", which is not a column (columns: ${Object.keys(columns).join(', ')})`,
      );
    }
  }
  if (new Set(value).size !== value.length)
    throw new ModelDefinitionError(`${option} lists a column twice: ${value.join(', ')}; name each column once`);
  return value as string[];
}

function resolveOptions(columns: Columns, options: TableOptions<string>): ResolvedTableOptions {
  const upsertKey = options.upsertKey ? keyList('upsertKey', options.upsertKey, columns) : [];
  const nullSafe = options.nullSafeUpsertKey ?? false;
  if (options.distKey !== undefined) {
    keyList('distKey', [options.distKey], columns);
    if (options.distStyle && options.distStyle !== 'key') {
      throw new ModelDefinitionError(
        `distKey "${options.distKey}" needs distStyle 'key' (or no distStyle), not '${options.distStyle}'`,
      );
    }
  } else if (options.distStyle === 'key') {
    throw new ModelDefinitionError("distStyle 'key' needs a distKey column");
  }
  let sortKey: ResolvedTableOptions['sortKey'];
  const sk = options.sortKey;
  if (sk === 'auto') sortKey = 'auto';
  else if (Array.isArray(sk)) sortKey = { style: 'compound', columns: keyList('sortKey', sk, columns) };
  else if (sk && 'compound' in sk)
    sortKey = { style: 'compound', columns: keyList('sortKey.compound', sk.compound, columns) };
  else if (sk && 'interleaved' in sk) {
    const cols = keyList('sortKey.interleaved', sk.interleaved, columns);
    if (cols.length > 8)
      throw new ModelDefinitionError(
        `an interleaved sort key allows at most 8 columns, got ${cols.length}: drop some, or use a compound sort key`,
      );
    sortKey = { style: 'interleaved', columns: cols };
  }
  if (sortKey && sortKey !== 'auto' && sortKey.style === 'compound' && sortKey.columns.length > 400) {
    throw new ModelDefinitionError(
      `a compound sort key allows at most 400 columns, got ${sortKey.columns.length}: keep the leading columns your queries filter on`,
    );
  }
  const keyColumns = [
    ...(options.distKey !== undefined ? [options.distKey] : []),
    ...(sortKey && sortKey !== 'auto' ? sortKey.columns : []),
  ];
  for (const col of keyColumns) {
    if (columns[col]!.spec.kind === 'super')
      throw new ModelDefinitionError(
        `column "${col}" is SUPER, which Redshift can't use as a distribution or sort key: pick another column`,
      );
  }
  const primaryKey = options.primaryKey ? keyList('primaryKey', options.primaryKey, columns) : [];
  for (const col of upsertKey) {
    const spec = columns[col]!.spec;
    if (spec.identity)
      throw new ModelDefinitionError(
        `upsertKey column "${col}" is an IDENTITY column: loads never write it, so it can't identify incoming rows`,
      );
    if (['super', 'varbyte', 'geometry', 'geography', 'hllsketch'].includes(spec.kind)) {
      throw new ModelDefinitionError(
        `upsertKey column "${col}" is ${spec.kind}, which Redshift can't compare with =: pick another key`,
      );
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
  if (names.length === 0)
    throw new ModelDefinitionError(
      `table ${qualifiedName} has no columns: give at least one, like { id: t.bigint().notNull() }`,
    );
  if (names.length > 1600)
    throw new ModelDefinitionError(
      `table ${qualifiedName} has ${names.length} columns: Redshift allows 1600; split it, or move sparse fields into a t.super() column`,
    );
  for (const col of names) {
    checkIdentifier(col, `column`);
    const column = columns[col];
    if (!(column && typeof column === 'object' && 'spec' in column)) {
      throw new ModelDefinitionError(`column "${col}" is not a column builder: use t.varchar(64), t.bigint(), ...`);
    }
    // A DEFAULT value must be a valid value of its column: refuse it now, not at the first load.
    const def = column.spec.default;
    if (def?.kind === 'value') {
      const r = columnChecker(column.spec)(def.value);
      if (!r.ok)
        throw new ModelDefinitionError(
          `column "${col}": DEFAULT ${showValue(def.value)} ${r.detail} (rule: ${r.rule})`,
        );
    }
  }
  return Object.freeze({
    kind: 'upshift.table' as const,
    schema,
    name,
    qualifiedName: `${schema}.${name}`,
    columns,
    columnNames: Object.freeze(names) as readonly ColumnNameOf<C>[],
    options: resolveOptions(columns, options as TableOptions<string>),
  });
}

export const isTableModel = (v: unknown): v is TableModel =>
  typeof v === 'object' && v !== null && (v as TableModel).kind === 'upshift.table';
