// Parquet output for unload on Postgres and PGlite (hyparquet-writer, pure JS). Values arrive as
// the text Postgres prints (COPY CSV); each column's Postgres type picks its Parquet type, as
// Redshift's UNLOAD ... PARQUET does: integers INT32/INT64, numeric(p,s) DECIMAL (exact, via
// bigint), timestamps INT64 micros (UTC-adjusted for timestamptz), date DATE, bytea BYTE_ARRAY,
// everything else UTF-8 text. Rows are buffered one row group at a time, written, then
// flushed to storage: memory is bounded by the row group, not the result.
import { UnloadError } from './errors.js';
import type { ParquetWriter, Writer } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { importOptional } from '../../optional.js';
import type { OutputLocation } from './output.js';
import { PartFile, type UnloadedFile } from './parts.js';

/** A result column: name and Postgres type (oid, typmod where known). */
export interface ExportField {
  name: string;
  typeId: number;
  typeModifier?: number;
}

type Convert = (text: string) => unknown;

const TS =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;
const DATE = /^(\d{4,})-(\d\d)-(\d\d)$/;

function utcMillis(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear keeps years 0-99 as written
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

function timestampMicros(text: string): bigint {
  const m = TS.exec(text);
  if (!m)
    throw new UnloadError(
      `cannot write timestamp ${JSON.stringify(text)} to Parquet (BC dates and infinity have no Parquet form)`,
    );
  const ms = utcMillis(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  let micros = BigInt(ms) * 1000n + BigInt((m[7] ?? '').padEnd(6, '0') || '0');
  if (m[8]) {
    const offsetSeconds = (+m[9]! * 3600 + +(m[10] ?? 0) * 60 + +(m[11] ?? 0)) * (m[8] === '-' ? -1 : 1);
    micros -= BigInt(offsetSeconds) * 1_000_000n;
  }
  return micros;
}

function dateDays(text: string): number {
  const m = DATE.exec(text);
  if (!m)
    throw new UnloadError(
      `cannot write date ${JSON.stringify(text)} to Parquet (BC dates and infinity have no Parquet form)`,
    );
  return utcMillis(+m[1]!, +m[2]!, +m[3]!) / 86_400_000;
}

function decimalUnscaled(text: string, scale: number): bigint {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) throw new UnloadError(`cannot write numeric ${JSON.stringify(text)} to Parquet DECIMAL`);
  const frac = (m[3] ?? '').padEnd(scale, '0');
  if (frac.length > scale) throw new UnloadError(`numeric ${text} has more than ${scale} decimals`);
  const digits = BigInt(`${m[2] || '0'}${frac}`);
  return m[1] ? -digits : digits;
}

const hexBytes = (text: string): Uint8Array => Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');

/** The Parquet schema element and text converter for one Postgres column. */
export function parquetColumn(field: ExportField): { element: SchemaElement; convert: Convert; json?: boolean } {
  const base = { name: field.name, repetition_type: 'OPTIONAL' as const };
  switch (field.typeId) {
    case 16:
      return { element: { ...base, type: 'BOOLEAN' }, convert: (t) => t === 't' || t === 'true' };
    case 21:
    case 23:
      return { element: { ...base, type: 'INT32' }, convert: Number };
    case 20:
      return { element: { ...base, type: 'INT64' }, convert: (t) => BigInt(t) };
    case 700:
      return { element: { ...base, type: 'FLOAT' }, convert: Number };
    case 701:
      return { element: { ...base, type: 'DOUBLE' }, convert: Number };
    case 1082:
      return {
        element: { ...base, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } },
        convert: dateDays,
      };
    case 1114:
    case 1184: {
      const utc = field.typeId === 1184;
      return {
        element: {
          ...base,
          type: 'INT64',
          converted_type: 'TIMESTAMP_MICROS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: utc, unit: 'MICROS' },
        },
        convert: timestampMicros,
      };
    }
    case 17:
      return { element: { ...base, type: 'BYTE_ARRAY' }, convert: hexBytes };
    // json/jsonb: UTF-8 text while writing (hyparquet-writer would re-stringify a JSON column's
    // values); the footer then declares it JSON (see finalSchema), so readers parse it.
    case 114:
    case 3802:
      return { element: { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' }, convert: (t) => t, json: true };
    case 1700: {
      const mod = field.typeModifier ?? -1;
      if (mod >= 4) {
        const precision = ((mod - 4) >> 16) & 0xffff;
        const scale = (mod - 4) & 0xffff;
        const length = Math.ceil((precision * Math.log2(10) + 1) / 8);
        const physical =
          precision <= 18 ? { type: 'INT64' as const } : { type: 'FIXED_LEN_BYTE_ARRAY' as const, type_length: length };
        return {
          element: {
            ...base,
            ...physical,
            converted_type: 'DECIMAL',
            precision,
            scale,
            logical_type: { type: 'DECIMAL', precision, scale },
          },
          convert: (t) => decimalUnscaled(t, scale),
        };
      }
      // numeric without a declared scale: exact as text.
      return { element: { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' }, convert: (t) => t };
    }
    default:
      return { element: { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8' }, convert: (t) => t };
  }
}

type HyparquetWriter = typeof import('hyparquet-writer');
type Writers = {
  ParquetWriter: HyparquetWriter['ParquetWriter'];
  StreamingWriter: new (file: PartFile) => Writer;
};
let writers: Promise<Writers> | undefined;

/**
 * hyparquet-writer is an optional peer dependency, loaded by the first Parquet unload on
 * Postgres or PGlite; the writer class that extends its ByteWriter is made then.
 */
function loadWriters(): Promise<Writers> {
  writers ??= importOptional(
    'hyparquet-writer',
    'unload to Parquet on Postgres or PGlite',
    () => import('hyparquet-writer'),
  ).then(({ ByteWriter, ParquetWriter }) => {
    // ByteWriter declares a synchronous finish(); the Writer that ParquetWriter takes may finish
    // asynchronously (ParquetWriter.finish() returns its promise), as this one does.
    const AsyncFinishing: new (initialSize?: number) => Omit<InstanceType<typeof ByteWriter>, 'finish'> = ByteWriter;
    /** A hyparquet Writer that hands each finished row group's bytes to a stored file. */
    class StreamingWriter extends AsyncFinishing implements Writer {
      constructor(private readonly file: PartFile) {
        super(1 << 20);
      }
      flush(): Promise<void> {
        const bytes = Buffer.from(this.getBytes());
        this.index = 0;
        return this.file.write(bytes);
      }
      finish(): Promise<void> {
        return this.flush();
      }
    }
    return { ParquetWriter, StreamingWriter };
  });
  // a failed load is not kept: installing the package fixes the next unload in the same process
  writers.catch(() => (writers = undefined));
  return writers;
}

const GROUP_ROWS = 65_536;
const GROUP_TEXT_BYTES = 32 * 1024 * 1024;

/** Parquet part files: rows buffered into row groups, groups dealt round-robin over lanes. */
export class ParquetParts {
  private readonly columns: ReturnType<typeof parquetColumn>[];
  private readonly schema: SchemaElement[];
  /** The schema the footer declares: JSON columns marked JSON. */
  private readonly finalSchema: SchemaElement[];
  private buffer: unknown[][];
  private buffered = 0;
  private bufferedBytes = 0;
  private lane = 0;
  private next = 0;
  private readonly open: Array<{ file: PartFile; writer: ParquetWriter } | undefined>;
  private readonly done: UnloadedFile[] = [];
  private readonly all: PartFile[] = [];

  constructor(
    private readonly out: OutputLocation,
    fields: ExportField[],
    private readonly lanes: number,
    private readonly maxFileSize: number | undefined,
  ) {
    this.columns = fields.map(parquetColumn);
    this.schema = [{ name: 'schema', num_children: fields.length }, ...this.columns.map((c) => c.element)];
    this.finalSchema = [
      this.schema[0]!,
      ...this.columns.map((c) =>
        c.json ? { ...c.element, converted_type: 'JSON' as const, logical_type: { type: 'JSON' as const } } : c.element,
      ),
    ];
    this.buffer = fields.map(() => []);
    this.open = new Array<{ file: PartFile; writer: ParquetWriter } | undefined>(lanes).fill(undefined);
  }

  async addRow(values: (string | null)[]): Promise<void> {
    for (let c = 0; c < this.columns.length; c++) {
      const v = values[c];
      if (v === null || v === undefined) this.buffer[c]!.push(null);
      else {
        this.bufferedBytes += v.length;
        this.buffer[c]!.push(this.columns[c]!.convert(v));
      }
    }
    if (++this.buffered >= GROUP_ROWS || this.bufferedBytes >= GROUP_TEXT_BYTES) await this.flushGroup();
  }

  private async flushGroup(): Promise<void> {
    if (this.buffered === 0) return;
    const lane = this.lane;
    this.lane = (this.lane + 1) % this.lanes;
    let slot = this.open[lane];
    if (slot && this.maxFileSize !== undefined && slot.file.stored >= this.maxFileSize) {
      await this.finishWriter(slot.writer);
      this.done.push(await slot.file.close());
      slot = undefined;
    }
    if (!slot) {
      const file = new PartFile(this.out.open(`part-${String(this.next++).padStart(5, '0')}.parquet`), false);
      this.all.push(file);
      slot = { file, writer: await this.newWriter(file) };
      this.open[lane] = slot;
    }
    const columnData = this.columns.map((c, i) => ({ name: c.element.name, data: this.buffer[i]! }));
    await slot.writer.write({ columnData, rowGroupSize: this.buffered });
    slot.file.rows += this.buffered;
    this.buffer = this.columns.map(() => []);
    this.buffered = 0;
    this.bufferedBytes = 0;
  }

  async close(): Promise<UnloadedFile[]> {
    await this.flushGroup();
    if (!this.open.some((s) => s !== undefined)) {
      // An empty result still gets one file with the schema, as Redshift writes one.
      const file = new PartFile(this.out.open(`part-${String(this.next++).padStart(5, '0')}.parquet`), false);
      this.all.push(file);
      this.open[0] = { file, writer: await this.newWriter(file) };
    }
    for (const slot of this.open) {
      if (!slot) continue;
      await this.finishWriter(slot.writer);
      this.done.push(await slot.file.close());
    }
    return this.done.sort((a, b) => (a.uri < b.uri ? -1 : 1));
  }

  private async newWriter(file: PartFile): Promise<ParquetWriter> {
    const { ParquetWriter, StreamingWriter } = await loadWriters();
    return new ParquetWriter({ writer: new StreamingWriter(file), schema: this.schema, createdBy: 'upshift' });
  }

  private async finishWriter(writer: ParquetWriter): Promise<void> {
    writer.schema = this.finalSchema;
    await writer.finish();
  }

  async abort(): Promise<void> {
    await Promise.all(this.all.map((f) => f.abort().catch(() => {})));
  }
}
