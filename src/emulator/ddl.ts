// Redshift CREATE TABLE: table attributes (DISTSTYLE, DISTKEY, SORTKEY, BACKUP, ENCODE) and column
// attributes (ENCODE, DISTKEY, SORTKEY, IDENTITY, COLLATE) are taken out of the statement into the
// emulator's catalog; types are mapped to Postgres; the rest is passed to Postgres as written.
import { RedshiftError, syntaxError } from './errors.js';
import {
  closingParen,
  identName,
  isPunct,
  isWord,
  quoteIdent,
  quoteLiteral,
  render,
  significant,
  splitTopLevel,
  tokenize,
  type Token,
} from './sql.js';
import { mapType, type MappedType } from './types.js';
import { CATALOG_ATTS, CATALOG_PARENT, CATALOG_REL, CATALOG_TYPES } from './catalog.js';

export interface ColumnProps {
  name: string;
  display?: string;
  encoding: string;
  explicitEncoding: boolean;
  distkey: boolean;
  sortkeyOrd: number;
}

export interface TableDdl {
  pgSql: string;
  /** The table name as written (usable as a regclass literal). */
  table: string;
  ifNotExists: boolean;
  diststyle: string;
  distkey?: string;
  sortkeyType: string;
  sortkeys: string[];
  backup: boolean;
  encodeAuto: boolean;
  columns: ColumnProps[];
  likeParent?: string;
  ctas: boolean;
  /** Declared keys: Redshift records them for the planner and introspection but never enforces them. */
  constraints: DeclaredConstraint[];
}

export interface DeclaredConstraint {
  name: string;
  type: 'PRIMARY KEY' | 'UNIQUE' | 'FOREIGN KEY';
  columns: string[];
  references?: { table: string; columns: string[] };
}

const COLUMN_KEYWORDS = [
  'default',
  'identity',
  'generated',
  'encode',
  'distkey',
  'sortkey',
  'collate',
  'not',
  'null',
  'unique',
  'primary',
  'references',
  'constraint',
  'check',
];

/** What ends a DEFAULT expression: NULL may be part of it. */
const DEFAULT_ENDS = COLUMN_KEYWORDS.filter((w) => w !== 'null');

export function isCreateTable(sig: Token[]): boolean {
  let i = 1;
  if (!isWord(sig[0], 'create')) return false;
  if (isWord(sig[i], 'local')) i++;
  if (isWord(sig[i], 'temp', 'temporary')) i++;
  return isWord(sig[i], 'table');
}

/** A table's DDL before any of its statement is read: Redshift's defaults. */
export function emptyTableDdl(table: string, ifNotExists = false): TableDdl {
  return {
    pgSql: '',
    table,
    ifNotExists,
    diststyle: 'AUTO',
    sortkeyType: 'AUTO',
    sortkeys: [],
    backup: true,
    encodeAuto: true,
    columns: [],
    ctas: false,
    constraints: [],
  };
}

export function parseCreateTable(sql: string): TableDdl {
  const sig = significant(tokenize(sql));
  const head = statementHead(sig);
  const nameEnd = tableNameEnd(sig, head.next);
  const nameTokens = sig.slice(head.next, nameEnd);
  const table = render(nameTokens);
  const last = nameTokens[nameTokens.length - 1];
  // CREATE TABLE #name: a temp table.
  if (!head.temp && last?.type === 'qident' && last.value.startsWith('#'))
    head.tokens.splice(1, 0, { type: 'ident', text: 'temp', value: 'temp', start: -1 });
  const ddl = emptyTableDdl(table, head.ifNotExists);
  const pgParts: string[] = [render(head.tokens), table];
  let i = nameEnd;
  if (isPunct(sig[i], '(')) {
    const close = closingParen(sig, i);
    if (close < 0) throw syntaxError('end of input');
    pgParts.push(`(${tableElements(sig, i, close, ddl, last ? identName(last) : '').join(', ')})`);
    i = close + 1;
  }
  const attrStart = i;
  i = tableAttributes(sig, i, ddl);
  if (ddl.likeParent && i > attrStart) {
    // Documented: LIKE tables inherit distribution, sort keys and BACKUP, which can't be set in the same statement.
    throw new RedshiftError(
      'DISTSTYLE, DISTKEY, SORTKEY, ENCODE and BACKUP cannot be specified with LIKE: the new table inherits them',
      '42601',
    );
  }
  if (isWord(sig[i], 'as')) {
    ddl.ctas = true;
    pgParts.push(sql.slice(sig[i]!.start));
  } else if (i < sig.length) throw syntaxError(sig[i]!.text);
  applyKeys(ddl);
  ddl.pgSql = pgParts.join(' ');
  return ddl;
}

/** CREATE [LOCAL] [TEMP] TABLE [IF NOT EXISTS]: the tokens Postgres gets (LOCAL dropped) and where the name starts. */
function statementHead(sig: Token[]): { tokens: Token[]; temp: boolean; ifNotExists: boolean; next: number } {
  let i = 1;
  const tokens: Token[] = [sig[0]!];
  if (isWord(sig[i], 'local')) i++;
  const temp = isWord(sig[i], 'temp', 'temporary');
  if (temp) tokens.push(sig[i++]!);
  tokens.push(sig[i++]!);
  const ifNotExists = isWord(sig[i], 'if') && isWord(sig[i + 1], 'not') && isWord(sig[i + 2], 'exists');
  if (ifNotExists) {
    tokens.push(...sig.slice(i, i + 3));
    i += 3;
  }
  return { tokens, temp, ifNotExists, next: i };
}

/** The end of the table's (possibly qualified) name; a table attribute or AS after it ends it. */
function tableNameEnd(sig: Token[], start: number): number {
  let i = start;
  while (i < sig.length && (sig[i]!.type === 'ident' || sig[i]!.type === 'qident' || isPunct(sig[i], '.'))) {
    if (
      isWord(sig[i], 'diststyle', 'distkey', 'sortkey', 'compound', 'interleaved', 'backup', 'encode', 'as') &&
      i > start
    )
      break;
    i++;
  }
  return i;
}

/** The parenthesised elements (sig[open] to sig[close]) as Postgres gets them; columns, keys and LIKE go to `ddl`. */
function tableElements(sig: Token[], open: number, close: number, ddl: TableDdl, tableName: string): string[] {
  const elements = splitTopLevel(sig.slice(open + 1, close));
  // CTAS may name its columns: CREATE TABLE t (a, b) AS SELECT ...
  const namesOnly = elements.every((el) => el.length === 1 && (el[0]!.type === 'ident' || el[0]!.type === 'qident'));
  if (namesOnly && sig.slice(close + 1).some((t) => isWord(t, 'as')))
    return elements.map((el) => quoteIdent(identName(el[0]!)));
  const parsed = elements.map((el) => parseElement(el, ddl, tableName)).filter((e) => e !== undefined);
  // PRIMARY KEY columns are NOT NULL, as in Postgres; the key itself is not enforced. A table-level
  // key may come after its columns, so this is settled once every element is read.
  const pk = ddl.constraints.find((c) => c.type === 'PRIMARY KEY')?.columns ?? [];
  return parsed.map((e) => (e.column && pk.includes(e.column.name) && !e.notNull ? `${e.sql} not null` : e.sql));
}

/** Distribution and sort keys: they must name columns; the columns record their part in them. */
function applyKeys(ddl: TableDdl): void {
  if (ddl.columns.length) {
    for (const key of [...(ddl.distkey ? [ddl.distkey] : []), ...ddl.sortkeys]) {
      if (!ddl.columns.some((c) => c.name === key))
        throw new RedshiftError(`column "${key}" named in key does not exist`, '42703');
    }
  }
  if (ddl.distkey) {
    ddl.diststyle = 'KEY';
    for (const c of ddl.columns) c.distkey = c.name === ddl.distkey;
  }
  ddl.sortkeys.forEach((k, n) => {
    const c = ddl.columns.find((col) => col.name === k);
    if (c) c.sortkeyOrd = ddl.sortkeyType === 'INTERLEAVED' ? (n % 2 === 0 ? n + 1 : -(n + 1)) : n + 1;
  });
}

/**
 * One CREATE TABLE element (also ALTER TABLE ADD's): its Postgres SQL, and for a column definition
 * the column (recorded in ddl.columns) and whether it was declared NOT NULL. A table-level key is
 * recorded in ddl.constraints only: undefined.
 */
export interface ParsedElement {
  sql: string;
  column?: ColumnProps;
  notNull?: boolean;
}

export function parseElement(el: Token[], ddl: TableDdl, tableName: string): ParsedElement | undefined {
  const first = el[0];
  if (!first) throw syntaxError(')');
  if (isWord(first, 'like')) {
    ddl.likeParent = render(el.slice(1).filter((t) => !isWord(t, 'including', 'excluding', 'defaults')));
    const includeDefaults = el.some((t, k) => isWord(t, 'including') && isWord(el[k + 1], 'defaults'));
    return { sql: `like ${ddl.likeParent}${includeDefaults ? ' including defaults' : ''} including constraints` };
  }
  if (isWord(first, 'primary', 'unique', 'foreign', 'constraint')) {
    tableConstraint(el, ddl, tableName);
    return undefined;
  }
  if (isWord(first, 'check')) return { sql: render(el) };
  return columnDefinition(el, ddl, tableName);
}

/** A column definition being read, clause by clause, after its name and type. */
interface ColumnReading {
  readonly el: Token[];
  readonly name: string;
  readonly ddl: TableDdl;
  readonly tableName: string;
  /** The clauses Postgres gets, in order. */
  readonly pg: string[];
  /** ENCODE as written, lowercased. */
  encode?: string;
  /** CONSTRAINT name: names the key clause that follows. */
  constraintName?: string;
  /** NOT NULL or PRIMARY KEY was declared. */
  notNull: boolean;
}

function columnDefinition(el: Token[], ddl: TableDdl, tableName: string): ParsedElement {
  const name = identName(el[0]!);
  const typeEnd = columnTypeEnd(el);
  const mapped = mapType(render(el.slice(1, typeEnd)), tableName, name);
  const reading: ColumnReading = { el, name, ddl, tableName, pg: [`${quoteIdent(name)} ${mapped.pg}`], notNull: false };
  for (let k = typeEnd; k < el.length;) k = columnClause(reading, k);
  if (mapped.check) reading.pg.push(typeCheckSql(mapped.check, name));
  const column = columnProps(name, mapped, reading.encode, ddl);
  ddl.columns.push(column);
  return { sql: reading.pg.join(' '), column, notNull: reading.notNull };
}

/** The check constraint that holds a column to what its Redshift type allows and Postgres's does not. */
export function typeCheckSql(check: NonNullable<MappedType['check']>, column: string): string {
  const name = `${check.name}_${column}`.slice(0, 63);
  return `constraint ${quoteIdent(name)} check (${check.expr.replace(/\$col/g, quoteIdent(column))})`;
}

/** Where the column's type ends: at the first column keyword outside parentheses. */
function columnTypeEnd(el: Token[]): number {
  let k = 1;
  let depth = 0;
  for (; k < el.length; k++) {
    const t = el[k]!;
    if (depth === 0 && isWord(t, ...COLUMN_KEYWORDS)) break;
    if (isPunct(t, '(')) depth++;
    if (isPunct(t, ')')) depth--;
  }
  return k;
}

/** The catalog's view of the column: its encoding (ENCODE AUTO or none given: the type's default) and display type. */
function columnProps(name: string, mapped: MappedType, encode: string | undefined, ddl: TableDdl): ColumnProps {
  const col: ColumnProps = {
    name,
    encoding: mapped.defaultEncoding,
    explicitEncoding: false,
    distkey: false,
    sortkeyOrd: 0,
  };
  if (mapped.display) col.display = mapped.display;
  if (encode !== undefined && encode !== 'auto') {
    col.explicitEncoding = true;
    col.encoding = encode === 'raw' ? 'none' : encode;
    ddl.encodeAuto = false;
  }
  return col;
}

/** Reads the column clause at el[k]; returns where the next one starts. */
function columnClause(r: ColumnReading, k: number): number {
  const { el } = r;
  const t = el[k]!;
  if (isWord(t, 'identity') && isPunct(el[k + 1], '(')) return identityClause(r, k);
  if (isWord(t, 'generated') && isWord(el[k + 1], 'by') && isWord(el[k + 2], 'default')) return generatedClause(r, k);
  if (isWord(t, 'encode')) {
    r.encode = identName(el[k + 1]!).toLowerCase();
    return k + 2;
  }
  if (isWord(t, 'distkey')) {
    r.ddl.distkey = r.name;
    return k + 1;
  }
  if (isWord(t, 'sortkey')) return sortkeyClause(r, k);
  if (isWord(t, 'collate')) return k + 2;
  if (isWord(t, 'default')) return defaultClause(r, k);
  if (isWord(t, 'references')) return referencesClause(r, k);
  if (isWord(t, 'not') && isWord(el[k + 1], 'null')) {
    r.pg.push('not null');
    r.notNull = true;
    return k + 2;
  }
  if (isWord(t, 'primary') && isWord(el[k + 1], 'key')) {
    addColumnKey(r, 'PRIMARY KEY', `${r.tableName}_pkey`);
    r.pg.push('not null');
    r.notNull = true;
    return k + 2;
  }
  if (isWord(t, 'unique')) {
    addColumnKey(r, 'UNIQUE', `${r.tableName}_${r.name}_key`);
    return k + 1;
  }
  if (isWord(t, 'null')) {
    r.pg.push('null');
    return k + 1;
  }
  if (isWord(t, 'constraint')) {
    r.constraintName = identName(el[k + 1]!);
    return k + 2;
  }
  throw syntaxError(t.text);
}

/** IDENTITY(seed, step): Postgres's GENERATED ALWAYS AS IDENTITY. */
function identityClause(r: ColumnReading, k: number): number {
  const close = closingParen(r.el, k + 1);
  const args = splitTopLevel(r.el.slice(k + 2, close)).map((a) => render(a));
  r.pg.push(`generated always as identity (start with ${args[0] ?? 1} increment by ${args[1] ?? 1})`);
  return close + 1;
}

/** GENERATED BY DEFAULT AS IDENTITY (seed, step). */
function generatedClause(r: ColumnReading, k: number): number {
  const open = r.el.findIndex((x, j) => j > k && isPunct(x, '('));
  const close = open < 0 ? -1 : closingParen(r.el, open);
  const args = open < 0 ? [] : splitTopLevel(r.el.slice(open + 1, close)).map((a) => render(a));
  r.pg.push(`generated by default as identity (start with ${args[0] ?? 1} increment by ${args[1] ?? 1})`);
  return close < 0 ? k + 5 : close + 1;
}

function sortkeyClause(r: ColumnReading, k: number): number {
  if (r.ddl.sortkeys.length) {
    throw new RedshiftError(`too many SORTKEY declarations at column "${r.name}" of table "${r.tableName}"`, '42601');
  }
  r.ddl.sortkeyType = 'COMPOUND';
  r.ddl.sortkeys = [r.name];
  return k + 1;
}

/** DEFAULT expr, passed as written: it ends at the next column keyword outside parentheses (NULL is part of it). */
function defaultClause(r: ColumnReading, k: number): number {
  const { el } = r;
  const start = k;
  let d = 0;
  for (k++; k < el.length && !(d === 0 && isWord(el[k], ...DEFAULT_ENDS)); k++) {
    if (isPunct(el[k], '(')) d++;
    if (isPunct(el[k], ')')) d--;
  }
  r.pg.push(render(el.slice(start, k)));
  return k;
}

/** REFERENCES table [(columns)]: a declared foreign key, recorded only. */
function referencesClause(r: ColumnReading, k: number): number {
  const { el } = r;
  const start = k + 1;
  let j = k + 2;
  while (
    j < el.length &&
    (isPunct(el[j], '.') || el[j]!.type === 'qident' || (el[j]!.type === 'ident' && !isWord(el[j], ...COLUMN_KEYWORDS)))
  )
    j++;
  const refTable = render(el.slice(start, j));
  let refColumns: string[] = [];
  if (isPunct(el[j], '(')) {
    const close = closingParen(el, j);
    refColumns = splitTopLevel(el.slice(j + 1, close)).map((c) => identName(c[0]!));
    j = close + 1;
  }
  addColumnKey(r, 'FOREIGN KEY', `${r.tableName}_${r.name}_fkey`, { table: refTable, columns: refColumns });
  return j;
}

/** A key declared on the column, named by a CONSTRAINT before it or else as Postgres would name it. */
function addColumnKey(
  r: ColumnReading,
  type: DeclaredConstraint['type'],
  defaultName: string,
  references?: DeclaredConstraint['references'],
): void {
  r.ddl.constraints.push({
    name: r.constraintName ?? defaultName,
    type,
    columns: [r.name],
    ...(references ? { references } : {}),
  });
  r.constraintName = undefined;
}

/** A table-level PRIMARY KEY / UNIQUE / FOREIGN KEY, recorded (Redshift does not enforce it). */
function tableConstraint(el: Token[], ddl: TableDdl, tableName: string): void {
  let k = 0;
  let name: string | undefined;
  if (isWord(el[0], 'constraint')) {
    name = identName(el[1]!);
    k = 2;
  }
  const cols = (open: number): [string[], number] => {
    if (!isPunct(el[open], '(')) throw syntaxError(el[open]?.text ?? ')');
    const close = closingParen(el, open);
    return [splitTopLevel(el.slice(open + 1, close)).map((c) => identName(c[0]!)), close + 1];
  };
  if (isWord(el[k], 'primary') && isWord(el[k + 1], 'key')) {
    const [columns] = cols(k + 2);
    ddl.constraints.push({ name: name ?? `${tableName}_pkey`, type: 'PRIMARY KEY', columns });
  } else if (isWord(el[k], 'unique')) {
    const [columns] = cols(k + 1);
    ddl.constraints.push({ name: name ?? `${tableName}_${columns.join('_')}_key`, type: 'UNIQUE', columns });
  } else if (isWord(el[k], 'foreign') && isWord(el[k + 1], 'key')) {
    const [columns, next] = cols(k + 2);
    if (!isWord(el[next], 'references')) throw syntaxError(el[next]?.text ?? ')');
    let j = next + 1;
    const start = j;
    while (j < el.length && (isPunct(el[j], '.') || el[j]!.type === 'qident' || el[j]!.type === 'ident')) j++;
    const refColumns = isPunct(el[j], '(') ? cols(j)[0] : [];
    ddl.constraints.push({
      name: name ?? `${tableName}_${columns.join('_')}_fkey`,
      type: 'FOREIGN KEY',
      columns,
      references: { table: render(el.slice(start, j)), columns: refColumns },
    });
  } else throw syntaxError(el[k]?.text ?? ')');
}

function tableAttributes(sig: Token[], start: number, ddl: TableDdl): number {
  let i = start;
  for (;;) {
    const t = sig[i];
    if (isWord(t, 'backup')) {
      ddl.backup = !isWord(sig[i + 1], 'no');
      i += 2;
    } else if (isWord(t, 'diststyle')) {
      const style = sig[i + 1]?.value.toUpperCase() ?? '';
      if (!['AUTO', 'EVEN', 'KEY', 'ALL'].includes(style)) throw syntaxError(sig[i + 1]?.text ?? 'end of input');
      ddl.diststyle = style;
      i += 2;
    } else if (isWord(t, 'distkey') && isPunct(sig[i + 1], '(')) {
      ddl.distkey = identName(sig[i + 2]!);
      i = closingParen(sig, i + 1) + 1;
    } else if (isWord(t, 'compound', 'interleaved') && isWord(sig[i + 1], 'sortkey')) {
      ddl.sortkeyType = t!.value.toUpperCase();
      i = sortkey(sig, i + 1, ddl);
    } else if (isWord(t, 'sortkey')) {
      if (isWord(sig[i + 1], 'auto')) {
        ddl.sortkeyType = 'AUTO';
        ddl.sortkeys = [];
        i += 2;
      } else {
        ddl.sortkeyType = 'COMPOUND';
        i = sortkey(sig, i, ddl);
      }
    } else if (isWord(t, 'encode') && isWord(sig[i + 1], 'auto')) {
      ddl.encodeAuto = true;
      i += 2;
    } else return i;
  }
}

function sortkey(sig: Token[], at: number, ddl: TableDdl): number {
  if (!isPunct(sig[at + 1], '(')) throw syntaxError(sig[at + 1]?.text ?? 'end of input');
  const close = closingParen(sig, at + 1);
  ddl.sortkeys = splitTopLevel(sig.slice(at + 2, close)).map((c) => identName(c[0]!));
  if (ddl.sortkeyType === 'INTERLEAVED' && ddl.sortkeys.length > 8) {
    throw new RedshiftError('Number of interleaved sortkeys exceeds the limit of 8', 'XX000');
  }
  return close + 1;
}

/** SQL run on the same session right after the DDL, recording its properties in the catalog. */
export function catalogStatements(ddl: TableDdl, schema: string): string[] {
  const S = quoteIdent(schema);
  const rel = CATALOG_REL;
  const out: string[] = [];
  if (ddl.likeParent && !ddl.columns.length) {
    const parent = CATALOG_PARENT;
    out.push(`delete from ${S}.columns where relid = ${rel}`);
    out.push(`insert into ${S}.tables select ${rel}, diststyle, distkey, sortkey_type, sortkeys, backup, encode_auto
      from ${S}.tables where relid = ${parent} on conflict (relid) do update set diststyle = excluded.diststyle,
      distkey = excluded.distkey, sortkey_type = excluded.sortkey_type, sortkeys = excluded.sortkeys,
      backup = excluded.backup, encode_auto = excluded.encode_auto`);
    out.push(`insert into ${S}.columns select ${rel}, attname, rs_type, encoding, is_distkey, sortkey_ord
      from ${S}.columns where relid = ${parent}`);
    return out;
  }
  const sortkeys = `array[${ddl.sortkeys.map(quoteLiteral).join(',')}]::text[]`;
  const conflict = ddl.ifNotExists
    ? 'do nothing'
    : `do update set diststyle = excluded.diststyle, distkey = excluded.distkey,
    sortkey_type = excluded.sortkey_type, sortkeys = excluded.sortkeys, backup = excluded.backup, encode_auto = excluded.encode_auto`;
  out.push(`insert into ${S}.tables values (${rel}, ${quoteLiteral(ddl.diststyle)}, ${ddl.distkey ? quoteLiteral(ddl.distkey) : 'null'},
    ${quoteLiteral(ddl.sortkeyType)}, ${sortkeys}, ${ddl.backup}, ${ddl.encodeAuto}) on conflict (relid) ${conflict}`);
  if (!ddl.ifNotExists) out.push(`delete from ${S}.columns where relid = ${rel}`);
  out.push(`delete from ${S}.constraints where relid = ${rel}`);
  for (const c of ddl.constraints) out.push(constraintInsertSql(schema, c));
  if (ddl.ctas) {
    // CTAS columns: encodings as Redshift assigns them (sort keys and BOOLEAN/REAL/DOUBLE raw, numbers and
    // times AZ64, character types LZO); keys may be given by column position.
    const keys = `array[${ddl.sortkeys.map(quoteLiteral).join(',')}]::text[]`;
    const dist = ddl.distkey ? quoteLiteral(ddl.distkey) : 'null';
    out.push(`insert into ${S}.columns (relid, attname, rs_type, encoding, is_distkey, sortkey_ord)
      select ${rel}, c.n, null, case when coalesce(array_position(${keys}, c.n::text), array_position(${keys}, c.o::text), 0) > 0 then 'none'
          when c.t in ('bool', 'float4', 'float8', 'text') then 'none' when c.t in ('varchar', 'bpchar', 'bytea') then 'lzo' else 'az64' end,
        coalesce(c.n::text = ${dist} or c.o::text = ${dist}, false), coalesce(array_position(${keys}, c.n::text), array_position(${keys}, c.o::text), 0)
      from unnest(${CATALOG_ATTS}::name[], ${CATALOG_TYPES}::text[]) with ordinality as c(n, t, o) on conflict do nothing`);
    out.push(
      `update ${S}.tables set distkey = (${CATALOG_ATTS}::name[])[distkey::int] where relid = ${rel} and distkey ~ '^[0-9]+$'`,
    );
    out.push(`update ${S}.tables set sortkeys = array(select case when k ~ '^[0-9]+$' then ((${CATALOG_ATTS}::name[])[k::int])::text else k end
      from unnest(sortkeys) with ordinality as s(k, o) order by o) where relid = ${rel}`);
  }
  if (ddl.columns.length) {
    const values = ddl.columns.map((c) => {
      // Sort key columns are stored raw unless an encoding was given.
      const enc = c.sortkeyOrd !== 0 && !c.explicitEncoding ? 'none' : c.encoding;
      return `(${rel}, ${quoteLiteral(c.name)}, ${c.display ? quoteLiteral(c.display) : 'null'}, ${quoteLiteral(enc)}, ${c.distkey}, ${c.sortkeyOrd})`;
    });
    out.push(`insert into ${S}.columns values ${values.join(', ')} on conflict do nothing`);
  }
  return out;
}

/** Records a declared key in the emulator's catalog. */
export function constraintInsertSql(schema: string, c: DeclaredConstraint): string {
  const arr = (xs: string[]): string => `array[${xs.map(quoteLiteral).join(',')}]::text[]`;
  return `insert into ${quoteIdent(schema)}.constraints values (${CATALOG_REL}, ${quoteLiteral(c.name)}, ${quoteLiteral(c.type)}, ${arr(c.columns)},
      ${c.references ? quoteLiteral(c.references.table) : 'null'}, ${arr(c.references?.columns ?? [])})`;
}
