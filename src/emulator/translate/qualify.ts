// QUALIFY (a filter on window functions, which Postgres lacks) rewritten into a subquery that
// computes the condition as a column, filtered by an outer WHERE. Two forms, chosen by the tree:
// - a select list without `*`: the inner query is the SELECT as written plus the condition; the
//   outer query takes its columns back by name (window functions and aggregates of the list are
//   computed before the filter, as Redshift computes them);
// - a select list with `*` (and no window function, aggregate or GROUP BY in it): the inner query
//   carries each FROM item as a whole row, the outer query spreads them back under their aliases
//   and evaluates the select list as written.
// Limits (documented in README): with `*`, columns merged by JOIN ... USING appear once per table.
import { parseSync } from 'libpg-query';
import { RedshiftError } from '../errors.js';
import { isPunct, isWord, quoteIdent, significant, tokenize, type Token } from '../sql.js';

type Json = Record<string, unknown>;
const QUALIFY_COLUMN = '__upshift_qualify';
/** Words that end a SELECT's QUALIFY condition at its own parenthesis depth. */
const AFTER_QUALIFY = ['order', 'limit', 'offset', 'fetch', 'union', 'intersect', 'except', 'minus', 'for'];
/** Words that end a SELECT's list at its depth. */
const AFTER_LIST = [
  'from',
  'into',
  'where',
  'group',
  'having',
  'window',
  'order',
  'limit',
  'offset',
  'union',
  'intersect',
  'except',
];

/** Depth of each significant token (parentheses and brackets). */
function depths(sig: Token[]): number[] {
  let d = 0;
  return sig.map((t) => {
    if (isPunct(t, ')') || isPunct(t, ']')) d--;
    const here = d;
    if (isPunct(t, '(') || isPunct(t, '[')) d++;
    return here;
  });
}

interface Clause {
  select: number;
  qualify: number;
  end: number;
}

/** The last QUALIFY in the text, with the SELECT it belongs to and where its condition ends. */
function lastQualify(sig: Token[], depth: number[]): Clause | undefined {
  for (let q = sig.length - 1; q > 0; q--) {
    if (!isWord(sig[q], 'qualify')) continue;
    const d = depth[q]!;
    let select = q - 1;
    while (select >= 0 && !(isWord(sig[select], 'select') && depth[select] === d)) select--;
    if (select < 0) continue;
    let end = q + 1;
    while (
      end < sig.length &&
      depth[end]! >= d &&
      !(depth[end] === d && (isWord(sig[end], ...AFTER_QUALIFY) || isPunct(sig[end], ';')))
    )
      end++;
    return { select, qualify: q, end };
  }
  return undefined;
}

/** The text of significant tokens a..b-1, with the whitespace between them. */
const span = (sql: string, sig: Token[], a: number, b: number): string =>
  a >= b ? '' : sql.slice(sig[a]!.start, sig[b - 1]!.start + sig[b - 1]!.text.length);

/** Postgres's name for an unnamed output column (a subset of FigureColname). */
function figureName(node: Json | undefined): string {
  if (!node) return '?column?';
  const [type, body] = Object.entries(node)[0] as [string, Json];
  const sv = (n: unknown): string | undefined => (n as { String?: { sval?: string } }).String?.sval;
  switch (type) {
    case 'ColumnRef': {
      const f = body.fields as unknown[];
      return sv(f[f.length - 1]) ?? '?column?';
    }
    case 'FuncCall': {
      const f = body.funcname as unknown[];
      return sv(f[f.length - 1]) ?? '?column?';
    }
    case 'TypeCast': {
      const inner = figureName(body.arg as Json);
      if (inner !== '?column?') return inner;
      const names = ((body.typeName as Json).names as unknown[]).map(sv);
      return names[names.length - 1] ?? '?column?';
    }
    case 'CaseExpr':
      return 'case';
    case 'CoalesceExpr':
      return 'coalesce';
    case 'MinMaxExpr':
      return body.op === 'IS_GREATEST' ? 'greatest' : 'least';
    case 'A_ArrayExpr':
      return 'array';
    default:
      return '?column?';
  }
}

/** Whether a tree holds a node of one of the types (not descending into subqueries). */
function holds(node: unknown, test: (type: string, body: Json) => boolean): boolean {
  if (Array.isArray(node)) return node.some((n) => holds(n, test));
  if (node === null || typeof node !== 'object') return false;
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'SubLink' || k === 'RangeSubselect') continue;
    if (/^[A-Z]/.test(k) && test(k, v as Json)) return true;
    if (holds(v, test)) return true;
  }
  return false;
}

const AGGREGATES = new Set([
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'listagg',
  'string_agg',
  'array_agg',
  'median',
  'stddev',
  'variance',
  'bool_and',
  'bool_or',
  'percentile_cont',
  'percentile_disc',
]);
const aggregateOrWindow = (type: string, body: Json): boolean =>
  type === 'FuncCall' &&
  (body.over !== undefined ||
    body.agg_star === true ||
    AGGREGATES.has(
      (body.funcname as unknown[]).map((n) => (n as { String?: { sval?: string } }).String?.sval).pop() ?? '',
    ));

/** The aliases of the FROM items, left to right (a join's own alias covers its sides). */
function fromAliases(items: Json[]): string[] {
  return items.flatMap((item): string[] => {
    const [type, body] = Object.entries(item)[0] as [string, Json];
    const alias = (body.alias as { aliasname?: string } | undefined)?.aliasname;
    if (alias) return [alias];
    if (type === 'RangeVar') return [body.relname as string];
    if (type === 'JoinExpr') return fromAliases([body.larg as Json, body.rarg as Json]);
    throw new RedshiftError('QUALIFY over a FROM item without an alias: give it one', '42601');
  });
}

/** Top-level comma positions and the end of the select list (significant-token indices). */
function listBounds(sig: Token[], depth: number[], from: number, to: number): { commas: number[]; end: number } {
  const d = depth[from]!;
  const commas: number[] = [];
  let k = from;
  for (; k < to; k++) {
    if (depth[k] !== d) continue;
    if (isWord(sig[k], ...AFTER_LIST)) break;
    if (isPunct(sig[k], ',')) commas.push(k);
  }
  return { commas, end: k };
}

function rewriteOne(sql: string, sig: Token[], depth: number[], c: Clause): string {
  const core = span(sql, sig, c.select, c.qualify);
  const cond = span(sql, sig, c.qualify + 1, c.end);
  let stmt: Json;
  try {
    stmt = ((parseSync(core) as { stmts: Array<{ stmt: Json }> }).stmts[0]!.stmt.SelectStmt ?? {}) as Json;
  } catch {
    return sql; // Postgres's parser will name the error in the text as written.
  }
  const targets = ((stmt.targetList as Json[] | undefined) ?? []).map((t) => t.ResTarget as Json);
  const star = targets.some((t) => holds(t.val, (type) => type === 'A_Star'));
  // ORDER BY and LIMIT after QUALIFY apply to the filtered rows.
  let tailEnd = c.end;
  const d = depth[c.qualify]!;
  while (
    tailEnd < sig.length &&
    depth[tailEnd]! >= d &&
    !(
      depth[tailEnd] === d &&
      (isPunct(sig[tailEnd], ';') || isWord(sig[tailEnd], 'union', 'intersect', 'except', 'minus'))
    )
  )
    tailEnd++;
  const tail = span(sql, sig, c.end, tailEnd);
  const before = sql.slice(0, sig[c.select]!.start);
  const after = tailEnd < sig.length ? sql.slice(sig[tailEnd]!.start) : '';
  const grouped = (stmt.groupClause as unknown[] | undefined)?.length || stmt.havingClause;
  if (star) {
    if (grouped || targets.some((t) => holds(t.val, aggregateOrWindow))) {
      throw new RedshiftError(
        'QUALIFY with * and window functions or aggregates in the select list is not supported by the emulator: name the columns',
        '0A000',
      );
    }
    return before + starForm(sql, sig, depth, c, stmt, cond) + (tail ? ` ${tail}` : '') + (after ? ` ${after}` : '');
  }
  return before + namedForm(sql, sig, depth, c, targets, cond, tail) + (after ? ` ${after}` : '');
}

/** SELECT list FROM ... QUALIFY cond: the inner query's columns taken back by name, filtered outside. */
function namedForm(
  sql: string,
  sig: Token[],
  depth: number[],
  c: Clause,
  targets: Json[],
  cond: string,
  tail: string,
): string {
  let from = c.select + 1;
  const distinct = isWord(sig[from], 'distinct');
  if (isWord(sig[from], 'distinct', 'all')) from++;
  const { commas, end } = listBounds(sig, depth, from, c.qualify);
  const ends = [...commas, end];
  const outer: string[] = [];
  const aliasTexts = new Map<string, string>();
  let inner = 'select';
  let start = from;
  targets.forEach((t, i) => {
    const text = span(sql, sig, start, ends[i]!);
    if (t.name !== undefined) aliasTexts.set(t.name as string, expressionOf(text));
    const alias = `__upshift_c${i + 1}`;
    inner += `${i ? ',' : ''} ${text}${t.name === undefined ? ` as ${alias}` : ''}`;
    outer.push(
      t.name === undefined ? `${alias} as ${quoteIdent(figureName(t.val as Json))}` : quoteIdent(t.name as string),
    );
    start = ends[i]! + 1;
  });
  // ORDER BY stays with the inner query (it may name columns not in the list); LIMIT/OFFSET filter the outer one.
  const tailSig = significant(tokenize(tail));
  const limitAt = tailSig.findIndex((t, k) => isWord(t, 'limit', 'offset', 'fetch') && depths(tailSig)[k] === 0);
  const order = limitAt < 0 ? tail : tail.slice(0, tailSig[limitAt]!.start);
  const limit = limitAt < 0 ? '' : tail.slice(tailSig[limitAt]!.start);
  inner += `, (${aliasesExpanded(cond, aliasTexts)}) as ${QUALIFY_COLUMN} ${span(sql, sig, end, c.qualify)}`;
  return (
    `select ${distinct ? 'distinct ' : ''}${outer.join(', ')} from (${inner}${order ? ` ${order}` : ''}) as __upshift_q ` +
    `where ${QUALIFY_COLUMN}${limit ? ` ${limit}` : ''}`
  );
}

/** A select-list entry's expression, without its `[AS] alias`. */
function expressionOf(entry: string): string {
  const sig = significant(tokenize(entry));
  let k = sig.length - 1;
  if (k > 0 && (sig[k]!.type === 'ident' || sig[k]!.type === 'qident')) k--;
  if (isWord(sig[k], 'as')) k--;
  return entry.slice(0, sig[k]!.start + sig[k]!.text.length);
}

/** Select-list aliases named in the condition stand for their expressions (Redshift's lateral aliases). */
function aliasesExpanded(cond: string, aliases: Map<string, string>): string {
  if (!aliases.size) return cond;
  const prefix = 'select ';
  let tree: unknown;
  try {
    tree = parseSync(prefix + cond);
  } catch {
    return cond;
  }
  const refs: Array<{ at: number; name: string }> = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as Json)) {
      if (k === 'SubLink') continue;
      const fields = k === 'ColumnRef' ? ((v as Json).fields as unknown[]) : undefined;
      const name = fields?.length === 1 ? (fields[0] as { String?: { sval?: string } }).String?.sval : undefined;
      if (name !== undefined && aliases.has(name) && aliases.get(name) !== name)
        refs.push({ at: ((v as Json).location as number) - prefix.length, name });
      else visit(v);
    }
  };
  visit(tree);
  const toks = tokenize(cond);
  let out = cond;
  for (const r of refs.sort((a, b) => b.at - a.at)) {
    const tok = toks.find((t) => t.start === r.at);
    if (tok) out = `${out.slice(0, r.at)}(${aliases.get(r.name)})${out.slice(r.at + tok.text.length)}`;
  }
  return out;
}

/** SELECT * FROM items ... QUALIFY cond: each FROM item carried as a row, spread back under its alias outside. */
function starForm(sql: string, sig: Token[], depth: number[], c: Clause, stmt: Json, cond: string): string {
  const aliases = fromAliases((stmt.fromClause as Json[] | undefined) ?? []);
  if (!aliases.length) throw new RedshiftError('QUALIFY needs a FROM clause', '42601');
  let from = c.select + 1;
  if (isWord(sig[from], 'distinct', 'all')) from++;
  const { end } = listBounds(sig, depth, from, c.qualify);
  if (!isWord(sig[end], 'from')) throw new RedshiftError('QUALIFY needs a FROM clause', '42601');
  // The FROM item list ends at WHERE or WINDOW (WHERE filters before the window functions, inside).
  let k = end + 1;
  while (k < c.qualify && !(depth[k] === depth[end] && isWord(sig[k], 'window'))) k++;
  const fromAndWhere = span(sql, sig, end + 1, k);
  const window = span(sql, sig, k, c.qualify);
  const rows = aliases.map((a, i) => `${quoteIdent(a)} as __upshift_r${i + 1}`).join(', ');
  const spread = aliases
    .map((a, i) => ` cross join lateral (select (__upshift_q.__upshift_r${i + 1}).*) as ${quoteIdent(a)}`)
    .join('');
  const list = starList(sql, sig, from, end, aliases);
  return `select ${span(sql, sig, c.select + 1, from)} ${list} from (select ${rows}, (${cond}) as ${QUALIFY_COLUMN} from ${fromAndWhere}${window ? ` ${window}` : ''}) as __upshift_q${spread} where __upshift_q.${QUALIFY_COLUMN}`.replace(
    'select  ',
    'select ',
  );
}

/** The select list with a bare `*` spelled as each FROM item's columns (the inner row columns stay hidden). */
function starList(sql: string, sig: Token[], from: number, end: number, aliases: string[]): string {
  let out = '';
  let pos = sig[from]!.start;
  for (let k = from; k < end; k++) {
    const t = sig[k]!;
    if (
      t.type === 'op' &&
      t.text === '*' &&
      (k === from || isPunct(sig[k - 1], ',')) &&
      (k + 1 === end || isPunct(sig[k + 1], ','))
    ) {
      out += sql.slice(pos, t.start) + aliases.map((a) => `${quoteIdent(a)}.*`).join(', ');
      pos = t.start + 1;
    }
  }
  return out + sql.slice(pos, sig[end - 1]!.start + sig[end - 1]!.text.length);
}

/** The text with every QUALIFY rewritten; the same text when it has none. */
export function qualify(sql: string): string {
  if (!/qualify/i.test(sql)) return sql;
  let text = sql;
  for (let n = 0; n < 32; n++) {
    const sig = significant(tokenize(text));
    const depth = depths(sig);
    const c = lastQualify(sig, depth);
    if (!c) return text;
    const next = rewriteOne(text, sig, depth, c);
    if (next === text) return text;
    text = next;
  }
  return text;
}
