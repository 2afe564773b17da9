// Redshift ALTER TABLE: ADD COLUMN with Redshift types and attributes; ADD / DROP CONSTRAINT of the
// declared (unenforced) keys; ALTER DISTSTYLE / DISTKEY / SORTKEY / ENCODE (catalog only: Postgres
// has no such thing); ALTER COLUMN ... TYPE VARCHAR(n).
import { syntaxError } from './errors.js';
import { emptyTableDdl, parseElement } from './ddl.js';
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
  let i = 2;
  if (isWord(sig[i], 'if') && isWord(sig[i + 1], 'exists')) i += 2;
  const nameStart = i;
  while (
    i < sig.length &&
    (sig[i]!.type === 'qident' ||
      (sig[i]!.type === 'ident' && !isWord(sig[i], 'add', 'alter', 'drop')) ||
      isPunct(sig[i], '.'))
  )
    i++;
  const table = render(sig.slice(nameStart, i));
  const tableName = identName(sig[i - 1]!);
  const S = quoteIdent(schema);
  const rel = CATALOG_REL;
  const ensureColumns = `insert into ${S}.columns (relid, attname, encoding) select ${rel}, a, 'none'
    from unnest(${CATALOG_ATTS}::name[]) a on conflict do nothing`;
  const ensureTable = `insert into ${S}.tables (relid, diststyle) values (${rel}, 'AUTO') on conflict do nothing`;
  if (isWord(sig[i], 'add')) {
    i++;
    if (isWord(sig[i], 'column')) i++;
    if (isWord(sig[i], 'check')) return undefined;
    if (isWord(sig[i], 'constraint', 'primary', 'unique', 'foreign')) {
      // Declared keys are recorded, never enforced (as on Redshift).
      const ddl = emptyTableDdl(table);
      parseElement(sig.slice(i), ddl, tableName);
      const arr = (xs: string[]): string => `array[${xs.map(quoteLiteral).join(',')}]::text[]`;
      return {
        catalog: ddl.constraints.map(
          (c) => `insert into ${S}.constraints values (${rel}, ${quoteLiteral(c.name)},
        ${quoteLiteral(c.type)}, ${arr(c.columns)}, ${c.references ? quoteLiteral(c.references.table) : 'null'}, ${arr(c.references?.columns ?? [])})`,
        ),
      };
    }
    const ddl = emptyTableDdl(table);
    const added = parseElement(sig.slice(i), ddl, tableName)!;
    const c = ddl.columns[0]!;
    return {
      pgSql: `alter table ${table} add column ${added.sql}`,
      catalog: [
        `insert into ${S}.columns values (${rel}, ${quoteLiteral(c.name)}, ${c.display ? quoteLiteral(c.display) : 'null'},
        ${quoteLiteral(c.encoding)}, false, 0) on conflict (relid, attname) do update set rs_type = excluded.rs_type, encoding = excluded.encoding`,
      ],
    };
  }
  if (isWord(sig[i], 'drop') && isWord(sig[i + 1], 'constraint') && sig[i + 2]) {
    // A declared key lives in the catalog only (RESTRICT / CASCADE change nothing: no object depends on it here).
    const name = identName(sig[i + 2]!);
    if (sig[i + 3] && !(isWord(sig[i + 3], 'restrict', 'cascade') && !sig[i + 4])) throw syntaxError(sig[i + 3]!.text);
    return { catalog: [`delete from ${S}.constraints where relid = ${rel} and conname = ${quoteLiteral(name)}`] };
  }
  if (!isWord(sig[i], 'alter')) return undefined;
  i++;
  const w = sig[i];
  if (isWord(w, 'diststyle')) {
    const style = sig[i + 1]?.value.toUpperCase() ?? '';
    if (style === 'KEY') {
      if (!isWord(sig[i + 2], 'distkey')) throw syntaxError(sig[i + 2]?.text ?? 'end of input');
      return distkey(identName(sig[i + 3]!));
    }
    if (!['EVEN', 'ALL', 'AUTO'].includes(style)) throw syntaxError(sig[i + 1]?.text ?? 'end of input');
    return {
      catalog: [
        ensureTable,
        ensureColumns,
        `update ${S}.tables set diststyle = '${style}', distkey = null where relid = ${rel}`,
        `update ${S}.columns set is_distkey = false where relid = ${rel}`,
      ],
    };
  }
  if (isWord(w, 'distkey')) return distkey(identName(sig[i + 1]!));
  if (isWord(w, 'compound', 'sortkey')) {
    if (isWord(w, 'compound')) i++;
    if (isWord(sig[i + 1], 'auto', 'none')) {
      const type = isWord(sig[i + 1], 'auto') ? 'AUTO' : 'NONE';
      return {
        catalog: [
          ensureTable,
          ensureColumns,
          `update ${S}.tables set sortkey_type = '${type}', sortkeys = '{}' where relid = ${rel}`,
          `update ${S}.columns set sortkey_ord = 0 where relid = ${rel}`,
        ],
      };
    }
    if (!isPunct(sig[i + 1], '(')) throw syntaxError(sig[i + 1]?.text ?? 'end of input');
    const cols = splitTopLevel(sig.slice(i + 2, closingParen(sig, i + 1))).map((c) => identName(c[0]!));
    return {
      catalog: [
        ensureTable,
        ensureColumns,
        `update ${S}.tables set sortkey_type = 'COMPOUND', sortkeys = array[${cols.map(quoteLiteral).join(',')}]::text[] where relid = ${rel}`,
        `update ${S}.columns set sortkey_ord = coalesce(array_position(array[${cols.map(quoteLiteral).join(',')}]::text[], attname::text), 0) where relid = ${rel}`,
      ],
    };
  }
  if (isWord(w, 'encode') && isWord(sig[i + 1], 'auto')) {
    return { catalog: [ensureTable, `update ${S}.tables set encode_auto = true where relid = ${rel}`] };
  }
  if (isWord(w, 'column')) {
    const col = identName(sig[i + 1]!);
    if (isWord(sig[i + 2], 'encode')) {
      const enc = identName(sig[i + 3]!).toLowerCase();
      return {
        catalog: [
          ensureTable,
          ensureColumns,
          `update ${S}.tables set encode_auto = false where relid = ${rel}`,
          `update ${S}.columns set encoding = ${quoteLiteral(enc === 'raw' ? 'none' : enc)} where relid = ${rel} and attname = ${quoteLiteral(col)}`,
        ],
      };
    }
    if (isWord(sig[i + 2], 'type')) {
      const mapped = mapType(render(sig.slice(i + 3)), tableName, col);
      const q = quoteIdent(col);
      const check = mapped.check
        ? `, add constraint ${quoteIdent(`${mapped.check.name}_${col}`.slice(0, 63))} check (${mapped.check.expr.replace(/\$col/g, q)})`
        : '';
      return {
        pgSql: `alter table ${table} alter column ${q} type ${mapped.pg}${check}`,
        catalog: [],
        retypeColumn: col,
      };
    }
  }
  return undefined;

  function distkey(col: string): AlterPlan {
    return {
      catalog: [
        ensureTable,
        ensureColumns,
        `update ${S}.tables set diststyle = 'KEY', distkey = ${quoteLiteral(col)} where relid = ${rel}`,
        `update ${S}.columns set is_distkey = (attname = ${quoteLiteral(col)}) where relid = ${rel}`,
      ],
    };
  }
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
  const sig = significant(tokenize(sql));
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
  return render(sig.slice(start, i));
}
