// Redshift's lexical differences from Postgres, turned into Postgres's before the text is parsed:
// backslash escapes in strings, `#temp` names, TOP n, MINUS, APPROXIMATE, IGNORE/RESPECT NULLS,
// CONVERT(type, value), WITH NO SCHEMA BINDING and FROM subqueries without an alias.
import { RedshiftError } from '../errors.js';
import { closingParen, isPunct, isWord, quoteIdent, tokenize, unescapeRedshift, type Token } from '../sql.js';

/** Token texts, edited in place by index; joined back into SQL. */
class Edit {
  readonly out: string[];
  changed = false;
  constructor(readonly tokens: Token[]) {
    this.out = tokens.map((t) => t.text);
  }
  set(i: number, text: string): void {
    this.out[i] = text;
    this.changed = true;
  }
  text(): string {
    return this.out.join('');
  }
}

/** Indices of the significant tokens (no whitespace or comments). */
const significantIndices = (tokens: Token[]): number[] =>
  tokens.flatMap((t, i) => (t.type === 'ws' || t.type === 'comment' ? [] : [i]));

/** A Redshift string with backslashes becomes a Postgres E'' string with the same value. */
function escapeStrings(e: Edit): void {
  e.tokens.forEach((t, i) => {
    if (t.type !== 'string' || t.text[0] !== "'" || !t.text.includes('\\')) return;
    const value = unescapeRedshift(t.value);
    e.set(i, `E'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`);
  });
}

/** `#name` (a Redshift temp table) becomes the quoted identifier "#name". */
function hashNames(e: Edit): void {
  const { tokens } = e;
  for (let i = 0; i < tokens.length - 1; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1]!;
    if (t.type === 'op' && t.text === '#' && next.type === 'ident' && next.start === t.start + 1) {
      e.set(i, quoteIdent(`#${next.text}`));
      e.set(i + 1, '');
    }
  }
}

/** SELECT [DISTINCT|ALL] TOP n ...: TOP removed, LIMIT n put at the end of that SELECT (of a set operation, its end). */
function top(e: Edit, sig: number[]): void {
  const tk = (k: number): Token | undefined => e.tokens[sig[k]!];
  for (let k = 0; k < sig.length; k++) {
    if (!isWord(tk(k), 'select')) continue;
    let j = k + 1;
    if (isWord(tk(j), 'distinct', 'all')) j++;
    if (!isWord(tk(j), 'top') || tk(j + 1)?.type !== 'number') continue;
    const n = tk(j + 1)!.text;
    // The SELECT ends where its parenthesis closes, or at the end of the statement.
    let depth = 0;
    let end = sig.length;
    for (let m = j + 2; m < sig.length; m++) {
      if (isPunct(tk(m), '(')) depth++;
      else if (isPunct(tk(m), ')')) {
        if (depth === 0) {
          end = m;
          break;
        }
        depth--;
      }
    }
    e.set(sig[j]!, '');
    e.set(sig[j + 1]!, '');
    if (end === sig.length) e.out.push(` limit ${n}`);
    else e.set(sig[end]!, ` limit ${n})`);
    e.changed = true;
  }
}

/** MINUS is EXCEPT; APPROXIMATE COUNT(DISTINCT ...) is counted exactly. */
function keywords(e: Edit, sig: number[]): void {
  sig.forEach((i, k) => {
    const t = e.tokens[i]!;
    if (isWord(t, 'minus')) e.set(i, 'except');
    else if (isWord(t, 'approximate') && isWord(e.tokens[sig[k + 1]!], 'count', 'percentile_disc')) e.set(i, '');
  });
}

/** The opening parenthesis matching the closing one at sig position k (-1 if none). */
function openingParen(e: Edit, sig: number[], k: number): number {
  let depth = 0;
  for (let m = k; m >= 0; m--) {
    const t = e.tokens[sig[m]!];
    if (isPunct(t, ')')) depth++;
    if (isPunct(t, '(')) {
      depth--;
      if (depth === 0) return m;
    }
  }
  return -1;
}

/** FIRST_VALUE(x IGNORE NULLS): a library aggregate over the frame that skips nulls; RESPECT NULLS is the default. */
function nullsTreatment(e: Edit, sig: number[]): void {
  const tk = (k: number): Token | undefined => e.tokens[sig[k]!];
  for (let k = 0; k < sig.length - 1; k++) {
    if (!isWord(tk(k), 'ignore', 'respect') || !isWord(tk(k + 1), 'nulls')) continue;
    const inside = isPunct(tk(k + 2), ')');
    const close = inside ? k + 2 : isPunct(tk(k - 1), ')') && isWord(tk(k + 2), 'over') ? k - 1 : -1;
    if (close < 0) continue;
    const open = openingParen(e, sig, close);
    const fn = tk(open - 1);
    e.set(sig[k]!, '');
    e.set(sig[k + 1]!, '');
    if (isWord(tk(k), 'respect') || !fn) continue;
    // LAG/LEAD: marked here, rewritten in the tree (tree.ts), where the OVER clause is known.
    if (isWord(fn, 'first_value', 'last_value', 'lag', 'lead')) e.set(sig[open - 1]!, `${fn.value}_ignore_nulls`);
    else throw new RedshiftError(`IGNORE NULLS in ${fn.text.toUpperCase()} is not supported by the emulator`, '0A000');
  }
}

/** CONVERT(type, value) is CAST(value AS type); Postgres's three-argument convert() is left alone. */
function convert(e: Edit, sig: number[]): void {
  const tk = (k: number): Token | undefined => e.tokens[sig[k]!];
  for (let k = 0; k < sig.length - 1; k++) {
    if (!isWord(tk(k), 'convert') || !isPunct(tk(k + 1), '(')) continue;
    const sigTokens = sig.map((i) => e.tokens[i]!);
    const close = closingParen(sigTokens, k + 1);
    if (close < 0) continue;
    let depth = 0;
    const commas: number[] = [];
    for (let m = k + 2; m < close; m++) {
      if (isPunct(tk(m), '(')) depth++;
      else if (isPunct(tk(m), ')')) depth--;
      else if (depth === 0 && isPunct(tk(m), ',')) commas.push(m);
    }
    if (commas.length !== 1 || tk(k + 2)?.type !== 'ident') continue;
    const comma = commas[0]!;
    const typeText = e.tokens
      .slice(sig[k + 2], sig[comma])
      .map((t) => t.text)
      .join('')
      .trim();
    e.set(sig[k]!, 'cast');
    for (let i = sig[k + 2]!; i <= sig[comma]!; i++) e.set(i, '');
    e.set(sig[close]!, ` as ${typeText})`);
  }
}

/** The option that marks a late-binding view: explicit, it is stored in reloptions (Redshift SQL cannot set it). */
export const LATE_BINDING_MARK = 'security_barrier = false';

/**
 * CREATE VIEW ... WITH NO SCHEMA BINDING: a late-binding view; Postgres views bind, which is stricter.
 * The view is marked (WITH (security_barrier = false) before its AS) so pg_get_late_binding_view_cols() lists it.
 */
function noSchemaBinding(e: Edit, sig: number[]): void {
  const tk = (k: number): Token | undefined => e.tokens[sig[k]!];
  if (!isWord(tk(0), 'create')) return;
  for (let k = sig.length - 4; k > 0; k--) {
    if (
      isWord(tk(k), 'with') &&
      isWord(tk(k + 1), 'no') &&
      isWord(tk(k + 2), 'schema') &&
      isWord(tk(k + 3), 'binding')
    ) {
      for (let m = k; m < k + 4; m++) e.set(sig[m]!, '');
      const view = sig.findIndex((_i, j) => isWord(tk(j), 'view'));
      if (view < 0) return;
      let depth = 0;
      for (let m = view + 1; m < k; m++) {
        if (isPunct(tk(m), '(')) depth++;
        else if (isPunct(tk(m), ')')) depth--;
        else if (depth === 0 && isWord(tk(m), 'as')) {
          e.set(sig[m]!, `with (${LATE_BINDING_MARK}) ${tk(m)!.text}`);
          return;
        }
      }
      return;
    }
  }
}

const NOT_ALIAS = new Set([
  'where',
  'join',
  'inner',
  'left',
  'right',
  'full',
  'cross',
  'natural',
  'on',
  'using',
  'group',
  'order',
  'limit',
  'offset',
  'having',
  'window',
  'union',
  'intersect',
  'except',
  'minus',
  'qualify',
  'for',
  'fetch',
  'returning',
]);

/** A subquery in FROM without an alias (Redshift allows it, Postgres 15 does not) gets one. */
function subqueryAliases(e: Edit, sig: number[]): void {
  const tk = (k: number): Token | undefined => e.tokens[sig[k]!];
  const sigTokens = sig.map((i) => e.tokens[i]!);
  // The clause each parenthesis depth is in: a comma continues a FROM list only inside FROM.
  const clause: string[] = [''];
  let n = 0;
  for (let k = 0; k < sig.length; k++) {
    const t = tk(k)!;
    if (isPunct(t, '(')) {
      const prev = tk(k - 1);
      const inFrom =
        isWord(prev, 'from', 'join', 'lateral') || (isPunct(prev, ',') && clause[clause.length - 1] === 'from');
      if (inFrom && isWord(tk(k + 1), 'select', 'with', 'values')) {
        const close = closingParen(sigTokens, k);
        const after = tk(close + 1);
        const aliased =
          after !== undefined &&
          (isWord(after, 'as') || ((after.type === 'ident' || after.type === 'qident') && !NOT_ALIAS.has(after.value)));
        if (close > 0 && !aliased) e.set(sig[close]!, `) as __upshift_subquery_${++n}`);
      }
      clause.push('');
      continue;
    }
    if (isPunct(t, ')')) {
      clause.pop();
      continue;
    }
    if (isWord(t, 'select', 'from', 'where', 'group', 'having', 'order', 'limit', 'on', 'set', 'values', 'returning')) {
      clause[clause.length - 1] = t.value === 'on' ? 'from' : t.value;
    }
  }
}

/** pg_table_def has a column named notnull, a keyword in Postgres: quoted there. */
function tableDefNotNull(e: Edit): void {
  if (!e.tokens.some((t) => isWord(t, 'pg_table_def'))) return;
  e.tokens.forEach((t, i) => {
    if (isWord(t, 'notnull')) e.set(i, '"notnull"');
  });
}

/** Redshift's text as Postgres reads it; the same text when nothing differs. */
export function lexical(sql: string): string {
  const e = new Edit(tokenize(sql));
  escapeStrings(e);
  hashNames(e);
  tableDefNotNull(e);
  const sig = significantIndices(e.tokens);
  keywords(e, sig);
  nullsTreatment(e, sig);
  convert(e, sig);
  noSchemaBinding(e, sig);
  subqueryAliases(e, sig);
  top(e, sig);
  return e.changed ? e.text() : sql;
}
