// Type parsers so rows read back match the model's Row types exactly: BIGINT as bigint,
// TIMESTAMP (no zone) as its UTC wall time, DATE as UTC midnight. NUMERIC stays a string.
import { pgLib } from './pg-lib.js';

const OID = { int8: 20, date: 1082, timestamp: 1114 } as const;

export const parseTimestampAsUtc = (text: string): Date | string => {
  const d = new Date(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? text : d;
};
export const parseDateAsUtc = (text: string): Date | string => {
  const d = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? text : d;
};

/** As pg's own setTypeParser takes them: the text of a value to what a row holds. */
type TypeParser = (value: string) => unknown;

export const upshiftPgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): TypeParser {
    if (format !== 'binary') {
      if (oid === OID.int8) return (v: string) => BigInt(v);
      if (oid === OID.timestamp) return parseTimestampAsUtc;
      if (oid === OID.date) return parseDateAsUtc;
    }
    return pgLib.types.getTypeParser(oid, format ?? 'text') as TypeParser; // pg-types declares it as any
  },
};

export const PGLITE_PARSERS = {
  // PGlite gives int8 as a number when it fits 2^53 and a bigint otherwise: always bigint here.
  [OID.int8]: (text: string) => BigInt(text),
  [OID.timestamp]: parseTimestampAsUtc,
  [OID.date]: parseDateAsUtc,
};
