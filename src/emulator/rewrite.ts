// Statement classification and rewriting: what passes to Postgres (with Redshift's system
// relations and functions redirected to the emulator's catalog), what the emulator runs itself,
// and what Redshift refuses.
import { RedshiftError, syntaxError } from './errors.js';
import { isCreateTable } from './ddl.js';
import { utilityCommand } from './commands.js';
import type { LoadCommitRow } from './context.js';
import { isPunct, isWord, quoteIdent, significant, tokenize, type Token } from './sql.js';
import { translate } from './translate/index.js';

export type Step =
  | { kind: 'pass'; sql: string; caseSensitive?: boolean }
  | { kind: 'refuse'; error: RedshiftError }
  | { kind: 'copy'; sql: string }
  | { kind: 'unload'; sql: string }
  | { kind: 'create'; sql: string }
  | { kind: 'alter'; sql: string }
  | { kind: 'implicitCommit'; sql: string };

export interface RewriteContext {
  schema: string;
  lastCopyId: number;
  slices: number;
  caseSensitive: boolean;
  /** stl_load_commits rows of the session's own COPYs in its transaction (its snapshot may predate them). */
  loadCommits?: readonly LoadCommitRow[];
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
const REDSHIFT_PARAMS = new Set([
  'query_group',
  'enable_case_sensitive_identifier',
  'enable_result_cache_for_session',
  'wlm_query_slot_count',
  'analyze_threshold_percent',
  'json_parse_truncate_strings',
  'describe_field_name_in_uppercase',
  'downcase_delimited_identifier',
  'auto_analyze',
  'mv_enable_aqmv_for_session',
  'spectrum_query_maxerror',
  'enable_numeric_rounding',
  'enable_spectrum_oid',
  'use_fips_ssl',
  'default_geometry_encoding',
]);

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
    return {
      kind: 'pass',
      sql: text,
      caseSensitive: isWord(sig[0], 'reset') ? false : isWord(sig[0], 'show') ? ctx.caseSensitive : caseSensitive,
    };
  }
  return { kind: 'pass', sql: text };
}

/** Redirects Redshift-only relations and functions in one statement (parsed); throws what Redshift refuses. */
export function rewriteText(sql: string, ctx: RewriteContext): string {
  return translate(sql, ctx);
}

/** Classifies one statement. */
export function classify(statement: string, ctx: RewriteContext): Step {
  const hashed = hashTempNames(statement);
  const sql = ctx.caseSensitive ? hashed : foldIdentifiers(hashed);
  const sig = significant(tokenize(sql));
  try {
    const utility = utilityCommand(sig, sql, ctx.schema);
    if (utility !== undefined) return { kind: 'pass', sql: utility };
  } catch (err) {
    if (err instanceof RedshiftError) return { kind: 'refuse', error: err };
    throw err;
  }
  const set = setting(sig, sql, ctx);
  if (set) return set;
  const first = sig[0];
  if (isWord(first, 'copy')) {
    const from = sig.findIndex((t) => isWord(t, 'from'));
    if (from >= 0 && isWord(sig[from + 1], 'stdin')) {
      return {
        kind: 'refuse',
        error: new RedshiftError(
          'LOAD source is not supported. (Hint: only S3 or DynamoDB or EMR based load is allowed)',
          'XX000',
        ),
      };
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
      return {
        kind: 'refuse',
        error: new RedshiftError(`SQL command "${sql}" not supported on Redshift tables.`, '0A000'),
      };
    }
    if (isWord(sig[i], 'constraint')) i++;
    if (isWord(sig[i], 'trigger')) return { kind: 'refuse', error: syntaxError(sig[i]!.text) };
    if (isCreateTable(sig)) return { kind: 'create', sql };
  }
  if (isWord(first, 'truncate')) return { kind: 'implicitCommit', sql };
  if (isWord(first, 'alter') && isWord(sig[1], 'table')) return { kind: 'alter', sql };
  if (isWord(first, 'vacuum')) {
    const table = sig
      .slice(1)
      .find(
        (t) =>
          (t.type === 'ident' || t.type === 'qident') &&
          !isWord(t, 'full', 'sort', 'only', 'delete', 'reindex', 'recluster', 'boost', 'to', 'percent'),
      );
    return {
      kind: 'implicitCommit',
      sql: table
        ? `vacuum ${sql
            .slice(table.start)
            .replace(/\s+to\s+\d+\s+percent.*$/i, '')
            .replace(/\s+boost\s*$/i, '')}`
        : 'vacuum',
    };
  }
  try {
    return { kind: 'pass', sql: translate(sql, ctx) };
  } catch (err) {
    if (err instanceof RedshiftError) return { kind: 'refuse', error: err };
    throw err;
  }
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
  return i > start
    ? sig
        .slice(start, i)
        .map((t) => t.text)
        .join('')
    : undefined;
}

/** The value a statement sets search_path to; null for RESET; undefined when it does not. */
export function searchPathChange(sql: string): string | null | undefined {
  const m = /^\s*set\s+(?:session\s+)?search_path\s*(?:to|=)\s*(.+?)\s*$/is.exec(sql);
  if (m) return m[1]!;
  return /^\s*reset\s+search_path\s*$/i.test(sql) ? null : undefined;
}
