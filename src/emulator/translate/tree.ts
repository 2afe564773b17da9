// The statement parsed by the real Postgres parser (libpg-query); table references and function
// calls found in the tree are rewritten as edits of the text at the tree's locations (the rest of
// the text is kept as written), and what Redshift refuses is refused by tree node.
import { loadModule, parseSync } from 'libpg-query';
import type { LoadCommitRow } from '../context.js';
import { RedshiftError, syntaxError } from '../errors.js';
import { LIBRARY_FUNCTIONS } from '../functions.js';
import { closingParen, isPunct, isWord, quoteIdent, quoteLiteral, significant, tokenize, type Token } from '../sql.js';

let loaded = false;
const loading = loadModule().then(() => {
  loaded = true;
});
/** Resolves once the parser (WebAssembly) is loaded; sessions wait for it before their first statement. */
export const parserReady = (): Promise<void> => loading;

export interface TreeContext {
  schema: string;
  lastCopyId: number;
  slices: number;
  /** stl_load_commits rows of the session's own COPYs in its transaction (its snapshot may predate them). */
  loadCommits?: readonly LoadCommitRow[];
}

/**
 * stl_load_commits as the session sees it: the catalog's rows, with the session's own COPYs taken
 * from memory (the catalog writes them outside the client's transaction, after its snapshot).
 */
function ownLoadCommits(S: string, rows: readonly LoadCommitRow[]): string {
  const ids = [...new Set(rows.map((r) => r.query))].join(', ');
  return (
    `stl_load_commits as (select * from ${S}.stl_load_commits where query not in (${ids}) union all ` +
    `select * from json_populate_recordset(null::${S}.stl_load_commits, ${quoteLiteral(JSON.stringify(rows))}))`
  );
}

/** Redshift system relations the emulator keeps in its catalog schema. */
const RELATIONS = new Set([
  'stl_load_errors',
  'sys_load_error_detail',
  'stl_load_commits',
  'sys_load_detail',
  'svv_table_info',
  'svv_columns',
  'svv_all_columns',
  'svv_tables',
  'pg_table_def',
  'pg_constraint',
  'pg_index',
  'pg_class',
  'pg_proc',
  'pg_attrdef',
  'stl_query',
  'stl_querytext',
  'svl_qlog',
  'svl_statementtext',
  'stv_recents',
  'sys_query_history',
  'stv_sessions',
  'pg_user_info',
  'svv_external_schemas',
  'stv_locks',
]);
/** System relations that depend on the slice count: functions of it in the catalog schema. */
const SLICED = new Set(['stv_slices', 'stv_tbl_perm', 'svv_diskusage']);
const INFO_SCHEMA = new Set(['table_constraints', 'key_column_usage', 'check_constraints', 'constraint_column_usage']);
const ADVISORY = /^pg_(try_)?advisory_(xact_)?(un)?lock(_shared)?(_all)?$/;
/** Functions whose first argument is a datepart, which Redshift takes unquoted. */
const DATEPART_FIRST = new Set(['dateadd', 'datediff', 'date_part', 'datepart', 'date_trunc', 'datetrunc']);
/** Argument positions taking a date or timestamp: a bare string literal there is read as a TIMESTAMP. */
const DATETIME_ARGS: Record<string, number[]> = {
  dateadd: [2],
  datediff: [1, 2],
  date_part: [1],
  datepart: [1],
  date_trunc: [1],
  datetrunc: [1],
  add_months: [0],
  months_between: [0, 1],
  next_day: [0],
  last_day: [0],
};
const RENAMED: Record<string, string> = {
  nvl: 'coalesce',
  len: 'length',
  datepart: 'date_part',
  datetrunc: 'date_trunc',
};

/** Calls the switch in Rewriter.func rewrites by name (kept with it: test/emulator/translate.test.ts checks). */
const CALLS = [
  'version',
  'getdate',
  'format_encoding',
  'has_table_privilege',
  'pg_get_expr',
  'pg_last_copy_id',
  'nvl2',
  'decode',
  'ratio_to_report',
  'listagg',
  'percentile_cont',
  'percentile_disc',
  'lag_ignore_nulls',
  'lead_ignore_nulls',
  'json_extract_path_text',
];

/**
 * Every name the tree rewrite acts on: relations, calls, SYSDATE, JSON_SERIALIZE, and the words of
 * what it refuses (ON CONFLICT, RETURNING, advisory locks). A statement without any of them (in
 * any case, quoted or not, even inside a string) comes out of the rewrite unchanged, so it is not
 * parsed at all; a false match only costs the parse.
 */
const TRIGGER = new RegExp(
  `\\b(${[
    ...RELATIONS,
    ...SLICED,
    ...INFO_SCHEMA,
    'pg_attribute',
    ...DATEPART_FIRST,
    ...Object.keys(DATETIME_ARGS),
    ...Object.keys(RENAMED),
    ...LIBRARY_FUNCTIONS,
    ...CALLS,
    'sysdate',
    'json_serialize',
    'conflict',
    'returning',
  ].join('|')})\\b|advisory|u&`,
  'i',
);

/** Whether the tree rewrite may change or refuse the statement (false: it would return it as it is). */
export const mayRewrite = (sql: string): boolean => TRIGGER.test(sql);

type Json = Record<string, unknown>;
interface Call {
  nameStart: number;
  nameEnd: number;
  open: number;
  close: number;
  args: Array<[number, number]>;
  wg?: [number, number];
  over?: [number, number];
}

class Splicer {
  private edits: Array<{ start: number; end: number; text: string }> = [];
  readonly sig: Token[];
  private byStart = new Map<number, number>();
  constructor(readonly sql: string) {
    this.sig = significant(tokenize(sql));
    this.sig.forEach((t, k) => this.byStart.set(t.start, k));
  }
  get changed(): boolean {
    return this.edits.length > 0;
  }
  at(location: number): number | undefined {
    return this.byStart.get(location);
  }
  startOf(k: number): number {
    return this.sig[k]!.start;
  }
  endOf(k: number): number {
    return this.sig[k]!.start + this.sig[k]!.text.length;
  }
  add(start: number, end: number, text: string): void {
    this.edits.push({ start, end, text });
  }
  /** Replaces significant tokens a..b (inclusive). */
  replace(a: number, b: number, text: string): void {
    this.add(this.startOf(a), this.endOf(b), text);
  }
  /** The text between two offsets with the edits inside it applied (outermost edits win). */
  render(start = 0, end = this.sql.length): string {
    const inside = this.edits
      .filter((e) => e.start >= start && e.end <= end)
      .sort((a, b) => a.start - b.start || b.end - a.end);
    let out = '';
    let pos = start;
    for (const e of inside) {
      if (e.start < pos) continue;
      out += this.sql.slice(pos, e.start) + e.text;
      pos = e.end;
    }
    return out + this.sql.slice(pos, end);
  }
  /** A qualified name starting at token k: the index of its last token. */
  nameEnd(k: number): number {
    let j = k;
    while (isPunct(this.sig[j + 1], '.') && (this.sig[j + 2]?.type === 'ident' || this.sig[j + 2]?.type === 'qident'))
      j += 2;
    return j;
  }
  /** A call's parts as token indices: name, parentheses, arguments, WITHIN GROUP and OVER spans. */
  call(location: number): Call | undefined {
    const nameStart = this.at(location);
    if (nameStart === undefined) return undefined;
    const nameEnd = this.nameEnd(nameStart);
    const open = nameEnd + 1;
    if (!isPunct(this.sig[open], '(')) return undefined;
    const close = closingParen(this.sig, open);
    if (close < 0) return undefined;
    const args: Array<[number, number]> = [];
    let depth = 0;
    let from = open + 1;
    if (isWord(this.sig[from], 'distinct', 'all')) from++;
    for (let k = open + 1; k < close; k++) {
      const t = this.sig[k]!;
      if (isPunct(t, '(') || isPunct(t, '[')) depth++;
      else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
      else if (depth === 0 && isPunct(t, ',')) {
        args.push([from, k - 1]);
        from = k + 1;
      }
    }
    if (close > open + 1) args.push([from, close - 1]);
    const c: Call = { nameStart, nameEnd, open, close, args };
    let k = close + 1;
    if (isWord(this.sig[k], 'within') && isWord(this.sig[k + 1], 'group') && isPunct(this.sig[k + 2], '(')) {
      c.wg = [k + 2, closingParen(this.sig, k + 2)];
      k = c.wg[1] + 1;
    }
    if (isWord(this.sig[k], 'over')) {
      c.over = isPunct(this.sig[k + 1], '(') ? [k + 1, closingParen(this.sig, k + 1)] : [k + 1, k + 1];
    }
    return c;
  }
  text(a: number, b: number): string {
    return this.render(this.startOf(a), this.endOf(b));
  }
}

/** Visits every node after its children (so an outer edit sees the inner ones applied). */
function walk(node: unknown, visit: (type: string, body: Json) => void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const entries = Object.entries(node as Json);
  for (const [, v] of entries) walk(v, visit);
  if (entries.length === 1 && /^[A-Z]/.test(entries[0]![0])) visit(entries[0]![0], entries[0]![1] as Json);
}

const sval = (n: unknown): string | undefined => (n as { String?: { sval?: string } } | undefined)?.String?.sval;
const funcName = (body: Json): string[] => (body.funcname as unknown[]).map((n) => sval(n) ?? '');

class Rewriter {
  private cteNames = new Set<string>();
  private readonly S: string;
  constructor(
    private readonly sp: Splicer,
    private readonly ctx: TreeContext,
    private readonly text: string,
  ) {
    this.S = quoteIdent(ctx.schema);
  }

  private readsOwnCommits = false;

  run(tree: unknown): void {
    walk(tree, (type, body) => {
      if (type === 'CommonTableExpr') this.cteNames.add(body.ctename as string);
    });
    walk(tree, (type, body) => this.node(type, body));
    if (this.readsOwnCommits) this.ownCommits();
  }

  /** A query reading stl_load_commits reads it through a CTE holding the session's own rows. */
  private ownCommits(): void {
    const cte = ownLoadCommits(this.S, this.ctx.loadCommits!);
    const sig = this.sp.sig;
    if (isWord(sig[0], 'select')) this.sp.add(sig[0]!.start, sig[0]!.start, `with ${cte} `);
    else {
      const at = isWord(sig[1], 'recursive') ? 1 : 0;
      this.sp.add(this.sp.endOf(at), this.sp.endOf(at), ` ${cte},`);
    }
  }

  private node(type: string, body: Json): void {
    switch (type) {
      case 'RangeVar':
        return this.relation(body);
      case 'FuncCall':
        return this.func(body);
      case 'ColumnRef':
        return this.column(body);
      case 'ResTarget':
        return this.label(body);
      case 'JsonSerializeExpr': {
        // Postgres 16's parser reads JSON_SERIALIZE as SQL/JSON syntax; on Redshift it is a function of SUPER.
        const k = this.sp.at(body.location as number);
        if (k !== undefined && isWord(this.sp.sig[k], 'json_serialize'))
          this.sp.replace(k, k, `${this.S}.json_serialize`);
        return;
      }
      case 'InsertStmt':
        if (body.onConflictClause) {
          const loc = (body.onConflictClause as { location: number }).location;
          throw syntaxError(this.text.slice(loc, loc + 2));
        }
        return this.returning(body);
      case 'UpdateStmt':
      case 'DeleteStmt':
        return this.returning(body);
      default:
    }
  }

  /** Calls rewritten into other expressions, by the token their rewrite ends at: their output column keeps the Redshift name. */
  private labels = new Map<unknown, { end: number; name: string }>();

  private label(body: Json): void {
    const l = this.labels.get((body.val as { FuncCall?: unknown } | undefined)?.FuncCall);
    if (l && body.name === undefined) this.sp.add(this.sp.endOf(l.end), this.sp.endOf(l.end), ` as ${l.name}`);
  }

  private returning(body: Json): void {
    if (!(body.returningList as unknown[] | undefined)?.length) return;
    throw syntaxError(this.sp.sig.find((t) => isWord(t, 'returning'))?.text ?? 'RETURNING');
  }

  private relation(body: Json): void {
    const rel = body.relname as string;
    const schema = body.schemaname as string | undefined;
    const k = this.sp.at(body.location as number);
    if (k === undefined) return;
    const end = this.sp.nameEnd(k);
    if (schema === 'information_schema' && INFO_SCHEMA.has(rel)) {
      this.sp.replace(k, end, `${this.S}.${rel}`);
      return;
    }
    if (schema !== undefined && schema !== 'pg_catalog') return;
    if (schema === undefined && this.cteNames.has(rel)) return;
    if (rel === 'stl_load_commits' && this.ctx.loadCommits?.length && isWord(this.sp.sig[0], 'select', 'with')) {
      this.readsOwnCommits = true;
      if (schema !== undefined) this.sp.replace(k, end, 'stl_load_commits');
      return;
    }
    if (RELATIONS.has(rel)) this.sp.replace(k, end, `${this.S}.${rel}`);
    else if (SLICED.has(rel))
      this.sp.replace(k, end, `${this.S}.${rel}(${this.ctx.slices})${body.alias ? '' : ` as ${rel}`}`);
    else if (rel === 'pg_attribute' && /\b(attisdistkey|attsortkeyord|attencodingtype|atthasdef)\b/i.test(this.text))
      this.sp.replace(k, end, `${this.S}.pg_attribute`);
    else if (rel === 'pg_class' && /\breldiststyle\b/i.test(this.text)) this.sp.replace(k, end, `${this.S}.pg_class`);
  }

  private column(body: Json): void {
    const fields = body.fields as unknown[];
    if (fields.length !== 1 || sval(fields[0]) !== 'sysdate') return;
    const k = this.sp.at(body.location as number);
    if (k !== undefined && this.sp.sig[k]!.type === 'ident') this.sp.replace(k, k, `${this.S}.sysdate()`);
  }

  private func(body: Json): void {
    const names = funcName(body);
    if (names.length > 2 || (names.length === 2 && names[0] !== 'pg_catalog')) return;
    const name = names[names.length - 1]!;
    if (ADVISORY.test(name)) throw new RedshiftError(`function ${name}(bigint) does not exist`, '42883');
    const c = this.sp.call(body.location as number);
    if (!c) return;
    const args = (body.args as Json[] | undefined) ?? [];
    const rename = (to: string): void => this.sp.replace(c.nameStart, c.nameEnd, to);
    const arg = (i: number): string => this.sp.text(c.args[i]![0], c.args[i]![1]);
    if (DATEPART_FIRST.has(name)) this.unquotedDatepart(args, c);
    for (const i of DATETIME_ARGS[name] ?? []) this.literalTimestamp(args[i]);
    switch (name) {
      case 'version':
        if (!args.length) rename(`${this.S}.version`);
        return;
      case 'getdate':
      case 'format_encoding':
        rename(`${this.S}.${name}`);
        return;
      case 'has_table_privilege':
        return this.privilegeTable(args, c);
      case 'pg_get_expr':
        // Read from the emulator's pg_attrdef (IDENTITY shown as a default), adbin is already text there.
        if (/\bpg_attrdef\b/i.test(this.text)) rename(`${this.S}.pg_get_expr`);
        return;
      case 'pg_last_copy_id':
        if (!args.length) this.sp.replace(c.nameStart, c.close, `${this.S}.pg_last_copy_id(${this.ctx.lastCopyId})`);
        return;
      case 'nvl2':
        return this.nvl2(c);
      case 'decode':
        return this.decode(c);
      case 'ratio_to_report':
        if (c.over && c.args.length === 1) {
          this.sp.replace(
            c.nameStart,
            c.over[1],
            `((${arg(0)})::float8 / sum(${arg(0)}) over ${this.sp.text(c.over[0], c.over[1])})`,
          );
          this.labels.set(body, { end: c.over[1], name });
        }
        return;
      case 'listagg':
        this.listagg(body, c);
        this.labels.set(body, { end: c.over?.[1] ?? c.wg?.[1] ?? c.close, name });
        return;
      case 'percentile_cont':
      case 'percentile_disc':
        return this.percentile(name, body, c);
      case 'lag_ignore_nulls':
      case 'lead_ignore_nulls':
        return this.lagIgnoreNulls(name, body, c);
      case 'json_extract_path_text': {
        const last = args[args.length - 1] as { A_Const?: { boolval?: unknown } } | undefined;
        if (args.length > 2 && last?.A_Const?.boolval !== undefined) {
          const path = c.args
            .slice(1, -1)
            .map((_a, i) => arg(i + 1))
            .join(', ');
          this.sp.replace(
            c.nameStart,
            c.close,
            `${this.S}.json_extract_path_text_null_if_invalid(${arg(0)}, ${arg(args.length - 1)}, ${path})`,
          );
          return;
        }
        break;
      }
      default:
    }
    const to = RENAMED[name] ?? name;
    if (LIBRARY_FUNCTIONS.has(to)) {
      // Postgres's own percentile/trunc/date_trunc stay where the library adds nothing.
      if (to === 'date_trunc' && names[0] === 'pg_catalog') return;
      rename(`${this.S}.${to}`);
    } else if (to !== name) rename(to);
  }

  /** has_table_privilege([user,] 'svv_table_info', priv): a system view named by a string is the catalog schema's. */
  private privilegeTable(args: Json[], c: Call): void {
    if (args.length < 2 || args.length > 3) return;
    const i = args.length - 2;
    const lit = (args[i] as { A_Const?: { sval?: { sval?: string } } } | undefined)?.A_Const?.sval?.sval;
    if (lit === undefined) return;
    const rel = lit.toLowerCase().replace(/^pg_catalog\./, '');
    if (!RELATIONS.has(rel) || /^pg_(class|proc|index|constraint|attrdef)$/.test(rel)) return;
    const [a, b] = c.args[i]!;
    if (a === b && this.sp.sig[a]!.type === 'string') this.sp.replace(a, b, quoteLiteral(`${this.S}.${rel}`));
  }

  /** dateadd(day, ...): the datepart written as an identifier becomes a string. */
  private unquotedDatepart(args: Json[], c: Call): void {
    const first = args[0] as { ColumnRef?: { fields: unknown[] } } | undefined;
    const fields = first?.ColumnRef?.fields;
    if (!fields || fields.length !== 1 || sval(fields[0]) === undefined) return;
    const [a, b] = c.args[0]!;
    if (a === b) this.sp.replace(a, b, quoteLiteral(this.sp.sig[a]!.value));
  }

  /** A string literal where a date or timestamp is expected is read as a TIMESTAMP, as Redshift reads it. */
  private literalTimestamp(node: Json | undefined): void {
    const lit = (node as { A_Const?: { sval?: unknown; location: number } } | undefined)?.A_Const;
    if (!lit || lit.sval === undefined) return;
    const k = this.sp.at(lit.location);
    if (k !== undefined && this.sp.sig[k]!.type === 'string')
      this.sp.replace(k, k, `${this.sp.sig[k]!.text}::timestamp`);
  }

  private commas(c: Call): number[] {
    return c.args.slice(1).map(([a]) => a - 1);
  }

  /** NVL2(e, a, b): CASE WHEN e IS NOT NULL THEN a ELSE b END. */
  private nvl2(c: Call): void {
    if (c.args.length !== 3) return;
    const [c1, c2] = this.commas(c);
    this.sp.replace(c.nameStart, c.open, '(case when (');
    this.sp.replace(c1!, c1!, ') is not null then (');
    this.sp.replace(c2!, c2!, ') else (');
    this.sp.replace(c.close, c.close, ') end)');
  }

  /** DECODE(e, s1, r1, ..., default): CASE e WHEN s1 THEN r1 ... ELSE default END. */
  private decode(c: Call): void {
    if (c.args.length < 3) return;
    const commas = this.commas(c);
    const hasDefault = (c.args.length - 1) % 2 === 1;
    this.sp.replace(c.nameStart, c.open, '(case (');
    commas.forEach((k, i) => {
      const text = hasDefault && i === commas.length - 1 ? ') else (' : i % 2 === 0 ? ') when (' : ') then (';
      this.sp.replace(k, k, text);
    });
    this.sp.replace(c.close, c.close, ') end)');
  }

  /** LISTAGG(x, delim) [WITHIN GROUP (ORDER BY ...)] [OVER (PARTITION BY ...)]: string_agg over the whole partition. */
  private listagg(body: Json, c: Call): void {
    if (!c.args.length || c.args.length > 2) return;
    const x = this.sp.text(c.args[0]![0], c.args[0]![1]);
    const delim = c.args[1] ? this.sp.text(c.args[1][0], c.args[1][1]) : "''";
    const order = c.wg ? this.sp.render(this.sp.endOf(c.wg[0]), this.sp.startOf(c.wg[1])).trim() : '';
    const distinct = body.agg_distinct ? 'distinct ' : '';
    if (!c.over) {
      this.sp.replace(
        c.nameStart,
        c.wg?.[1] ?? c.close,
        `string_agg(${distinct}(${x})::text, ${delim}${order ? ` ${order}` : ''})`,
      );
      return;
    }
    const [o1, o2] = c.over;
    const partition = o1 === o2 ? '' : this.sp.render(this.sp.endOf(o1), this.sp.startOf(o2)).trim();
    const frame = order ? ' rows between unbounded preceding and unbounded following' : '';
    this.sp.replace(
      c.nameStart,
      o2,
      `string_agg(${distinct}(${x})::text, ${delim}) over (${partition} ${order}${frame})`,
    );
  }

  /**
   * LAG/LEAD(x [, n]) IGNORE NULLS OVER (w): the n-th non-null x among the rows before (after) the
   * current one, read from an array of them over the frame that holds exactly those rows.
   */
  private lagIgnoreNulls(name: string, body: Json, c: Call): void {
    const lag = name === 'lag_ignore_nulls';
    const fn = lag ? 'LAG' : 'LEAD';
    if (!c.over || !c.args.length || c.args.length > 2)
      throw new RedshiftError(`${fn} ... IGNORE NULLS needs OVER and one or two arguments`, '42601');
    const win = body.over as { frameOptions?: number };
    // 1058 is FRAMEOPTION_DEFAULTS: LAG and LEAD take no frame (Redshift refuses one).
    if (win.frameOptions !== undefined && win.frameOptions !== 1058) throw syntaxError('rows');
    const [o1, o2] = c.over;
    const inside = o1 === o2 ? this.sp.text(o1, o1) : this.sp.render(this.sp.endOf(o1), this.sp.startOf(o2)).trim();
    const frame = lag
      ? 'rows between unbounded preceding and 1 preceding'
      : 'rows between 1 following and unbounded following';
    const x = this.sp.text(c.args[0]![0], c.args[0]![1]);
    const n = c.args[1] ? `(${this.sp.text(c.args[1][0], c.args[1][1])})::bigint` : '1';
    const call = `${this.S}.${lag ? 'rs_nth_last' : 'rs_nth'}(array_remove(array_agg(${x}) over (${inside} ${frame}), null), ${n})`;
    // Documented: an offset of 0 is the current row.
    this.sp.replace(c.nameStart, c.over[1], c.args[1] ? `(case when ${n} = 0 then (${x}) else ${call} end)` : call);
    this.labels.set(body, { end: c.over[1], name: lag ? 'lag' : 'lead' });
  }

  /** PERCENTILE_CONT/DISC(f) WITHIN GROUP (ORDER BY x): the library's aggregates, which also run as window functions. */
  private percentile(name: string, body: Json, c: Call): void {
    if (!c.wg || c.args.length !== 1) return;
    const sort = ((body.agg_order as Json[] | undefined)?.[0]?.SortBy ?? {}) as { sortby_dir?: string };
    const desc = sort.sortby_dir === 'SORTBY_DESC';
    if (desc && name === 'percentile_disc') return;
    const [w1, w2] = c.wg;
    let a = w1 + 1;
    if (isWord(this.sp.sig[a], 'order') && isWord(this.sp.sig[a + 1], 'by')) a += 2;
    let b = w2 - 1;
    if (isWord(this.sp.sig[b], 'first', 'last') && isWord(this.sp.sig[b - 1], 'nulls')) b -= 2;
    if (isWord(this.sp.sig[b], 'asc', 'desc')) b--;
    const f = this.sp.text(c.args[0]![0], c.args[0]![1]);
    this.sp.replace(c.nameStart, w2, `${this.S}.${name}(${desc ? `1 - (${f})` : f}, ${this.sp.text(a, b)})`);
  }
}

/** Parses one statement; undefined when Postgres's parser does not read it (Postgres then says why). */
export function parseTree(sql: string): unknown {
  if (!loaded) throw new Error('emulator: the SQL parser is not loaded yet (await parserReady())');
  try {
    return parseSync(sql);
  } catch {
    return undefined;
  }
}

/** The statement with Redshift's relations and functions redirected; throws what Redshift refuses. */
export function rewriteTree(sql: string, tree: unknown, ctx: TreeContext): string {
  const sp = new Splicer(sql);
  new Rewriter(sp, ctx, sql).run(tree);
  return sp.changed ? sp.render() : sql;
}
