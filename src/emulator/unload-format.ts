// What UNLOAD writes besides the delimited text: JSON lines, Hive-style partition prefixes and the
// column types of a MANIFEST VERBOSE schema block, as the UNLOAD reference documents them.
import { RedshiftError } from './errors.js';
import type { FieldDesc } from './wire.js';

const NUMBER_OIDS = new Set([20, 21, 23, 26, 700, 701, 1700]);
const SUPER_OIDS = new Set([114, 3802]);

/**
 * One JSON object per row: numbers bare, booleans as "t"/"f" and NULL as null (the reference: "boolean
 * values are unloaded as t or f, and NULL values are unloaded as null"), everything else a string.
 * Number text is copied as Postgres printed it, so bigint and numeric keep every digit.
 */
export function jsonLine(fields: FieldDesc[], row: Array<string | null>): string {
  const parts = fields.map((f, c) => `${JSON.stringify(f.name)}:${jsonValue(f, row[c] ?? null)}`);
  return `{${parts.join(',')}}\n`;
}

function jsonValue(f: FieldDesc, v: string | null): string {
  if (v === null) return 'null';
  if (f.typeOid === 16) return v === 't' ? '"t"' : '"f"';
  // NaN and Infinity have no JSON number form.
  if (NUMBER_OIDS.has(f.typeOid)) return /^-?\d/.test(v) ? v : JSON.stringify(v);
  if (SUPER_OIDS.has(f.typeOid)) return v;
  return JSON.stringify(v);
}

/** JSON needs one key per column: the reference asks for unique column names. */
export function checkJsonNames(fields: FieldDesc[]): void {
  const seen = new Set<string>();
  for (const f of fields) {
    if (seen.has(f.name)) {
      throw new RedshiftError(
        `UNLOAD FORMAT JSON: column name "${f.name}" appears more than once; each column of the query needs a unique name`,
        'XX000',
      );
    }
    seen.add(f.name);
  }
}

// The partition key types the reference allows (SMALLINT, INTEGER, BIGINT, DECIMAL, REAL, BOOLEAN,
// CHAR, VARCHAR, DATE, TIMESTAMP); text and unknown are what Postgres types string expressions as.
const PARTITION_OIDS = new Set([21, 23, 20, 1700, 700, 16, 1042, 1043, 25, 705, 1082, 1114]);

export interface Partitioning {
  /** Indexes of the partition columns in the query's result, in PARTITION BY order. */
  keys: number[];
  /** Indexes of the columns written to the files. */
  kept: number[];
}

/** Resolves PARTITION BY's column names against the query's columns. */
export function partitioning(fields: FieldDesc[], columns: string[], include: boolean): Partitioning {
  const keys = columns.map((name) => {
    const c = fields.findIndex((f) => f.name === name);
    if (c < 0)
      throw new RedshiftError(
        `PARTITION BY column "${name}" is not a column of the UNLOAD query (columns: ${fields.map((f) => f.name).join(', ')})`,
        'XX000',
      );
    if (!PARTITION_OIDS.has(fields[c]!.typeOid)) {
      throw new RedshiftError(
        `PARTITION BY column "${name}" has type ${redshiftType(fields[c]!).base}; partition keys must be ` +
          'SMALLINT, INTEGER, BIGINT, DECIMAL, REAL, BOOLEAN, CHAR, VARCHAR, DATE or TIMESTAMP',
        'XX000',
      );
    }
    return c;
  });
  const kept = fields.map((_f, c) => c).filter((c) => include || !keys.includes(c));
  if (!kept.length)
    throw new RedshiftError(
      'UNLOAD with PARTITION BY needs at least one column that is not a partition column',
      'XX000',
    );
  return { keys, kept };
}

// Hive's escapePathName set: what would break a path segment or a col=value pair.
const HIVE_ESCAPED = /[\u0000-\u001f"#%'*/:=?\\\u007f{[\]^]/g;

/** `col=value/` for each partition column; NULL goes to Hive's default partition. */
export function partitionPath(fields: FieldDesc[], p: Partitioning, row: Array<string | null>): string {
  return p.keys
    .map((c) => {
      const v = row[c] ?? null;
      const value =
        v === null
          ? '__HIVE_DEFAULT_PARTITION__'
          : v.replace(HIVE_ESCAPED, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
      return `${fields[c]!.name}=${value}/`;
    })
    .join('');
}

export interface ManifestType {
  base: string;
  max_length?: number;
  precision?: number;
  scale?: number;
}

const BASE_NAMES: Record<number, string> = {
  16: 'boolean',
  20: 'bigint',
  21: 'smallint',
  23: 'integer',
  26: 'integer',
  700: 'real',
  701: 'double precision',
  1082: 'date',
  1083: 'time without time zone',
  1266: 'time with time zone',
  1114: 'timestamp without time zone',
  1184: 'timestamp with time zone',
  1186: 'interval',
  17: 'varbyte',
  114: 'super',
  3802: 'super',
  19: 'name',
};

/**
 * The manifest's type of a result column, in Redshift's names with the dimensions the reference lists
 * (length for CHAR/VARCHAR, precision and scale for NUMERIC). A string expression without a declared
 * length is reported as VARCHAR(65535), which holds any value; a NUMERIC without a declared precision
 * as precision 38 with the largest scale among the values unloaded (`numericScale`).
 */
export function redshiftType(f: FieldDesc, numericScale = 0): ManifestType {
  const base = BASE_NAMES[f.typeOid];
  if (base) return { base };
  if (f.typeOid === 1042) return { base: 'character', max_length: f.typeMod > 4 ? f.typeMod - 4 : 1 };
  if (f.typeOid === 1700) {
    if (f.typeMod < 4) return { base: 'numeric', precision: 38, scale: numericScale };
    const m = f.typeMod - 4;
    return { base: 'numeric', precision: m >> 16, scale: m & 0xffff };
  }
  return { base: 'character varying', max_length: f.typeOid === 1043 && f.typeMod > 4 ? f.typeMod - 4 : 65535 };
}

/** Digits after the point in a numeric value's text. */
export const scaleOf = (v: string): number => {
  const dot = v.indexOf('.');
  return dot < 0 ? 0 : v.length - dot - 1;
};
