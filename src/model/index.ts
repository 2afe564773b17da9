export { t, sql, Column, REDSHIFT_LIMITS, byteLimit, isRawSql } from './columns.js';
export type {
  ColumnKind,
  IntegerKind,
  IdentityKind,
  ColumnSpec,
  ColumnDefault,
  Encoding,
  RawSql,
  JsonValue,
  SelectTypes,
  InsertTypes,
  AnyColumn,
} from './columns.js';
export { defineTable, isTableModel } from './table.js';
export type {
  TableModel,
  ColumnName,
  TableOptions,
  ResolvedTableOptions,
  SortKey,
  Columns,
  Row,
  InsertRow,
} from './table.js';
export { columnSchema, columnChecker, columnFastPath, loadColumns } from './validate.js';
export { createRowValidator, validateRow } from './row-validator.js';
export type { NormalizedValue, ValueCheck } from './validate.js';
export type { RowValidator } from './row-validator.js';
export { checkIdentifier, parseQualifiedName } from './identifiers.js';
export { ModelDefinitionError, RowValidationError, showValue } from './errors.js';
