// A LiveTable as a TableModel: what migrations' DDL and the round-trip tests build from.
import { Column, defineTable, type TableModel, type TableOptions } from '../src/model/index.js';
import type { LiveTable } from './introspect/types.js';

const UNCOMPARABLE = new Set(['super', 'varbyte', 'geometry', 'geography', 'hllsketch']);

/** The upsert key codegen can take from the primary key, or why it can't. */
export function upsertKeyFor(table: LiveTable): { key: string[] } | { reason: string } {
  const pk = table.options.primaryKey;
  if (pk.length === 0) return { reason: 'this table declares no primary key' };
  for (const name of pk) {
    const spec = table.columns.find((c) => c.name === name)?.spec;
    if (spec?.identity)
      return { reason: `its primary key column ${name} is an IDENTITY column, which loads never write` };
    if (spec && UNCOMPARABLE.has(spec.kind))
      return { reason: `its primary key column ${name} is ${spec.kind}, which can't be compared with =` };
  }
  return { key: [...pk] };
}

export function liveToModel(table: LiveTable, rename?: string): TableModel {
  const columns = Object.fromEntries(table.columns.map((c) => [c.name, new Column(c.spec)]));
  const o = table.options;
  const up = upsertKeyFor(table);
  const options: TableOptions<string> = {
    ...('key' in up ? { upsertKey: up.key } : {}),
    ...(o.primaryKey.length ? { primaryKey: o.primaryKey } : {}),
    ...(o.distStyle && !(o.distStyle === 'key' && o.distKey) ? { distStyle: o.distStyle } : {}),
    ...(o.distKey ? { distKey: o.distKey } : {}),
    ...(o.sortKey === 'auto'
      ? { sortKey: 'auto' as const }
      : o.sortKey
        ? { sortKey: o.sortKey.style === 'compound' ? o.sortKey.columns : { interleaved: o.sortKey.columns } }
        : {}),
    ...(o.comment !== undefined ? { comment: o.comment } : {}),
  };
  return defineTable(`${table.schema}.${rename ?? table.name}`, columns, options);
}
