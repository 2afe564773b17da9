// Column builders: `t.bigint().notNull()` and friends. A builder is immutable; every modifier
// returns a new builder whose type parameters record what the row types need to know
// (the kind, NOT NULL, whether the warehouse fills a value when the row has none).
import { UsageError } from '../errors.js';
import { ModelDefinitionError } from './errors.js';

export type IntegerKind = 'smallint' | 'integer' | 'bigint';
/** The kinds Redshift allows IDENTITY on. */
export type IdentityKind = 'integer' | 'bigint';
export type ColumnKind =
  | IntegerKind
  | 'decimal'
  | 'real'
  | 'double'
  | 'boolean'
  | 'char'
  | 'varchar'
  | 'date'
  | 'time'
  | 'timetz'
  | 'timestamp'
  | 'timestamptz'
  | 'super'
  | 'varbyte'
  | 'geometry'
  | 'geography'
  | 'hllsketch'
  | 'interval_ym'
  | 'interval_ds';

/** Redshift column compression encodings. */
export type Encoding =
  | 'auto'
  | 'raw'
  | 'az64'
  | 'bytedict'
  | 'delta'
  | 'delta32k'
  | 'lzo'
  | 'mostly8'
  | 'mostly16'
  | 'mostly32'
  | 'runlength'
  | 'text255'
  | 'text32k'
  | 'zstd';

const ENCODINGS: readonly Encoding[] = [
  'auto',
  'raw',
  'az64',
  'bytedict',
  'delta',
  'delta32k',
  'lzo',
  'mostly8',
  'mostly16',
  'mostly32',
  'runlength',
  'text255',
  'text32k',
  'zstd',
];

// The column types each encoding applies to, from Redshift's "Compression encodings" table.
// Only these long-standing types are checked; newer ones (TIME, VARBYTE, GEOMETRY, ...) are
// passed through for Redshift to judge.
const INTS: ColumnKind[] = ['smallint', 'integer', 'bigint'];
const CLASSIC_KINDS: ReadonlySet<ColumnKind> = new Set([
  ...INTS,
  'decimal',
  'real',
  'double',
  'boolean',
  'char',
  'varchar',
  'date',
  'timestamp',
  'timestamptz',
  'super',
]);
const ENCODING_TYPES: Partial<Record<Encoding, readonly ColumnKind[]>> = {
  raw: [...CLASSIC_KINDS],
  az64: [...INTS, 'decimal', 'date', 'timestamp', 'timestamptz'],
  bytedict: [...INTS, 'decimal', 'real', 'double', 'char', 'varchar', 'date', 'timestamp', 'timestamptz'],
  delta: [...INTS, 'decimal', 'date', 'timestamp'],
  delta32k: ['integer', 'bigint', 'decimal', 'date', 'timestamp'],
  lzo: [...INTS, 'decimal', 'char', 'varchar', 'date', 'timestamp', 'timestamptz', 'super'],
  mostly8: [...INTS, 'decimal'],
  mostly16: ['integer', 'bigint', 'decimal'],
  mostly32: ['bigint', 'decimal'],
  runlength: [...INTS, 'decimal', 'real', 'double', 'boolean', 'char', 'varchar', 'date', 'timestamp', 'timestamptz'],
  text255: ['varchar'],
  text32k: ['varchar'],
  zstd: [
    ...INTS,
    'decimal',
    'real',
    'double',
    'boolean',
    'char',
    'varchar',
    'date',
    'timestamp',
    'timestamptz',
    'super',
  ],
};

/**
 * Raw SQL for a DEFAULT expression, e.g. `t.timestamptz().default(sql('getdate()'))`. Raw SQL
 * is dialect text: give `postgres` where Postgres spells it differently, e.g.
 * `sql('getdate()', { postgres: 'now()' })`, so the model still creates its table there.
 */
export interface RawSql {
  readonly kind: 'upshift.rawSql';
  readonly sql: string;
  /** The Postgres / PGlite spelling, when it differs from `sql` (Redshift's). */
  readonly postgres?: string;
}
export const sql = (text: string, dialects: { postgres?: string | undefined } = {}): RawSql => ({
  kind: 'upshift.rawSql',
  sql: text,
  ...(dialects.postgres !== undefined ? { postgres: dialects.postgres } : {}),
});
export const isRawSql = (v: unknown): v is RawSql =>
  typeof v === 'object' && v !== null && (v as RawSql).kind === 'upshift.rawSql';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What a column reads back as (Row). */
export interface SelectTypes {
  smallint: number;
  integer: number;
  bigint: bigint;
  decimal: string;
  real: number;
  double: number;
  boolean: boolean;
  char: string;
  varchar: string;
  date: Date;
  time: string;
  timetz: string;
  timestamp: Date;
  timestamptz: Date;
  super: JsonValue;
  varbyte: Uint8Array;
  geometry: string;
  geography: string;
  hllsketch: string;
  interval_ym: string;
  interval_ds: string;
}

/** What a column accepts on insert (InsertRow): the select type plus convenient inputs. */
export interface InsertTypes extends Omit<SelectTypes, 'bigint' | 'decimal' | 'date' | 'timestamp' | 'timestamptz'> {
  bigint: bigint | number;
  decimal: string | number;
  date: Date | string;
  timestamp: Date | string;
  timestamptz: Date | string;
}

export type ColumnDefault = { kind: 'value'; value: unknown } | { kind: 'sql'; sql: string; postgres?: string };

/** The runtime description of a column; everything DDL, validation and encoding need. */
export interface ColumnSpec {
  readonly kind: ColumnKind;
  /** char / varchar / varbyte length in bytes; 'max' for VARCHAR(MAX). */
  readonly length?: number | 'max';
  readonly precision?: number;
  readonly scale?: number;
  readonly notNull: boolean;
  readonly default?: ColumnDefault;
  readonly identity?: { seed: number; step: number };
  readonly encode?: Encoding;
  readonly comment?: string;
}

export class Column<
  K extends ColumnKind = ColumnKind,
  NotNull extends boolean = boolean,
  Generated extends boolean = boolean,
  Identity extends boolean = false,
> {
  /** Type-level only: carries the parameters so row types can read them. */
  declare readonly _type: { kind: K; notNull: NotNull; generated: Generated; identity: Identity };

  constructor(readonly spec: ColumnSpec) {}

  /** NOT NULL: the column is required on insert unless it has a default or identity. */
  notNull(): Column<K, true, Generated, Identity> {
    return new Column({ ...this.spec, notNull: true });
  }

  /** DEFAULT: a value of the column's type, or raw SQL via `sql('getdate()')`. */
  default(value: InsertTypes[K] | RawSql): Column<K, NotNull, true, Identity> {
    if (this.spec.identity) throw new ModelDefinitionError('a column cannot have both DEFAULT and IDENTITY: drop one');
    if (value === undefined || value === null) {
      throw new ModelDefinitionError(
        'DEFAULT needs a value: a nullable column already defaults to NULL, so drop .default()',
      );
    }
    if (isRawSql(value) && value.sql.trim() === '')
      throw new ModelDefinitionError("DEFAULT sql(...) is empty: give an expression like sql('getdate()')");
    const def: ColumnDefault = isRawSql(value)
      ? { kind: 'sql', sql: value.sql, ...(value.postgres !== undefined ? { postgres: value.postgres } : {}) }
      : { kind: 'value', value };
    return new Column({ ...this.spec, default: def });
  }

  /**
   * IDENTITY(seed, step): the warehouse generates the value; loads never write it, so the
   * column is left out of InsertRow and is NOT NULL (as on Postgres, where identity implies it).
   * Redshift allows IDENTITY on INTEGER and BIGINT only.
   */
  identity(this: Column<IdentityKind, NotNull, Generated, Identity>, seed = 1, step = 1): Column<K, true, true, true> {
    const kind = this.spec.kind;
    if (kind !== 'integer' && kind !== 'bigint') {
      throw new ModelDefinitionError(
        `IDENTITY is only allowed on INTEGER or BIGINT columns, not ${kind.toUpperCase()}: use t.bigint().identity()`,
      );
    }
    if (this.spec.default) throw new ModelDefinitionError('a column cannot have both DEFAULT and IDENTITY: drop one');
    if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(step) || step === 0) {
      throw new ModelDefinitionError(
        `IDENTITY(seed, step) needs whole numbers and a non-zero step, got (${seed}, ${step})`,
      );
    }
    if (kind === 'integer' && (Math.abs(seed) > 2147483647 || Math.abs(step) > 2147483647)) {
      throw new ModelDefinitionError(
        `IDENTITY(${seed}, ${step}) does not fit an INTEGER column: use t.bigint().identity(...)`,
      );
    }
    return new Column({ ...this.spec, notNull: true, identity: { seed, step } }) as unknown as Column<
      K,
      true,
      true,
      true
    >;
  }

  /**
   * ENCODE: Redshift column compression (ignored on Postgres). 'auto' writes no ENCODE clause,
   * leaving the choice to Redshift (column-level ENCODE lists no AUTO keyword).
   */
  encode(encoding: Encoding): Column<K, NotNull, Generated, Identity> {
    if (!ENCODINGS.includes(encoding)) {
      throw new ModelDefinitionError(
        `ENCODE ${String(encoding)} is not a Redshift encoding: use one of ${ENCODINGS.join(', ')}`,
      );
    }
    const allowed = ENCODING_TYPES[encoding];
    const kind = this.spec.kind;
    if (allowed && CLASSIC_KINDS.has(kind) && !allowed.includes(kind)) {
      const fits = ENCODINGS.filter((e) => e !== 'auto' && (ENCODING_TYPES[e] ?? []).includes(kind));
      throw new ModelDefinitionError(
        `ENCODE ${encoding} does not apply to ${kind.toUpperCase()} columns on Redshift: use one of ${fits.join(', ')}`,
      );
    }
    return new Column({ ...this.spec, encode: encoding });
  }

  /** COMMENT ON COLUMN. */
  comment(text: string): Column<K, NotNull, Generated, Identity> {
    return new Column({ ...this.spec, comment: text });
  }
}

export type AnyColumn = Column<ColumnKind, boolean, boolean, boolean>;

const make = <K extends ColumnKind>(kind: K, extra: Partial<ColumnSpec> = {}): Column<K, false, false> =>
  new Column<K, false, false>({ kind, notNull: false, ...extra });

export const REDSHIFT_LIMITS = {
  varcharBytes: 65535,
  charBytes: 4096,
  decimalPrecision: 38,
  varbyteBytes: 1_024_000,
  varbyteDefault: 64_000,
  varcharDefault: 256,
  superBytes: 16 * 1024 * 1024,
  /** Arrays and objects nested in one SUPER value (see super-json.ts for why this is the limit). */
  superDepth: 1000,
} as const;

function checkLength(type: string, n: number, max: number, hint: string): number {
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new ModelDefinitionError(`${type}(${n}) is out of range: Redshift allows 1 to ${max} bytes. ${hint}`);
  }
  return n;
}

function decimal(precision = 18, scale = 0): Column<'decimal', false, false> {
  const max = REDSHIFT_LIMITS.decimalPrecision;
  if (!Number.isInteger(precision) || precision < 1 || precision > max) {
    throw new ModelDefinitionError(
      `DECIMAL(${precision}, ${scale}): precision must be 1 to ${max}. For larger numbers use t.double() or t.varchar()`,
    );
  }
  if (!Number.isInteger(scale) || scale < 0 || scale > precision) {
    throw new ModelDefinitionError(
      `DECIMAL(${precision}, ${scale}): scale must be 0 to the precision (${precision}): lower the scale or raise the precision`,
    );
  }
  return make('decimal', { precision, scale });
}

/** The column type builders, one per Redshift type. */
export const t = {
  smallint: () => make('smallint'),
  integer: () => make('integer'),
  bigint: () => make('bigint'),
  decimal,
  numeric: decimal,
  real: () => make('real'),
  double: () => make('double'),
  doublePrecision: () => make('double'),
  boolean: () => make('boolean'),
  char: (n = 1) =>
    make('char', {
      length: checkLength('CHAR', n, REDSHIFT_LIMITS.charBytes, 'For longer or multi-byte text use t.varchar(n)'),
    }),
  varchar: (n: number | 'max' = REDSHIFT_LIMITS.varcharDefault) =>
    make('varchar', {
      length:
        n === 'max'
          ? 'max'
          : checkLength(
              'VARCHAR',
              n,
              REDSHIFT_LIMITS.varcharBytes,
              "For the largest size use t.varchar('max'); for documents use t.super()",
            ),
    }),
  date: () => make('date'),
  time: () => make('time'),
  timetz: () => make('timetz'),
  timestamp: () => make('timestamp'),
  timestamptz: () => make('timestamptz'),
  super: () => make('super'),
  varbyte: (n: number = REDSHIFT_LIMITS.varbyteDefault) =>
    make('varbyte', {
      length: checkLength(
        'VARBYTE',
        n,
        REDSHIFT_LIMITS.varbyteBytes,
        'For larger binary values store a reference (an S3 key) instead',
      ),
    }),
  geometry: () => make('geometry'),
  geography: () => make('geography'),
  hllsketch: () => make('hllsketch'),
  intervalYearToMonth: () => make('interval_ym'),
  intervalDayToSecond: () => make('interval_ds'),
};

/** Length in bytes a char/varchar column allows. */
export function byteLimit(spec: ColumnSpec): number {
  if (spec.kind === 'varchar')
    return spec.length === 'max' || spec.length === undefined ? REDSHIFT_LIMITS.varcharBytes : spec.length;
  if (spec.kind === 'char') return typeof spec.length === 'number' ? spec.length : 1;
  if (spec.kind === 'varbyte') return typeof spec.length === 'number' ? spec.length : REDSHIFT_LIMITS.varbyteDefault;
  throw new UsageError(`no byte limit for ${spec.kind}`);
}
