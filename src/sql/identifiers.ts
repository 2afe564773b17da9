// Identifiers as SQL text. Every identifier upshift emits is quoted, so reserved words and any
// character work; quoting is the same in Postgres and Redshift.

/** Double-quotes an identifier, doubling embedded quotes. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** `"schema"."name"`, or `"name"` alone when there is no schema (a temp table). */
export const qualifiedName = (schema: string | undefined, name: string): string =>
  schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name);

/** Text matched literally inside a LIKE pattern (backslash is LIKE's default escape). */
export const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);
