// Postgres migrations ALTER in place: every difference the diff finds has an ALTER TABLE that
// changes that one fact, so nothing else of the table (column types the model can't name,
// foreign keys either way, identity ALWAYS, constraint and index names, storage) is rebuilt.
// `down` undoes each statement from what the catalog said: the native type, the default as
// written, the identity kind and the primary key's name.
import { identitySequenceOptions, postgresDialect } from '../../src/dialect/index.js';
import type { ColumnSpec } from '../../src/model/index.js';
import { qualifiedName, quoteIdent } from '../../src/sql/identifiers.js';
import { postgresLiteral } from '../../src/sql/literals.js';
import type { Difference } from '../diff.js';
import type { LiveColumn, LiveTable } from '../introspect/types.js';
import { addColumn, commentOnColumn, commentOnTable, dropColumn } from './ddl.js';

/** One change and its inverse. */
export interface Step {
  up: string[];
  down: string[];
  /** An extra summary line, where the change does more than the difference says. */
  note?: string;
}

const alter = (schema: string, table: string, what: string) => `ALTER TABLE ${qualifiedName(schema, table)} ${what}`;
const alterColumn = (schema: string, table: string, column: string, what: string) =>
  alter(schema, table, `ALTER COLUMN ${quoteIdent(column)} ${what}`);

/** Moves a column's identity sequence past the values already there (ascending sequences only). */
function syncSequence(schema: string, table: string, column: string, step: number): string[] {
  if (step < 0) return [];
  return [
    `SELECT setval(pg_get_serial_sequence(${postgresLiteral(qualifiedName(schema, table))}, ${postgresLiteral(column)}), max(${quoteIdent(column)})) FROM ${qualifiedName(schema, table)} HAVING max(${quoteIdent(column)}) IS NOT NULL`,
  ];
}

function addIdentity(
  schema: string,
  table: string,
  column: string,
  id: { seed: number; step: number },
  kind: 'always' | 'by default',
): string[] {
  return [
    alterColumn(
      schema,
      table,
      column,
      `ADD GENERATED ${kind.toUpperCase()} AS IDENTITY ${identitySequenceOptions(id.seed, id.step)}`,
    ),
    ...syncSequence(schema, table, column, id.step),
  ];
}

const setDefault = (schema: string, table: string, column: string, sql: string | undefined) =>
  alterColumn(schema, table, column, sql === undefined ? 'DROP DEFAULT' : `SET DEFAULT ${sql}`);

/** The column's type, default and identity as the catalog has them, to add it back in `down`. */
function liveColumnSql(c: LiveColumn): string {
  const parts = [quoteIdent(c.name), c.nativeType];
  if (c.defaultSql !== undefined) parts.push(`DEFAULT ${c.defaultSql}`);
  if (c.spec.identity)
    parts.push(
      `GENERATED ${(c.identityKind ?? 'by default').toUpperCase()} AS IDENTITY ${identitySequenceOptions(c.spec.identity.seed, c.spec.identity.step)}`,
    );
  return parts.join(' ');
}

/**
 * Without USING, ALTER TYPE converts as an assignment does, which fails on a value that doesn't
 * fit (an explicit ::varchar(4) would truncate it). That conversion exists into every string
 * type and between numbers; other changes of kind need the explicit cast.
 */
function using(column: string, type: string, crossKind: boolean): string {
  if (!crossKind || /^(character|varchar|char|text|bpchar)\b/i.test(type)) return '';
  return ` USING ${quoteIdent(column)}::${type}`;
}

type ColumnChange = Extract<Difference, { kind: 'column-changed' }>;

/**
 * The steps for one column's changed fields, in an order Postgres accepts: an identity goes
 * before NOT NULL is dropped and comes after it is set; NULLs take the new default before
 * SET NOT NULL.
 */
function columnSteps(schema: string, table: string, live: LiveColumn, changes: ColumnChange[]): Step[] {
  const model = changes[0]!.modelSpec;
  const name = live.name;
  const has = (field: ColumnChange['field']) => changes.some((c) => c.field === field);
  const steps: Step[] = [];
  const liveId = live.spec.identity;
  const kind = live.identityKind ?? 'by default';
  if (has('identity') && liveId && !model.identity) {
    steps.push({
      up: [alterColumn(schema, table, name, 'DROP IDENTITY')],
      down: addIdentity(schema, table, name, liveId, kind),
    });
  }
  if (has('type')) {
    const type = postgresDialect.sqlType(model);
    const crossKind = model.kind !== live.spec.kind || live.fallback !== undefined;
    steps.push({
      up: [alterColumn(schema, table, name, `TYPE ${type}${using(name, type, crossKind)}`)],
      down: [alterColumn(schema, table, name, `TYPE ${live.nativeType}${using(name, live.nativeType, crossKind)}`)],
    });
  }
  if (has('default')) {
    steps.push({
      up: [setDefault(schema, table, name, postgresDialect.defaultSql(model))],
      down: [setDefault(schema, table, name, live.defaultSql)],
    });
  }
  if (has('notNull')) steps.push(notNullStep(schema, table, name, model));
  if (has('identity') && model.identity) {
    const id = model.identity;
    steps.push(
      liveId
        ? {
            up: [alterColumn(schema, table, name, `SET INCREMENT BY ${id.step} SET START WITH ${id.seed}`)],
            down: [alterColumn(schema, table, name, `SET INCREMENT BY ${liveId.step} SET START WITH ${liveId.seed}`)],
          }
        : {
            up: addIdentity(schema, table, name, id, 'by default'),
            down: [alterColumn(schema, table, name, 'DROP IDENTITY')],
          },
    );
  }
  if (has('comment')) {
    steps.push({
      up: [commentOnColumn(schema, table, name, model.comment, 'postgres')],
      down: [commentOnColumn(schema, table, name, live.spec.comment, 'postgres')],
    });
  }
  return steps;
}

/** SET NOT NULL, after giving the NULLs already there the model's default (if it has one). */
function notNullStep(schema: string, table: string, name: string, model: ColumnSpec): Step {
  const wantsNotNull = model.notNull || model.identity !== undefined;
  if (!wantsNotNull)
    return {
      up: [alterColumn(schema, table, name, 'DROP NOT NULL')],
      down: [alterColumn(schema, table, name, 'SET NOT NULL')],
    };
  const fill = postgresDialect.defaultSql(model);
  const up = [alterColumn(schema, table, name, 'SET NOT NULL')];
  if (fill === undefined || model.identity) return { up, down: [alterColumn(schema, table, name, 'DROP NOT NULL')] };
  return {
    up: [
      `UPDATE ${qualifiedName(schema, table)} SET ${quoteIdent(name)} = ${fill} WHERE ${quoteIdent(name)} IS NULL`,
      ...up,
    ],
    down: [alterColumn(schema, table, name, 'DROP NOT NULL')],
    note: `column ${name}: NULLs are set to its default ${fill} before NOT NULL (down keeps those values)`,
  };
}

const pkeyName = (table: string) =>
  `${Buffer.from(table)
    .subarray(0, 58)
    .toString()
    .replace(/\uFFFD+$/, '')}_pkey`;

function primaryKeyStep(schema: string, table: string, modelKey: readonly string[], live: LiveTable): Step {
  const liveName = live.options.primaryKeyName;
  const liveKey = live.options.primaryKey;
  // the rebuilt key keeps the constraint's name, so nothing that names it breaks
  const name = liveName ?? pkeyName(table);
  const add = (n: string, cols: readonly string[]) =>
    alter(schema, table, `ADD CONSTRAINT ${quoteIdent(n)} PRIMARY KEY (${cols.map(quoteIdent).join(', ')})`);
  const drop = (n: string) => alter(schema, table, `DROP CONSTRAINT ${quoteIdent(n)}`);
  const up = [
    ...(liveName && liveKey.length ? [drop(liveName)] : []),
    ...(modelKey.length ? [add(name, modelKey)] : []),
  ];
  const down = [
    ...(modelKey.length ? [drop(name)] : []),
    ...(liveName && liveKey.length ? [add(liveName, liveKey)] : []),
  ];
  return { up, down };
}

/** The ALTER steps that turn `live` into the model, one or more per difference. */
export function postgresSteps(
  model: { schema: string; name: string; primaryKey: readonly string[]; comment?: string },
  live: LiveTable,
  diffs: readonly Difference[],
): Step[] {
  const { schema, name } = model;
  const liveCols = new Map(live.columns.map((c) => [c.name, c]));
  const steps: Step[] = [];
  const changed = new Map<string, ColumnChange[]>();
  for (const d of diffs) if (d.kind === 'column-changed') changed.set(d.column, [...(changed.get(d.column) ?? []), d]);
  for (const d of diffs) {
    switch (d.kind) {
      case 'column-added':
        steps.push({
          up: addColumn(schema, name, d.column, d.spec, 'postgres'),
          down: [dropColumn(schema, name, d.column)],
        });
        break;
      case 'column-removed': {
        const c = liveCols.get(d.column)!;
        const comment =
          c.spec.comment !== undefined ? [commentOnColumn(schema, name, d.column, c.spec.comment, 'postgres')] : [];
        steps.push({
          up: [dropColumn(schema, name, d.column)],
          down: [alter(schema, name, `ADD COLUMN ${liveColumnSql(c)}`), ...comment],
        });
        break;
      }
      case 'column-changed': {
        const changes = changed.get(d.column);
        if (!changes) break; // already planned with the column's first change
        changed.delete(d.column);
        steps.push(...columnSteps(schema, name, liveCols.get(d.column)!, changes));
        break;
      }
      case 'table-changed':
        if (d.field === 'primaryKey') steps.push(primaryKeyStep(schema, name, model.primaryKey, live));
        else if (d.field === 'comment')
          steps.push({
            up: [commentOnTable(schema, name, model.comment, 'postgres')],
            down: [commentOnTable(schema, name, live.options.comment, 'postgres')],
          });
        break;
    }
  }
  return steps;
}
