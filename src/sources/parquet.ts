// Parquet on Postgres and PGlite (Redshift reads it natively): hyparquet, pure JS, reading one
// row group at a time through ranged reads, so memory is bounded by the row group, not the file.
import { parquetMetadataAsync, parquetReadObjects, parquetSchema, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import type { TableModel } from '../model/table.js';
import { createRowValidator, type NormalizedValue } from '../model/validate.js';
import { fileError, matchColumns, rowError } from './records.js';

export interface ParquetFile {
  metadata: FileMetaData;
  /** Top-level column names, in file order. */
  names: string[];
}

export async function readParquetFooter(file: AsyncBuffer, where: string, table: string): Promise<ParquetFile> {
  try {
    const metadata = await parquetMetadataAsync(file);
    return { metadata, names: parquetSchema(metadata).children.map((c) => c.element.name) };
  } catch (err) {
    throw fileError(table, { file: where, reason: `is not a readable Parquet file: ${(err as Error).message}` }, err);
  }
}

/** Validated rows of one Parquet file; `line` in errors is the 1-based row number. */
export async function* validatedParquetRows(model: TableModel, file: AsyncBuffer, footer: ParquetFile, where: string): AsyncGenerator<NormalizedValue[]> {
  const columns = matchColumns(model, footer.names, where);
  const validate = createRowValidator(model);
  let rowStart = 0;
  for (const group of footer.metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata: footer.metadata, rowStart, rowEnd, utf8: true });
    } catch (err) {
      throw fileError(model.qualifiedName, { file: where, line: rowStart + 1, reason: `cannot be read as Parquet: ${(err as Error).message}` }, err);
    }
    for (let i = 0; i < rows.length; i++) {
      const src = rows[i]!;
      const row: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) row[columns[c]!] = src[footer.names[c]!];
      try {
        yield validate(row, rowStart + i + 1);
      } catch (err) {
        throw rowError(model.qualifiedName, where, rowStart + i + 1, err);
      }
    }
    rowStart = rowEnd;
  }
}
