// Statement classification and rewriting: what passes to Postgres (with Redshift's system
// relations and functions redirected to the emulator's catalog), what the emulator runs itself,
// and what Redshift refuses.
import { RedshiftError, syntaxError } from './errors.js';
import { isCreateTable } from './ddl.js';
import type { LoadCommitRow } from './context.js';
import { isPunct, isWord, quoteIdent, quoteLiteral, significant, tokenize, type Token } from './sql.js';

export type Step =
  | { kind: 'pass'; sql: string; caseSensitive?: boolean }
  | { kind: 'refuse'; error: RedshiftError }
  | { kind: 'copy'; sql: string }
  | { kind: 'unload'; sql: string }
  | { kind: 'create'; sql: string }
  | { kind: 'alter'; sql: string }
  | { kind: 'implicitCommit'; sql: string };

const RELATIONS = ['stl_load_errors', 'sys_load_error_detail', 'stl_load_commits', 'sys_load_detail', 'svv_table_info',
  'svv_columns', 'svv_all_columns', 'svv_tables', 'pg_table_def',
  'pg_constraint', 'pg_class', 'pg_proc', 'stl_query', 'stl_querytext', 'svl_qlog', 'svl_statementtext', 'stv_recents', 'sys_query_history', 'stv_sessions', 'pg_user_info', 'svv_external_schemas'];

export interface RewriteContext {
  schema: string;
  lastCopyId: number;
  slices: number;
  caseSensitive: boolean;
  /** stl_load_commits rows of the session's own COPYs in its transaction (its snapshot may predate them). */
  loadCommits?: readonly LoadCommitRow[];
}

/**
 * stl_load_commits as the session sees it: the catalog's rows, with the session's own COPYs taken
 * from memory (the catalog writes them outside the client's transaction, after its snapshot).
 */
function ownLoadCommits(S: string, rows: readonly LoadCommitRow[]): string {
  const ids = [...new Set(rows.map((r) => r.query))].join(', ');
  return `stl_load_commits as (select * from ${S}.stl_load_commits where query not in (${ids}) union all ` +
    `select * from json_populate_recordset(null::${S}.stl_load_commits, ${quoteLiteral(JSON.stringify(rows))}))`;
}

/** Redshift folds even quoted identifiers to lower case (unless enable_case_sensitive_identifier). */
export function foldIdentifiers(sql: string): string {
  const tokens = tokenize(sql);
  if (!tokens.some((t) => t.type === 'qident' && t.value !== t.value.toLowerCase())) return sql;
  return tokens.map((t) => (t.type === 'qident' ? quoteIdent(t.value.toLowerCase()) : t.text)).join('');
}

/** Redshift's `#name` tables are temp tables: the name becomes the quoted identifier "#name". */
export function hashTempNames(sql: string): string {
  if (!sql.includes('#')) return sql;
  const tokens = tokenize(sql);
  let changed = false;
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.type === 'op' && t.text === '#' && next?.type === 'ident' && next.start === t.start + 1) {
      out.push(quoteIdent(`#${next.text}`));
      i++;
      changed = true;
    } else out.push(t.text);
  }
  return changed ? out.join('') : sql;
}

/** Session parameters only Redshift has: kept as placeholders so SET / SHOW / RESET work. */
const REDSHIFT_PARAMS = new Set(['query_group', 'enable_case_sensitive_identifier', 'enable_result_cache_for_session',
  'wlm_query_slot_count', 'analyze_threshold_percent', 'json_parse_truncate_strings', 'describe_field_name_in_uppercase',
  'downcase_delimited_identifier', 'auto_analyze', 'mv_enable_aqmv_for_session', 'spectrum_query_maxerror',
  'enable_numeric_rounding', 'enable_spectrum_oid', 'use_fips_ssl', 'default_geometry_encoding']);

function setting(sig: Token[], sql: string, ctx: RewriteContext): Step | undefined {
  let i = 1;
  if (isWord(sig[0], 'set') && isWord(sig[1], 'session', 'local')) i++;
  if (!isWord(sig[0], 'set', 'reset', 'show')) return undefined;
  const p = sig[i];
  if (!p || p.type !== 'ident' || !REDSHIFT_PARAMS.has(p.value) || isPunct(sig[i + 1], '.')) return undefined;
  const text = isWord(sig[0], 'show')
    ? `select current_setting('${ctx.schema}.${p.value}') as ${p.value}`
    : `${sql.slice(0, p.start)}${ctx.schema}.${p.value}${sql.slice(p.start + p.text.length)}`;
  if (p.value === 'enable_case_sensitive_identifier' || p.value === 'downcase_delimited_identifier') {
    const v = sig[i + 2] ?? sig[i + 1];
    const on = isWord(sig[0], 'set') && v !== undefined && /^'?(on|true|1)'?$/i.test(v.text);
    const caseSensitive = p.value === 'downcase_delimited_identifier' ? !on : on;
    return { kind: 'pass', sql: text, caseSensitive: isWord(sig[0], 'reset') ? false : isWord(sig[0], 'show') ? ctx.caseSensitive : caseSensitive };
  }
  return { kind: 'pass', sql: text };
}

/** Redirects Redshift-only relations and functions in one statement's text. */
export function rewriteText(sql: string, ctx: RewriteContext): string {
  const tokens = tokenize(sql);
  const sig = significant(tokens);
  const S = quoteIdent(ctx.schema);
  const needsAttr = sig.some((t) => isWord(t, 'attisdistkey', 'attsortkeyord', 'attencodingtype'));
  const needsClass = sig.some((t) => isWord(t, 'reldiststyle'));
  // pg_table_def has a column named notnull, a keyword in Postgres: quote it there.
  const tableDef = sig.some((t) => isWord(t, 'pg_table_def'));
  const replace = new Map<Token, string>();
  const drop = new Set<Token>();
  // A query (SELECT, or WITH ... SELECT) reads stl_load_commits through a CTE holding the session's own rows.
  const withOwnCommits = ctx.loadCommits?.length && isWord(sig[0], 'select', 'with') ? ctx.loadCommits : undefined;
  // Rewritten once already (a Parse of a classified statement): its stl_load_commits is the CTE.
  const hasOwnCommits = isWord(sig[0], 'with') && isWord(sig[1], 'stl_load_commits') && isWord(sig[2], 'as');
  let readsOwnCommits = false;
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!;
    if (t.type !== 'ident') continue;
    const prev = sig[i - 1];
    const next = sig[i + 1];
    let qualifiedByCatalog = false;
    if (isPunct(prev, '.')) {
      if (isWord(sig[i - 2], 'information_schema') && ['table_constraints', 'key_column_usage', 'check_constraints', 'constraint_column_usage'].includes(t.value)) {
        replace.set(t, `${S}.${t.value}`);
        drop.add(sig[i - 1]!);
        drop.add(sig[i - 2]!);
        continue;
      }
      if (!isWord(sig[i - 2], 'pg_catalog')) continue;
      qualifiedByCatalog = true;
    }
    let out: string | undefined;
    if (tableDef && t.value === 'notnull') { replace.set(t, '"notnull"'); continue; }
    const call = isPunct(next, '(');
    if (call && isPunct(sig[i + 2], ')') && t.value === 'version') out = `${S}.version`;
    else if (call && t.value === 'nvl') out = 'coalesce';
    else if (call && t.value === 'len') out = 'length';
    else if (!call && t.value === 'sysdate') out = 'localtimestamp';
    else if (call && isPunct(sig[i + 2], ')') && t.value === 'getdate') out = `${S}.getdate`;
    else if (call && isPunct(sig[i + 2], ')') && t.value === 'pg_last_copy_id') {
      out = `${S}.pg_last_copy_id`;
      replace.set(sig[i + 2]!, `${ctx.lastCopyId})`);
    } else if (call && t.value === 'format_encoding') out = `${S}.format_encoding`;
    else if (!call && t.value === 'stl_load_commits' && hasOwnCommits) continue;
    else if (!call && t.value === 'stl_load_commits' && withOwnCommits) { out = 'stl_load_commits'; readsOwnCommits = true; }
    else if (!call && RELATIONS.includes(t.value)) out = `${S}.${t.value}`;
    else if (!call && t.value === 'stv_slices') out = `${S}.stv_slices(${ctx.slices})`;
    else if (!call && t.value === 'pg_attribute' && needsAttr) out = `${S}.pg_attribute`;
    else if (!call && t.value === 'pg_class' && needsClass) out = `${S}.pg_class`;
    if (out === undefined) continue;
    replace.set(t, out);
    if (qualifiedByCatalog) { drop.add(sig[i - 1]!); drop.add(sig[i - 2]!); }
  }
  if (readsOwnCommits) {
    const cte = ownLoadCommits(S, withOwnCommits!);
    if (isWord(sig[0], 'select')) replace.set(sig[0]!, `with ${cte} ${sig[0]!.text}`);
    else {
      const at = isWord(sig[1], 'recursive') ? sig[1]! : sig[0]!;
      replace.set(at, `${at.text} ${cte},`);
    }
  }
  if (!replace.size) return sql;
  return tokens.map((t) => (drop.has(t) ? '' : replace.get(t) ?? t.text)).join('');
}

const ADVISORY = /^pg_(try_)?advisory_(xact_)?(un)?lock(_shared)?(_all)?$/;

/** Classifies one statement. */
export function classify(statement: string, ctx: RewriteContext): Step {
  const hashed = hashTempNames(statement);
  const sql = ctx.caseSensitive ? hashed : foldIdentifiers(hashed);
  const sig = significant(tokenize(sql));
  const set = setting(sig, sql, ctx);
  if (set) return set;
  const first = sig[0];
  if (isWord(first, 'copy')) {
    const from = sig.findIndex((t) => isWord(t, 'from'));
    if (from >= 0 && isWord(sig[from + 1], 'stdin')) {
      return { kind: 'refuse', error: new RedshiftError('LOAD source is not supported. (Hint: only S3 or DynamoDB or EMR based load is allowed)', 'XX000') };
    }
    if (from < 0) return { kind: 'refuse', error: syntaxError(sig.find((t) => isWord(t, 'to'))?.text ?? 'copy') };
    return { kind: 'copy', sql };
  }
  if (isWord(first, 'unload')) return { kind: 'unload', sql };
  if (isWord(first, 'create')) {
    let i = 1;
    if (isWord(sig[i], 'or') && isWord(sig[i + 1], 'replace')) i += 2;
    if (isWord(sig[i], 'unique')) i++;
    if (isWord(sig[i], 'index')) {
      return { kind: 'refuse', error: new RedshiftError(`SQL command "${sql}" not supported on Redshift tables.`, '0A000') };
    }
    if (isWord(sig[i], 'constraint')) i++;
    if (isWord(sig[i], 'trigger')) return { kind: 'refuse', error: syntaxError(sig[i]!.text) };
    if (isCreateTable(sig)) return { kind: 'create', sql };
  }
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!;
    if (isWord(t, 'on') && isWord(sig[i + 1], 'conflict') && isWord(first, 'insert')) return { kind: 'refuse', error: syntaxError(t.text) };
    if (isWord(t, 'returning') && isWord(first, 'insert', 'update', 'delete', 'with')) return { kind: 'refuse', error: syntaxError(t.text) };
    if (t.type === 'ident' && ADVISORY.test(t.value) && isPunct(sig[i + 1], '(')) {
      return { kind: 'refuse', error: new RedshiftError(`function ${t.value}(bigint) does not exist`, '42883') };
    }
  }
  if (isWord(first, 'truncate')) return { kind: 'implicitCommit', sql };
  if (isWord(first, 'alter') && isWord(sig[1], 'table')) return { kind: 'alter', sql };
  if (isWord(first, 'vacuum')) {
    const table = sig.slice(1).find((t) => (t.type === 'ident' || t.type === 'qident') && !isWord(t, 'full', 'sort', 'only', 'delete', 'reindex', 'recluster', 'boost', 'to', 'percent'));
    return { kind: 'implicitCommit', sql: table ? `vacuum ${sql.slice(table.start).replace(/\s+to\s+\d+\s+percent.*$/i, '').replace(/\s+boost\s*$/i, '')}` : 'vacuum' };
  }
  return { kind: 'pass', sql: rewriteText(sql, ctx) };
}

/** The table a DML statement writes (as written), for Redshift's 1023 detail. */
export function dmlTarget(sql: string): string | undefined {
  const sig = significant(tokenize(sql));
  let i: number;
  if (isWord(sig[0], 'insert', 'merge') && isWord(sig[1], 'into')) i = 2;
  else if (isWord(sig[0], 'delete') && isWord(sig[1], 'from')) i = 2;
  else if (isWord(sig[0], 'update', 'copy')) i = 1;
  else return undefined;
  if (isWord(sig[i], 'only')) i++;
  const start = i;
  while (i < sig.length && (sig[i]!.type === 'ident' || sig[i]!.type === 'qident' || isPunct(sig[i], '.'))) {
    if (i > start && !isPunct(sig[i], '.') && !isPunct(sig[i - 1], '.')) break;
    i++;
  }
  return i > start ? sig.slice(start, i).map((t) => t.text).join('') : undefined;
}

/** The value a statement sets search_path to; null for RESET; undefined when it does not. */
export function searchPathChange(sql: string): string | null | undefined {
  const m = /^\s*set\s+(?:session\s+)?search_path\s*(?:to|=)\s*(.+?)\s*$/is.exec(sql);
  if (m) return m[1]!;
  return /^\s*reset\s+search_path\s*$/i.test(sql) ? null : undefined;
}
