// Redshift-only utility statements answered with a query Postgres runs: SHOW TABLES, SHOW COLUMNS,
// ANALYZE COMPRESSION, CANCEL, and CREATE USER with Redshift's password forms and rules.
import { RedshiftError, syntaxError } from './errors.js';
import { identName, isPunct, isWord, quoteIdent, quoteLiteral, type Token } from './sql.js';

/** A dotted name at token i: its parts and the index after it. */
function dotted(sig: Token[], i: number): [string[], number] {
  const parts: string[] = [];
  while (sig[i] && (sig[i]!.type === 'ident' || sig[i]!.type === 'qident')) {
    parts.push(identName(sig[i]!));
    if (!isPunct(sig[i + 1], '.')) return [parts, i + 1];
    i += 2;
  }
  throw syntaxError(sig[i]?.text ?? 'end of input');
}

/** [LIKE 'pattern'] [LIMIT n] after a SHOW's name. */
function likeAndLimit(sig: Token[], i: number, column: string): string {
  let out = '';
  if (isWord(sig[i], 'like')) {
    if (sig[i + 1]?.type !== 'string') throw syntaxError(sig[i + 1]?.text ?? 'end of input');
    out += ` and ${column} like ${quoteLiteral(sig[i + 1]!.value)}`;
    i += 2;
  }
  out += ` order by ${column}`;
  if (isWord(sig[i], 'limit')) {
    const n = Number(sig[i + 1]?.text);
    if (!Number.isInteger(n) || n < 0 || n > 10000)
      throw new RedshiftError('LIMIT of SHOW must be between 0 and 10000', '22023');
    out += ` limit ${n}`;
    i += 2;
  }
  if (sig[i]) throw syntaxError(sig[i]!.text);
  return out;
}

/**
 * SHOW TABLES FROM SCHEMA db.schema: database_name, schema_name, table_name, table_type, table_acl, remarks
 * (r_SHOW_TABLES.html).
 */
function showTables(sig: Token[]): string {
  if (!isWord(sig[2], 'from') || !isWord(sig[3], 'schema')) throw syntaxError(sig[2]?.text ?? 'end of input');
  const [parts, i] = dotted(sig, 4);
  if (parts.length !== 2) throw syntaxError(sig[4]!.text);
  const [db, schema] = parts as [string, string];
  return `select current_database()::varchar as database_name, n.nspname::varchar as schema_name, c.relname::varchar as table_name,
    (case when c.relkind in ('v', 'm') then 'VIEW' else 'TABLE' end)::varchar as table_type, array_to_string(c.relacl, ',')::varchar as table_acl,
    obj_description(c.oid, 'pg_class')::varchar as remarks
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where ${checkDb(db)} and n.nspname = ${quoteLiteral(schema)} and c.relkind in ('r', 'p', 'v', 'm', 'f')${likeAndLimit(sig, i, 'c.relname')}`;
}

/** Names in another database list nothing (the emulator serves one database). */
const checkDb = (db: string): string => `current_database() = ${quoteLiteral(db)}`;

/**
 * SHOW COLUMNS FROM TABLE db.schema.table: database_name, schema_name, table_name, column_name, ordinal_position,
 * column_default, is_nullable, data_type, character_maximum_length, numeric_precision, numeric_scale, remarks
 * (r_SHOW_COLUMNS.html).
 */
function showColumns(sig: Token[]): string {
  if (!isWord(sig[2], 'from') || !isWord(sig[3], 'table')) throw syntaxError(sig[2]?.text ?? 'end of input');
  const [parts, i] = dotted(sig, 4);
  if (parts.length !== 3) throw syntaxError(sig[4]!.text);
  const [db, schema, table] = parts as [string, string, string];
  return `select current_database()::varchar as database_name, c.table_schema::varchar as schema_name, c.table_name::varchar as table_name,
    c.column_name::varchar as column_name, c.ordinal_position::int as ordinal_position, c.column_default::varchar as column_default,
    c.is_nullable::varchar as is_nullable, c.data_type::varchar as data_type, c.character_maximum_length::int as character_maximum_length,
    c.numeric_precision::int as numeric_precision, c.numeric_scale::int as numeric_scale,
    col_description(${quoteLiteral(`${quoteIdent(schema)}.${quoteIdent(table)}`)}::regclass, c.ordinal_position::int)::varchar as remarks
    from information_schema.columns c
    where ${checkDb(db)} and c.table_schema = ${quoteLiteral(schema)} and c.table_name = ${quoteLiteral(table)}${likeAndLimit(sig, i, 'c.column_name').replace(' order by c.column_name', ' order by c.ordinal_position')}`;
}

/**
 * ANALYZE COMPRESSION [table]: Table, Column, Encoding, Est_reduction_pct (r_ANALYZE_COMPRESSION.html). The
 * emulator stores no blocks to sample, so the encoding is the one Redshift assigns by type (sort key columns
 * raw; BOOLEAN, REAL, DOUBLE PRECISION raw; CHAR/VARCHAR lzo; other types az64) and the reduction is 0.00.
 */
function analyzeCompression(sig: Token[], schema: string): string {
  let i = 2;
  let filter = `c.relnamespace = any(array(select oid from pg_namespace where nspname = any(current_schemas(false)))) and c.relkind in ('r', 'p')`;
  if (sig[i]) {
    const [parts, next] = dotted(sig, i);
    filter = `c.oid = ${quoteLiteral(parts.map(quoteIdent).join('.'))}::regclass`;
    i = next;
    if (isPunct(sig[i], '('))
      throw new RedshiftError('ANALYZE COMPRESSION of a column list is not supported by the emulator', '0A000');
  }
  if (isWord(sig[i], 'comprows')) i += 2;
  if (sig[i]) throw syntaxError(sig[i]!.text);
  return `select c.relname::varchar as "Table", a.attname::varchar as "Column",
    (case when coalesce(k.sortkey_ord, 0) <> 0 then 'raw' when t.typname in ('bool', 'float4', 'float8') then 'raw'
      when t.typname in ('varchar', 'bpchar', 'text') then 'lzo' else 'az64' end)::varchar as "Encoding",
    0.00::numeric(5, 2) as "Est_reduction_pct"
    from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped join pg_type t on t.oid = a.atttypid
    left join ${quoteIdent(schema)}.columns k on k.relid = c.oid and k.attname = a.attname
    where ${filter} order by c.relname, a.attnum`;
}

/** CANCEL pid ['message']: the backend's running statement is cancelled (the session's pid is its backend's). */
function cancel(sig: Token[]): string {
  const pid = sig[1];
  if (pid?.type !== 'number' || !/^\d+$/.test(pid.text)) throw syntaxError(pid?.text ?? 'end of input');
  if (sig[2] && sig[2].type !== 'string') throw syntaxError(sig[2].text);
  if (sig[3]) throw syntaxError(sig[3].text);
  return `select pg_cancel_backend(${pid.text}) as cancel`;
}

/**
 * Redshift's password rules (r_CREATE_USER.html): an MD5 hash ('md5' + 32 hex digits), a SHA-256 form
 * ('sha256|...'), or a clear text of 8 to 64 ASCII characters (codes 33-126, but not ' " \ / @ or space)
 * with an upper-case letter, a lower-case letter and a digit.
 */
export function checkPassword(password: string): void {
  if (/^md5[0-9a-f]{32}$/i.test(password) || /^sha256\|/.test(password)) return;
  const rule = (ok: boolean, what: string): void => {
    if (!ok) throw new RedshiftError(`Password ${what}`, '28000');
  };
  rule(password.length >= 8 && password.length <= 64, 'must be 8 to 64 characters long');
  rule(/[A-Z]/.test(password), 'must contain an uppercase character');
  rule(/[a-z]/.test(password), 'must contain a lowercase character');
  rule(/[0-9]/.test(password), 'must contain a number');
  rule(
    /^[\x21-\x7e]*$/.test(password) && !/['"\\/@]/.test(password),
    'must contain only printable ASCII characters other than \' " \\ / @ and space',
  );
}

/** CREATE USER: the password checked as Redshift checks it; PASSWORD DISABLE is no password. */
function createUser(sig: Token[], sql: string): string {
  const at = sig.findIndex((t) => isWord(t, 'password'));
  if (at < 0) throw new RedshiftError('CREATE USER needs a PASSWORD (or PASSWORD DISABLE)', '42601');
  const value = sig[at + 1];
  if (isWord(value, 'disable'))
    return `${sql.slice(0, sig[at]!.start)}password null${sql.slice(value!.start + value!.text.length)}`;
  if (value?.type !== 'string') throw syntaxError(value?.text ?? 'end of input');
  checkPassword(value.value);
  // Postgres keeps an md5 hash as it is; a SHA-256 form has no Postgres equivalent: the user gets no password.
  if (/^sha256\|/.test(value.value))
    return `${sql.slice(0, sig[at]!.start)}password null${sql.slice(value.start + value.text.length)}`;
  return sql;
}

/** The Postgres query answering a Redshift utility statement; undefined when it is none of them. */
export function utilityCommand(tokens: Token[], sql: string, schema: string): string | undefined {
  const sig = tokens.filter((t) => !isPunct(t, ';'));
  if (isWord(sig[0], 'show') && isWord(sig[1], 'tables')) return showTables(sig);
  if (isWord(sig[0], 'show') && isWord(sig[1], 'columns')) return showColumns(sig);
  if (isWord(sig[0], 'analyze') && isWord(sig[1], 'compression')) return analyzeCompression(sig, schema);
  if (isWord(sig[0], 'cancel')) return cancel(sig);
  if (isWord(sig[0], 'create') && isWord(sig[1], 'user')) return createUser(sig, sql);
  return undefined;
}
