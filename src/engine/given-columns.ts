// Which of the model's columns a load's source gives, and whether the load may go on with them.
// An upsert replaces whole rows: from a source that lacks columns (a CSV with `id,status`) it
// would set every other column of each updated row to NULL or its default. That is refused,
// unless the load asks for a partial upsert, which updates only the given columns.
import { UsageError } from '../errors.js';
import { RowValidationError } from '../model/errors.js';
import type { TableModel } from '../model/table.js';
import { loadColumns } from '../model/validate.js';
import { fileError, type ColumnWatch } from './source.js';
import { LoadError } from '../warehouse/errors.js';
import type { LoadMode } from './plan.js';

/** Refuses `partial` outside an upsert: append and replace only insert, so there is nothing to keep. */
export function checkPartialOption(model: TableModel, mode: LoadMode, partial: boolean | undefined): void {
  if (partial && mode !== 'upsert') {
    throw new UsageError(
      `partial applies to upsert only; ${mode} into ${model.qualifiedName} inserts whole rows (missing columns get their defaults or NULL)`,
    );
  }
}

/**
 * Why a load can't run with these given columns, or undefined. An upsert must give every load
 * column unless partial; a partial upsert must give its whole key and at least one other column.
 */
export function givenColumnsProblem(
  model: TableModel,
  mode: LoadMode,
  partial: boolean,
  given: readonly string[],
  missingWord = 'is missing',
): { column: string; reason: string } | undefined {
  if (mode !== 'upsert') return undefined;
  const all = loadColumns(model);
  const key = model.options.upsertKey;
  const has = new Set(given);
  const list = (cols: readonly string[]) => cols.join(', ') || 'none';
  if (!partial) {
    const missing = all.filter((c) => !has.has(c));
    if (missing.length === 0) return undefined;
    return {
      column: missing[0]!,
      reason:
        `${missingWord} (missing: ${list(missing)}; given: ${list(all.filter((c) => has.has(c)))}). An upsert replaces whole rows, so these columns ` +
        `would become NULL or their defaults in every updated row of ${model.qualifiedName}. Give every column (${list(all)}), ` +
        'or load with partial: true (CLI --partial) to update only the given columns of matched keys and insert new keys',
    };
  }
  const missingKey = key.filter((c) => !has.has(c));
  if (missingKey.length > 0) {
    return {
      column: missingKey[0]!,
      reason: `is part of the upsert key (${list(key)}), which a partial upsert must be given to match rows; given: ${list(all.filter((c) => has.has(c)))}`,
    };
  }
  if (!all.some((c) => has.has(c) && !key.includes(c))) {
    return {
      column: key[0]!,
      reason: `a partial upsert updates the given columns besides the key (${list(key)}), but none is given`,
    };
  }
  return undefined;
}

/**
 * A partial upsert's orderBy must be a column the source gives: the stage holds NULL for the
 * others, so ordering by one would leave load order alone to pick the winner, silently.
 */
export function orderByProblem(
  partial: boolean,
  orderBy: string | undefined,
  given: readonly string[],
): { column: string; reason: string } | undefined {
  if (!partial || orderBy === undefined || given.includes(orderBy)) return undefined;
  return {
    column: orderBy,
    reason:
      `orderBy names "${orderBy}", which the source does not give (given: ${given.join(', ') || 'none'}): a partial upsert holds no value for it, ` +
      `so load order alone would pick the winner among rows with one key. Give ${orderBy}, or leave orderBy out`,
  };
}

/** Throws the problem, if any, naming where the columns came from. */
export function checkGivenColumns(
  model: TableModel,
  mode: LoadMode,
  partial: boolean,
  given: readonly string[],
  where?: string,
  missingWord?: string,
): void {
  const problem = givenColumnsProblem(model, mode, partial, given, missingWord);
  if (problem)
    throw new LoadError(model.qualifiedName, [
      { ...(where ? { file: where } : {}), column: problem.column, reason: problem.reason },
    ]);
}

/**
 * The engine's ColumnWatch for one load. Files report their columns up front (checked there,
 * before a row is staged); records report one by one. In a partial upsert every record must give
 * the columns of the first (no record silently writes NULL into a column another one updates);
 * otherwise the columns any record gives are collected, and the plan checks them at the end.
 */
export class GivenColumns implements ColumnWatch {
  private readonly all: string[];
  private fileColumns: { set: Set<string>; where: string } | undefined;
  /** Partial: the columns of the first record (a flag per load column). */
  private firstRecord: boolean[] | undefined;
  /** Otherwise: columns no record has given yet, and whether any record was seen. */
  private readonly unseen: Set<string>;
  private sawRecord = false;

  constructor(
    private readonly model: TableModel,
    private readonly mode: LoadMode,
    readonly partial: boolean,
    /** The source, for the refusal when records lacked columns (known only after the last). */
    private readonly source: string,
    /** The load's orderBy: a partial upsert must give it. */
    private readonly orderBy?: string | undefined,
  ) {
    checkPartialOption(model, mode, partial);
    this.all = loadColumns(model);
    this.unseen = new Set(this.all);
  }

  file(columns: readonly string[], where: string): void {
    const set = new Set(columns);
    if (this.fileColumns) {
      // Several files (an S3 prefix, validated one by one) must agree in a partial upsert.
      const before = this.fileColumns;
      if (this.partial && (set.size !== before.set.size || columns.some((c) => !before.set.has(c)))) {
        throw fileError(this.model.qualifiedName, {
          file: where,
          reason: `has the columns ${columns.join(', ')}, unlike ${before.where} (${[...before.set].join(', ')}): a partial upsert updates one set of columns`,
        });
      }
    }
    checkGivenColumns(this.model, this.mode, this.partial, columns, where);
    const order = orderByProblem(this.partial, this.orderBy, columns);
    if (order) throw fileError(this.model.qualifiedName, { file: where, ...order });
    this.fileColumns ??= { set, where };
  }

  record(row: Record<string, unknown>, index: number): void {
    const all = this.all;
    if (!this.partial) {
      this.sawRecord = true;
      if (this.unseen.size > 0) for (const c of this.unseen) if (row[c] !== undefined) this.unseen.delete(c);
      return;
    }
    if (!this.firstRecord) {
      this.firstRecord = all.map((c) => row[c] !== undefined);
      const given = all.filter((_, i) => this.firstRecord![i]);
      const problem =
        givenColumnsProblem(this.model, this.mode, true, given) ?? orderByProblem(true, this.orderBy, given);
      if (problem)
        throw new RowValidationError(
          index,
          problem.column,
          row[problem.column],
          'partial upsert columns',
          problem.reason,
          this.model.qualifiedName,
        );
      return;
    }
    const first = this.firstRecord;
    for (let i = 0; i < all.length; i++) {
      if ((row[all[i]!] !== undefined) === first[i]) continue;
      const c = all[i]!;
      const given = all.filter((_, j) => first[j]).join(', ');
      throw new RowValidationError(
        index,
        c,
        row[c],
        'partial upsert columns',
        first[i]
          ? `is missing, but the first row gives it: a partial upsert updates the columns of its first row (${given}) and every row must give them`
          : `is given, but the first row does not give it: a partial upsert updates the columns of its first row (${given}) and every row must give exactly those`,
        this.model.qualifiedName,
      );
    }
  }

  /**
   * After the last row: the given columns in load-column order (undefined when the source
   * reported none). Throws when records, all told, lacked columns an upsert needs.
   */
  columns(): string[] | undefined {
    if (this.fileColumns) return this.all.filter((c) => this.fileColumns!.set.has(c));
    if (this.firstRecord) return this.all.filter((_, i) => this.firstRecord![i]);
    if (!this.sawRecord) return undefined;
    const given = this.all.filter((c) => !this.unseen.has(c));
    checkGivenColumns(this.model, this.mode, this.partial, given, undefined, `is in no record of ${this.source}`);
    return given;
  }
}
