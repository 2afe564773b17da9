// Data API results as the JS values the wire path gives: each column's type name (ColumnMetadata
// typeName) picks the Postgres type the wire protocol would have named, and that type's parser
// (upshiftPgTypes: BIGINT as bigint, TIMESTAMP as its UTC wall time, NUMERIC as text) reads the
// field's text. Integers arrive as JSON numbers, which lose digits past 2^53: the client reads
// them as text before the SDK parses the answer (exactLongValues below).
import type { ColumnMetadata, Field } from '@aws-sdk/client-redshift-data';
import { upshiftPgTypes } from './pg-types.js';

/** Postgres type oids by the names Redshift (and Postgres) give their types. */
const TYPE_OIDS: Record<string, number> = {
  bool: 16,
  boolean: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  bigint: 20,
  int2: 21,
  smallint: 21,
  int4: 23,
  integer: 23,
  int: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  real: 700,
  float8: 701,
  float: 701,
  'double precision': 701,
  bpchar: 1042,
  character: 1042,
  varchar: 1043,
  'character varying': 1043,
  date: 1082,
  time: 1083,
  'time without time zone': 1083,
  timestamp: 1114,
  'timestamp without time zone': 1114,
  timestamptz: 1184,
  'timestamp with time zone': 1184,
  interval: 1186,
  timetz: 1266,
  'time with time zone': 1266,
  numeric: 1700,
  decimal: 1700,
  jsonb: 3802,
};

/** The text parser of a column, or undefined for types the wire path also returns as text. */
function parserFor(column: ColumnMetadata | undefined): ((text: string) => unknown) | undefined {
  const name = (column?.typeName ?? '')
    .toLowerCase()
    .replace(/\(.*\)$/, '')
    .trim();
  const oid = TYPE_OIDS[name];
  if (oid === undefined) return undefined;
  return upshiftPgTypes.getTypeParser(oid, 'text');
}

/** Reads each record of a GetStatementResult page into a row keyed by column name (labels as the wire path names them). */
export function recordReader(columns: readonly ColumnMetadata[]): (record: Field[]) => Record<string, unknown> {
  const names = columns.map((c, i) => c.label ?? c.name ?? `?column${i}?`);
  const parsers = columns.map(parserFor);
  return (record) => {
    const row: Record<string, unknown> = {};
    record.forEach((field, i) => {
      row[names[i] ?? `?column${i}?`] = fieldValue(field, parsers[i]);
    });
    return row;
  };
}

function fieldValue(field: Field, parse: ((text: string) => unknown) | undefined): unknown {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return parse ? parse(field.stringValue) : field.stringValue;
  const exact = field.$unknown?.[0] === EXACT_LONG ? String(field.$unknown[1]) : undefined;
  if (exact !== undefined)
    return parse ? parse(exact) : Number.isSafeInteger(Number(exact)) ? Number(exact) : BigInt(exact);
  if (field.longValue !== undefined) return parse ? parse(String(field.longValue)) : field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue);
  return null;
}

/** The field name an exact integer is renamed to: the SDK keeps an unknown member of the Field union as `$unknown: [name, value]`. */
export const EXACT_LONG = 'upshiftExactLong';

/**
 * The JSON of a GetStatementResult answer with every `"longValue": <digits>` field rewritten as
 * `"upshiftExactLong": "<digits>"`, outside strings only: JSON.parse would round integers past 2^53.
 */
export function exactLongValues(json: string): string {
  let out = '';
  let i = 0;
  const n = json.length;
  while (i < n) {
    const c = json[i]!;
    if (c !== '"') {
      out += c;
      i++;
      continue;
    }
    let end = i + 1;
    while (end < n && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
    const token = json.slice(i, end + 1);
    i = end + 1;
    const number = token === '"longValue"' ? /^\s*:\s*(-?\d+)/.exec(json.slice(i, i + 40)) : null;
    if (number) {
      out += `"${EXACT_LONG}":"${number[1]}"`;
      i += number[0].length;
    } else out += token;
  }
  return out;
}
