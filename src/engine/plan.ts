// Builds the load plan: the statements of one transaction, from SQL fragments the warehouse
// provides. The engine never asks which warehouse it has.
//   LOCK target; CREATE TEMP stage; COPY stage; dedupe; [DELETE target USING stage |
//   DELETE target]; INSERT target SELECT stage; audit row; DROP stage.
// A partial upsert merges with UPDATE target ... FROM stage (the given columns of matched keys)
// and INSERT ... WHERE NOT EXISTS (new keys) instead of DELETE + INSERT.
// After a live COPY (Postgres: the stage table was filled while staging, on the load's own
// session) the plan starts at the LOCK and skips CREATE and COPY.
import { UsageError } from '../errors.js';
import { quoteIdent } from '../sql/identifiers.js';
import type { TableModel } from '../model/table.js';
import { loadColumns } from '../model/validate.js';
import { DuplicateKeyError, LoadError } from '../warehouse/errors.js';
import type { LoadPlan, PlanStep } from '../warehouse/plan.js';
import { ORDINAL_COLUMN, type Warehouse } from '../warehouse/warehouse.js';
import type { PreparedSource } from './source.js';
import type { LoadedStage } from './live-stage.js';
import { checkGivenColumns, checkPartialOption, orderByProblem } from './given-columns.js';

export type LoadMode = 'upsert' | 'append' | 'replace';

export interface PlanInput {
  warehouse: Warehouse;
  model: TableModel;
  mode: LoadMode;
  loadId: string;
  /** The staged files to COPY; or, after a live COPY, `stageLoaded` instead. */
  prepared?: PreparedSource;
  /** For files without load order: the column whose greatest value wins among duplicates. */
  orderBy?: string;
  /** The success audit row, computed from the step counts once they are known. */
  auditRow?: { sql: string; params: (counts: Record<string, number>) => unknown[] | Promise<unknown[]> };
  /** Receives the rows of the warehouse's loadCommitsSql() (Redshift), read right after COPY. */
  onLoadCommits?: (rows: Record<string, unknown>[]) => void;
  /** The stage table already exists in the load's session and holds these rows (a live COPY ran while staging). */
  stageLoaded?: LoadedStage;
  /** Upsert only the given columns: matched keys keep the others; new keys get their defaults / NULL. */
  partial?: boolean;
  /** The model columns the source gave (GivenColumns); default: the staged files' columns. */
  givenColumns?: readonly string[];
}

/** The temp stage table of a load. */
export function stageTableName(loadId: string): string {
  return `upshift_stage_${loadId.replace(/[^a-zA-Z0-9_]/g, '_').toLowerCase()}`;
}

const q = quoteIdent;

/** `a.k = b.k AND ...`, or the null-safe form when the model asks for it. */
function keyMatch(model: TableModel, a: string, b: string): string {
  return model.options.upsertKey
    .map((k) => {
      const eq = `${a}.${q(k)} = ${b}.${q(k)}`;
      return model.options.nullSafeUpsertKey ? `(${eq} OR (${a}.${q(k)} IS NULL AND ${b}.${q(k)} IS NULL))` : eq;
    })
    .join(' AND ');
}

/**
 * Steps that leave one row per upsert key in the stage table: the last by load order, or the
 * greatest `orderBy` value. With orderBy, NULL loses to any value, and a tie (equal values, or
 * both NULL) goes to the later row in load order; files without load order can't break ties,
 * so those fail the duplicate check below.
 */
function dedupeSteps(
  input: PlanInput,
  prepared: { ordered: boolean; distinctKeys?: boolean },
  stage: string,
): PlanStep[] {
  const { model, orderBy } = input;
  const key = model.options.upsertKey;
  const s = q(stage);
  const steps: PlanStep[] = [];
  if ((prepared.ordered && !prepared.distinctKeys) || orderBy) {
    // A row loses when another row with its key comes later (greater orderBy, then load order).
    const ord = `d.${q(ORDINAL_COLUMN)} > ${s}.${q(ORDINAL_COLUMN)}`;
    let wins = ord;
    if (orderBy) {
      const [a, b] = [`d.${q(orderBy)}`, `${s}.${q(orderBy)}`];
      const greater = `(${a} > ${b} OR (${a} IS NOT NULL AND ${b} IS NULL))`;
      wins = prepared.ordered
        ? `(${greater} OR ((${a} = ${b} OR (${a} IS NULL AND ${b} IS NULL)) AND ${ord}))`
        : greater;
    }
    steps.push({
      kind: 'sql',
      sql: `DELETE FROM ${s} WHERE EXISTS (SELECT 1 FROM ${s} AS d WHERE ${keyMatch(model, 'd', s)} AND ${wins})`,
      label: 'duplicates',
    });
  }
  if (!prepared.ordered) {
    // Without load order, remaining duplicates (ties, or no orderBy) can't be resolved: fail and name them.
    const cols = key.map(q).join(', ');
    steps.push({
      kind: 'check',
      sql: `SELECT ${cols}, COUNT(*) AS copies FROM ${s} GROUP BY ${cols} HAVING COUNT(*) > 1 LIMIT 5`,
      fail: (rows) => new DuplicateKeyError(model.qualifiedName, key, rows),
    });
  }
  return steps;
}

/** Refuses a load that can't be planned, before anything is staged. */
export function checkLoadOptions(model: TableModel, mode: LoadMode, orderBy?: string): void {
  if (mode === 'upsert' && model.options.upsertKey.length === 0) {
    throw new UsageError(
      `upsert into ${model.qualifiedName} needs an upsertKey in its model (defineTable(..., { upsertKey: ['id'] })); use mode 'append' or 'replace' otherwise`,
    );
  }
  if (orderBy !== undefined && !Object.hasOwn(model.columns, orderBy)) {
    throw new UsageError(`orderBy names "${orderBy}", which is not a column of ${model.qualifiedName}`);
  }
  if (orderBy !== undefined && mode !== 'upsert') {
    throw new UsageError(
      `orderBy picks the winner among rows with one upsert key: it applies to upsert only; ${mode} into ${model.qualifiedName} inserts every row`,
    );
  }
}

export function buildLoadPlan(input: PlanInput): LoadPlan {
  const { warehouse: w, model, mode, prepared, stageLoaded } = input;
  const rows = stageLoaded ?? prepared;
  if (!rows) throw new UsageError('buildLoadPlan needs the prepared source or the loaded stage table');
  checkLoadOptions(model, mode, input.orderBy);
  checkPartialOption(model, mode, input.partial);
  const target = w.tableName(model);
  const stage = stageTableName(input.loadId);
  const fileColumns = rows.columns ?? loadColumns(model);
  const given = input.givenColumns ?? fileColumns;
  checkGivenColumns(model, mode, input.partial ?? false, given);
  const order = orderByProblem(mode === 'upsert' && (input.partial ?? false), input.orderBy, given);
  if (order) throw new LoadError(model.qualifiedName, [order]);
  // Columns with a SQL DEFAULT that the source doesn't give, or gives as NULL, get the default in the INSERT.
  const insertColumns = loadColumns(model);
  const selectList = insertColumns.map((c) => stageValueSql(w, model, given, c));
  const steps: PlanStep[] = [{ kind: 'sql', sql: w.lockTableSql(model) }];
  if (!stageLoaded && prepared) {
    steps.push(
      { kind: 'sql', sql: w.createTempTableSql(stage, model, fileColumns, prepared.ordered) },
      {
        kind: 'copy',
        table: { name: stage },
        columns: prepared.ordered ? [...fileColumns, ORDINAL_COLUMN] : fileColumns,
        load: prepared.staged,
        format: prepared.format,
        label: 'staged',
        ...(prepared.read ? { read: prepared.read } : {}),
      },
    );
  }
  // Right after COPY, in its session: pg_last_copy_id() still names it (Redshift's stl_load_commits).
  const commits = w.loadCommitsSql();
  if (commits && input.onLoadCommits) steps.push({ kind: 'sql', sql: commits, onRows: input.onLoadCommits });
  if (mode === 'upsert') {
    // Only upserts join the stage table (append and replace just read it once).
    const compared = [...new Set([...model.options.upsertKey, ...(input.orderBy ? [input.orderBy] : [])])];
    for (const sql of w.analyzeTempSql(stage, compared)) steps.push({ kind: 'sql', sql });
    steps.push(...dedupeSteps(input, rows, stage));
    if (!input.partial)
      steps.push({
        kind: 'sql',
        sql: `DELETE FROM ${target} USING ${q(stage)} WHERE ${keyMatch(model, target, q(stage))}`,
        label: 'updated',
      });
  } else if (mode === 'replace') {
    // Never TRUNCATE: on Redshift it commits the transaction, and a failed load would leave the table empty.
    steps.push({ kind: 'sql', sql: `DELETE FROM ${target}`, label: 'deleted' });
  }
  if (mode === 'upsert' && input.partial) steps.push(...partialMergeSteps(w, model, given, stage));
  else {
    steps.push({
      kind: 'sql',
      sql: `INSERT INTO ${target} (${insertColumns.map(q).join(', ')}) SELECT ${selectList.join(', ')} FROM ${q(stage)}`,
      label: 'inserted',
    });
  }
  if (input.auditRow) steps.push({ kind: 'sql', sql: input.auditRow.sql, params: input.auditRow.params });
  steps.push({ kind: 'sql', sql: `DROP TABLE ${q(stage)}` });
  return { target: model.qualifiedName, steps, ...(stageLoaded ? { counts: { staged: stageLoaded.rows } } : {}) };
}

/**
 * What column c gets from a stage row (qualified by `from` when given): the staged value, with
 * a SQL DEFAULT for NULL; or, when the source doesn't give c, the default or NULL.
 */
function stageValueSql(w: Warehouse, model: TableModel, given: readonly string[], c: string, from?: string): string {
  const spec = model.columns[c]!.spec;
  if (!given.includes(c)) return spec.default ? w.dialect.defaultSql(spec)! : 'NULL';
  const ref = from ? `${from}.${q(c)}` : q(c);
  return spec.default?.kind === 'sql' ? `COALESCE(${ref}, ${w.dialect.defaultSql(spec)})` : ref;
}

/**
 * The partial upsert's merge (after the dedupe): UPDATE the given non-key columns of rows whose
 * key is in the stage table, then INSERT the stage rows whose key is not in the target. Only
 * statements Redshift runs (UPDATE ... FROM; no ON CONFLICT). The UPDATE never changes a key,
 * so the INSERT's NOT EXISTS sees exactly the keys that were there before. Counts: `matched`
 * (updated in place) and `inserted` (new keys only).
 */
function partialMergeSteps(w: Warehouse, model: TableModel, given: readonly string[], stageName: string): PlanStep[] {
  const target = w.tableName(model);
  const stage = q(stageName);
  const key = model.options.upsertKey;
  const updated = loadColumns(model).filter((c) => given.includes(c) && !key.includes(c));
  const set = updated.map((c) => `${q(c)} = ${stageValueSql(w, model, given, c, stage)}`).join(', ');
  const insertColumns = loadColumns(model);
  const values = insertColumns.map((c) => stageValueSql(w, model, given, c, stage)).join(', ');
  return [
    {
      kind: 'sql',
      sql: `UPDATE ${target} SET ${set} FROM ${stage} WHERE ${keyMatch(model, target, stage)}`,
      label: 'matched',
    },
    {
      kind: 'sql',
      sql: `INSERT INTO ${target} (${insertColumns.map(q).join(', ')}) SELECT ${values} FROM ${stage} WHERE NOT EXISTS (SELECT 1 FROM ${target} WHERE ${keyMatch(model, target, stage)})`,
      label: 'inserted',
    },
  ];
}
