// Redshift ALTER TABLE: ADD COLUMN with Redshift types and attributes; ADD / DROP CONSTRAINT of the
// declared (unenforced) keys; ALTER DISTSTYLE / DISTKEY / SORTKEY / ENCODE (catalog only: Postgres
// has no such thing); ALTER COLUMN ... TYPE VARCHAR(n).
import { syntaxError } from './errors.js';
import { constraintInsertSql, emptyTableDdl, parseElement, typeCheckSql, type ColumnProps } from './ddl.js';
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
import { mapType } from './types.js';
import { CATALOG_ATTS, CATALOG_REL } from './catalog.js';

export interface AlterPlan {
  /** Statement relayed to Postgres (its answer goes to the client), if any. */
  pgSql?: string;
  /** Catalog statements run on the session after it. */
  catalog: string[];
  /** Constraint checks to drop first (ALTER COLUMN TYPE): the column whose rs_* checks go. */
  retypeColumn?: string;
}

/** Plans a Redshift-specific ALTER TABLE; undefined when Postgres takes it as written. */
export function planAlter(sql: string, schema: string): AlterPlan | undefined {
  const sig = significant(tokenize(sql));
  const { table, next: i } = alterHead(sig);
  const a: AlterContext = { sig, table, tableName: identName(sig[i - 1]!), catalog: new TableCatalog(schema) };
  if (isWord(sig[i], 'add')) return planAdd(a, i + 1);
  if (isWord(sig[i], 'drop') && isWord(sig[i + 1], 'constraint') && sig[i + 2]) return planDropConstraint(a, i + 2);
  if (!isWord(sig[i], 'alter')) return undefined;
  const w = sig[i + 1];
  if (isWord(w, 'diststyle')) return planDiststyle(a, i + 1);
  if (isWord(w, 'distkey')) return a.catalog.distkey(identName(sig[i + 2]!));
  if (isWord(w, 'compound', 'sortkey')) return planSortkey(a, isWord(w, 'compound') ? i + 2 : i + 1);
  if (isWord(w, 'encode') && isWord(sig[i + 2], 'auto')) return a.catalog.encodeAuto();
  if (isWord(w, 'column')) return planAlterColumn(a, i + 2);
  return undefined;
}

interface AlterContext {
  readonly sig: Token[];
  /** The table as written. */
  readonly table: string;
  /** Its unqualified name, as Redshift names it in errors and default constraint names. */
  readonly tableName: string;
  readonly catalog: TableCatalog;
}

/** ALTER TABLE [IF EXISTS] name: the name as written and where the action starts. */
function alterHead(sig: Token[]): { table: string; next: number } {
  let i = 2;
  if (isWord(sig[i], 'if') && isWord(sig[i + 1], 'exists')) i += 2;
  const start = i;
  while (
    i < sig.length &&
    (sig[i]!.type === 'qident' ||
      (sig[i]!.type === 'ident' && !isWord(sig[i], 'add', 'alter', 'drop')) ||
      isPunct(sig[i], '.'))
  )
    i++;
  return { table: render(sig.slice(start, i)), next: i };
}

/** The catalog statements of an ALTER: the altered table's rows made first, when it has none yet. */
class TableCatalog {
  private readonly S: string;
  private readonly rel = CATALOG_REL;
  constructor(readonly schema: string) {
    this.S = quoteIdent(schema);
  }

  private get ensureTable(): string {
    return `insert into ${this.S}.tables (relid, diststyle) values (${this.rel}, 'AUTO') on conflict do nothing`;
  }

  private get ensureColumns(): string {
    return `insert into ${this.S}.columns (relid, attname, encoding) select ${this.rel}, a, 'none'
    from unnest(${CATALOG_ATTS}::name[]) a on conflict do nothing`;
  }

  /** The table's rows, then `updates` of them. */
  private alter(...updates: string[]): AlterPlan {
    return { catalog: [this.ensureTable, this.ensureColumns, ...updates] };
  }

  diststyle(style: string): AlterPlan {
    const { S, rel } = this;
    return this.alter(
      `update ${S}.tables set diststyle = '${style}', distkey = null where relid = ${rel}`,
      `update ${S}.columns set is_distkey = false where relid = ${rel}`,
    );
  }

  distkey(col: string): AlterPlan {
    const { S, rel } = this;
    return this.alter(
      `update ${S}.tables set diststyle = 'KEY', distkey = ${quoteLiteral(col)} where relid = ${rel}`,
      `update ${S}.columns set is_distkey = (attname = ${quoteLiteral(col)}) where relid = ${rel}`,
    );
  }

  noSortkey(type: 'AUTO' | 'NONE'): AlterPlan {
    const { S, rel } = this;
    return this.alter(
      `update ${S}.tables set sortkey_type = '${type}', sortkeys = '{}' where relid = ${rel}`,
      `update ${S}.columns set sortkey_ord = 0 where relid = ${rel}`,
    );
  }

  compoundSortkey(cols: string[]): AlterPlan {
    const { S, rel } = this;
    const keys = `array[${cols.map(quoteLiteral).join(',')}]::text[]`;
    return this.alter(
      `update ${S}.tables set sortkey_type = 'COMPOUND', sortkeys = ${keys} where relid = ${rel}`,
      `update ${S}.columns set sortkey_ord = coalesce(array_position(${keys}, attname::text), 0) where relid = ${rel}`,
    );
  }

  /** Only the table's row: ENCODE AUTO changes no column. */
  encodeAuto(): AlterPlan {
    return { catalog: [this.ensureTable, `update ${this.S}.tables set encode_auto = true where relid = ${this.rel}`] };
  }

  columnEncoding(col: string, enc: string): AlterPlan {
    const { S, rel } = this;
    return this.alter(
      `update ${S}.tables set encode_auto = false where relid = ${rel}`,
      `update ${S}.columns set encoding = ${quoteLiteral(enc === 'raw' ? 'none' : enc)} where relid = ${rel} and attname = ${quoteLiteral(col)}`,
    );
  }

  addColumn(c: ColumnProps): string {
    const { S, rel } = this;
    return `insert into ${S}.columns values (${rel}, ${quoteLiteral(c.name)}, ${c.display ? quoteLiteral(c.display) : 'null'},
        ${quoteLiteral(c.encoding)}, false, 0) on conflict (relid, attname) do update set rs_type = excluded.rs_type, encoding = excluded.encoding`;
  }
}

/** ADD [COLUMN] definition, or ADD of a declared key (recorded, never enforced, as on Redshift). */
function planAdd(a: AlterContext, start: number): AlterPlan | undefined {
  const { sig, table, tableName, catalog } = a;
  const i = isWord(sig[start], 'column') ? start + 1 : start;
  if (isWord(sig[i], 'check')) return undefined;
  const ddl = emptyTableDdl(table);
  const added = parseElement(sig.slice(i), ddl, tableName);
  if (isWord(sig[i], 'constraint', 'primary', 'unique', 'foreign'))
    return { catalog: ddl.constraints.map((c) => constraintInsertSql(catalog.schema, c)) };
  return { pgSql: `alter table ${table} add column ${added!.sql}`, catalog: [catalog.addColumn(ddl.columns[0]!)] };
}

/** DROP CONSTRAINT name: a declared key lives in the catalog only (RESTRICT / CASCADE change nothing: no object depends on it here). */
function planDropConstraint(a: AlterContext, at: number): AlterPlan {
  const { sig } = a;
  const name = identName(sig[at]!);
  if (sig[at + 1] && !(isWord(sig[at + 1], 'restrict', 'cascade') && !sig[at + 2]))
    throw syntaxError(sig[at + 1]!.text);
  return {
    catalog: [
      `delete from ${quoteIdent(a.catalog.schema)}.constraints where relid = ${CATALOG_REL} and conname = ${quoteLiteral(name)}`,
    ],
  };
}

/** ALTER DISTSTYLE EVEN | ALL | AUTO | KEY DISTKEY column. */
function planDiststyle(a: AlterContext, at: number): AlterPlan {
  const { sig } = a;
  const style = sig[at + 1]?.value.toUpperCase() ?? '';
  if (style === 'KEY') {
    if (!isWord(sig[at + 2], 'distkey')) throw syntaxError(sig[at + 2]?.text ?? 'end of input');
    return a.catalog.distkey(identName(sig[at + 3]!));
  }
  if (!['EVEN', 'ALL', 'AUTO'].includes(style)) throw syntaxError(sig[at + 1]?.text ?? 'end of input');
  return a.catalog.diststyle(style);
}

/** ALTER [COMPOUND] SORTKEY (columns) | AUTO | NONE; `at` is the SORTKEY word. */
function planSortkey(a: AlterContext, at: number): AlterPlan {
  const { sig } = a;
  if (isWord(sig[at + 1], 'auto', 'none')) return a.catalog.noSortkey(isWord(sig[at + 1], 'auto') ? 'AUTO' : 'NONE');
  if (!isPunct(sig[at + 1], '(')) throw syntaxError(sig[at + 1]?.text ?? 'end of input');
  return a.catalog.compoundSortkey(
    splitTopLevel(sig.slice(at + 2, closingParen(sig, at + 1))).map((c) => identName(c[0]!)),
  );
}

/** ALTER COLUMN name ENCODE e | TYPE t; `at` is the column's name. */
function planAlterColumn(a: AlterContext, at: number): AlterPlan | undefined {
  const { sig, table, tableName } = a;
  const col = identName(sig[at]!);
  if (isWord(sig[at + 1], 'encode')) return a.catalog.columnEncoding(col, identName(sig[at + 2]!).toLowerCase());
  if (!isWord(sig[at + 1], 'type')) return undefined;
  const mapped = mapType(render(sig.slice(at + 2)), tableName, col);
  const check = mapped.check ? `, add ${typeCheckSql(mapped.check, col)}` : '';
  return {
    pgSql: `alter table ${table} alter column ${quoteIdent(col)} type ${mapped.pg}${check}`,
    catalog: [],
    retypeColumn: col,
  };
}

/** Drops the emulator's byte-length checks of a column before its type changes. */
export function dropChecksSql(table: string, column: string): string {
  const like = `rs\\_%\\_${column.replace(/[_%\\]/g, '\\$&')}`;
  return `do $emulator$ declare c record; begin
    for c in select conname from pg_constraint where conrelid = ${quoteLiteral(table)}::regclass and conname like ${quoteLiteral(like)} loop
      execute format('alter table %s drop constraint %I', ${quoteLiteral(table)}::regclass, c.conname);
    end loop; end $emulator$`;
}

/** The table an ALTER TABLE names, as written. */
export function alterTarget(sql: string): string {
  return alterHead(significant(tokenize(sql))).table;
}
