// fromDataFrame: an Apache Arrow table (what DuckDB, Polars and Arrow produce in JS), matched to
// the model by column name. Arrow types are checked against the model's column kinds before
// any row is read; values are then validated row by row and staged in row order.
import type { DataType, Dictionary, Field, Table, TypeMap, Vector } from 'apache-arrow';
import { importOptional } from '../optional.js';
import type { ColumnKind } from '../model/columns.js';
import type { TableModel } from '../model/table.js';
import { createRowValidator } from '../model/row-validator.js';
import { type NormalizedValue } from '../model/validate.js';
import { fileError } from '../engine/source.js';
import { matchColumns, rowError } from './records.js';
import { stageRows } from '../engine/stage-rows.js';
import type { ColumnWatch, PreparedSource, Source, SourceContext } from '../engine/source.js';

// apache-arrow (an optional peer dependency) is loaded on first use (~20 MB of RSS measured):
// loads that never see a data frame don't pay for it, nor install it.
type Arrow = typeof import('apache-arrow');
let arrow: Arrow['DataType'];

type ArrowClass =
  'int' | 'float' | 'decimal' | 'bool' | 'text' | 'date' | 'timestamp' | 'binary' | 'nested' | 'null' | 'other';

// Arrow's own guard says Dictionary<any>: its values are some DataType.
const isDictionary = (type: DataType): type is Dictionary<DataType> => arrow.isDictionary(type);

/** Utf8, Int32, Timestamp<MILLISECOND>: every concrete Arrow type names itself, though the abstract DataType doesn't declare it. */
const arrowTypeName = (type: DataType): string => (type as DataType & { toString(): string }).toString();

/** A dictionary-encoded column's value type; any other type as it is. */
const valueType = (type: DataType): DataType => (isDictionary(type) ? type.dictionary : type);

function arrowClass(type: DataType): ArrowClass {
  const DataType = arrow;
  if (isDictionary(type)) return arrowClass(type.dictionary);
  if (DataType.isNull(type)) return 'null';
  if (DataType.isInt(type)) return 'int';
  if (DataType.isFloat(type)) return 'float';
  if (DataType.isDecimal(type)) return 'decimal';
  if (DataType.isBool(type)) return 'bool';
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return 'text';
  if (DataType.isDate(type)) return 'date';
  if (DataType.isTimestamp(type)) return 'timestamp';
  if (DataType.isBinary(type) || DataType.isLargeBinary(type) || DataType.isFixedSizeBinary(type)) return 'binary';
  if (DataType.isList(type) || DataType.isStruct(type) || DataType.isMap(type) || DataType.isFixedSizeList(type))
    return 'nested';
  return 'other';
}

/** Which Arrow types each column kind takes (text always works where the model parses text). */
const ACCEPTS: Record<ColumnKind, readonly ArrowClass[]> = {
  smallint: ['int'],
  integer: ['int'],
  bigint: ['int'],
  decimal: ['int', 'float', 'decimal', 'text'],
  real: ['int', 'float'],
  double: ['int', 'float'],
  boolean: ['bool'],
  char: ['text'],
  varchar: ['text'],
  date: ['date', 'timestamp', 'text'],
  time: ['text'],
  timetz: ['text'],
  timestamp: ['timestamp', 'date', 'text'],
  timestamptz: ['timestamp', 'date', 'text'],
  super: ['int', 'float', 'decimal', 'bool', 'text', 'date', 'timestamp', 'nested'],
  varbyte: ['binary'],
  geometry: ['text'],
  geography: ['text'],
  hllsketch: ['text'],
  interval_ym: ['text'],
  interval_ds: ['text'],
};

/** Arrow decimals come back as unscaled integers: put the point back. */
function decimalText(unscaled: string, scale: number): string {
  if (scale <= 0) return unscaled + '0'.repeat(-scale);
  const neg = unscaled.startsWith('-');
  const digits = (neg ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const bigintSafe = (_k: string, v: unknown) =>
  typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : v;

/** Reads one Arrow value into what the model's validator takes. */
function reader(field: Field<DataType>, kind: ColumnKind): (v: Vector, i: number) => unknown {
  const cls = arrowClass(field.type);
  if (cls === 'timestamp' || cls === 'date')
    return (v, i) => {
      const x = v.get(i) as number | null;
      return x === null ? null : new Date(x);
    };
  if (cls === 'decimal') {
    const type = valueType(field.type);
    const scale = arrow.isDecimal(type) ? type.scale : 0;
    return (v, i) => {
      // Arrow's BN: its toString() is the unscaled integer
      const x = v.get(i) as { toString(): string } | null;
      return x === null ? null : decimalText(String(x), scale);
    };
  }
  if (cls === 'nested')
    return (v, i) => {
      const x = v.get(i) as { toJSON(): unknown } | null;
      return x === null ? null : (JSON.parse(JSON.stringify(x.toJSON(), bigintSafe)) as unknown);
    };
  if (cls === 'int' && kind === 'super')
    return (v, i) => {
      const x = v.get(i) as unknown;
      return typeof x === 'bigint' && Number.isSafeInteger(Number(x)) ? Number(x) : x;
    };
  return (v, i) => v.get(i) as unknown;
}

/** The columns to read and how: fails before any row is read on an unknown column or a type the column can't take. */
function planColumns<T extends TypeMap>(model: TableModel, table: Table<T>, where: string) {
  const fields = table.schema.fields;
  const columns = matchColumns(
    model,
    fields.map((f) => f.name),
    where,
  );
  return fields.map((field, c) => {
    const column = columns[c]!;
    const kind = model.columns[column]!.spec.kind;
    const cls = arrowClass(field.type);
    if (cls !== 'null' && !ACCEPTS[kind].includes(cls)) {
      throw fileError(model.qualifiedName, {
        file: where,
        column,
        reason: `is Arrow ${arrowTypeName(field.type)}, which a ${kind.toUpperCase()} column cannot take (it takes Arrow ${ACCEPTS[kind].join(' / ')})`,
      });
    }
    return { name: field.name, column, read: reader(field, kind) };
  });
}

function* frameRows<T extends TypeMap>(
  model: TableModel,
  table: Table<T>,
  where: string,
  watch?: ColumnWatch,
): Generator<NormalizedValue[]> {
  const plan = planColumns(model, table, where);
  watch?.file(
    plan.map((p) => p.column),
    where,
  );
  const validate = createRowValidator(model);
  let rowNumber = 0;
  for (const batch of table.batches) {
    const vectors = plan.map((p) => batch.getChild(p.name)!);
    for (let i = 0; i < batch.numRows; i++) {
      rowNumber++;
      const row: Record<string, unknown> = {};
      for (let c = 0; c < plan.length; c++) row[plan[c]!.column] = plan[c]!.read(vectors[c]!, i);
      try {
        yield validate(row, rowNumber);
      } catch (err) {
        throw rowError(model.qualifiedName, where, rowNumber, err);
      }
    }
  }
}

/** An Arrow table; errors name the data frame, the row number (1-based) and the column. */
export function fromDataFrame<T extends TypeMap>(table: Table<T>, options: { name?: string | undefined } = {}): Source {
  const where = options.name ?? 'data frame';
  return {
    describe: () =>
      `${where}: Arrow table, ${table.numRows} rows (${table.schema.fields.map((f) => f.name).join(', ')})`,
    async prepare(ctx: SourceContext): Promise<PreparedSource> {
      arrow ??= (await importOptional('apache-arrow', 'fromDataFrame', () => import('apache-arrow'))).DataType;
      const rows = frameRows(ctx.model, table, where, ctx.columnWatch);
      // Rows have an order: a later row wins over an earlier one with the same key.
      return stageRows(ctx, rows, true);
    },
  };
}
