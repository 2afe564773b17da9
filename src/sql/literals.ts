// String literals, one quoter per dialect. They differ in backslashes: Postgres (with
// standard_conforming_strings on, the default since 9.1 and what every upshift session sets)
// reads a backslash in '...' as itself; Redshift reads it as an escape, like its QUOTE_LITERAL
// and UNLOAD ('...') docs say, so it must be doubled there.

/** Quotes text as a string literal. */
export type LiteralQuoter = (text: string) => string;

/** A Postgres string literal: quotes doubled, backslashes literal (standard_conforming_strings on). */
export const postgresLiteral: LiteralQuoter = (text) => `'${text.replace(/'/g, "''")}'`;

/** A Redshift string literal: quotes doubled and backslashes doubled (Redshift reads them as escapes). */
export const redshiftLiteral: LiteralQuoter = (text) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** How a dialect writes the values a query parameter can hold. */
export interface SqlLiterals {
  /** A string literal. */
  text: LiteralQuoter;
  /** Bytes. */
  bytes: (value: Uint8Array) => string;
}

const hex = (value: Uint8Array): string =>
  Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');

/** Postgres: bytes as an untyped '\x..' literal, which bytea reads as hex (as it reads a bound Buffer). */
export const postgresLiterals: SqlLiterals = {
  text: postgresLiteral,
  bytes: (value) => postgresLiteral(`\\x${hex(value)}`),
};

/** Redshift: a text literal cast to VARBYTE would be its UTF-8 bytes, so bytes go through FROM_HEX. */
export const redshiftLiterals: SqlLiterals = {
  text: redshiftLiteral,
  bytes: (value) => `FROM_HEX(${redshiftLiteral(hex(value))})`,
};
