// S3Files: the S3 helpers users call next to their loads (put a file, read one back, list a
// prefix, clean up; see S3Access), plus model rows uploaded as upshift's CSV, which needs the
// model's validation and the stage's encoder, so it sits above both.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { InsertRow, TableModel } from '../model/table.js';
import { createRowValidator } from '../model/row-validator.js';
import { loadColumns, type NormalizedValue } from '../model/validate.js';
import { S3Access } from '../s3/files.js';
import { encodeCsvChunks } from '../stage/csv.js';
import type { BinaryDialect } from '../stage/types.js';

export class S3Files extends S3Access {
  /**
   * Validates rows against a model and uploads them as one CSV file in upshift's encoding
   * (model load-column order, NULL as unquoted \N, '' as "", gzip unless `gzip: false`), at
   * constant memory. A bad row fails before the upload completes, naming row, column and rule.
   */
  async uploadRows<T extends TableModel>(
    model: T,
    rows: Iterable<InsertRow<T>> | AsyncIterable<InsertRow<T>>,
    to: string,
    options: { gzip?: boolean | undefined; binary?: BinaryDialect | undefined } = {},
  ): Promise<{ uri: string; rows: number; columns: string[] }> {
    const validate = createRowValidator(model);
    const columns = loadColumns(model);
    let count = 0;
    async function* normalized(): AsyncGenerator<NormalizedValue[]> {
      for await (const row of rows as AsyncIterable<InsertRow<T>>) yield validate(row, count++);
    }
    const csv = Readable.from(
      encodeCsvChunks(normalized(), {
        columns: columns.map((c) => model.columns[c]!.spec),
        columnNames: columns,
        ordinal: false,
        binary: options.binary ?? 'redshift',
      }),
    );
    const sink = this.openUpload(to, { contentType: 'text/csv' });
    try {
      await pipeline(options.gzip === false ? [csv, sink.stream] : [csv, createGzip({ level: 1 }), sink.stream]);
      await sink.done();
    } catch (err) {
      await sink.abort();
      throw err;
    }
    return { uri: sink.uri, rows: count, columns };
  }
}
