// ALTER TABLE target APPEND FROM source [IGNOREEXTRA | FILLTARGET]: the source's rows move to the
// target's columns of the same names (order does not matter) and the source is left empty. Redshift
// commits it at once and refuses it inside a transaction block (r_ALTER_TABLE_APPEND.html).
import type { Backend } from './backend.js';
import { BackendError, RedshiftError, syntaxError } from './errors.js';
import { isPunct, isWord, quoteIdent, quoteLiteral, render, significant, tokenize, type Token } from './sql.js';

export interface AppendPlan {
  target: string;
  source: string;
  mode: 'exact' | 'ignoreextra' | 'filltarget';
}

/** A qualified name starting at token i: its text and the index after it. */
function nameAt(sig: Token[], i: number): [string, number] {
  const start = i;
  while (
    sig[i] &&
    (sig[i]!.type === 'ident' || sig[i]!.type === 'qident') &&
    (i === start || isPunct(sig[i - 1], '.'))
  ) {
    i++;
    if (isPunct(sig[i], '.')) i++;
  }
  if (i === start) throw syntaxError(sig[i]?.text ?? 'end of input');
  return [render(sig.slice(start, i)), i];
}

/** The plan of an ALTER TABLE ... APPEND FROM; undefined for any other ALTER TABLE. */
export function parseAppend(sql: string): AppendPlan | undefined {
  const sig = significant(tokenize(sql)).filter((t) => !isPunct(t, ';'));
  if (!isWord(sig[0], 'alter') || !isWord(sig[1], 'table')) return undefined;
  const appendAt = sig.findIndex((t, k) => isWord(t, 'append') && isWord(sig[k + 1], 'from'));
  if (appendAt < 0) return undefined;
  const [target, afterTarget] = nameAt(sig, 2);
  if (afterTarget !== appendAt) throw syntaxError(sig[afterTarget]!.text);
  const [source, i] = nameAt(sig, appendAt + 2);
  const option = sig[i];
  if (option && (!isWord(option, 'ignoreextra', 'filltarget') || sig[i + 1]))
    throw syntaxError((sig[i + 1] ?? option).text);
  return { target, source, mode: option ? (option.value.toLowerCase() as AppendPlan['mode']) : 'exact' };
}

interface Column {
  name: string;
  type: string;
  identity: boolean;
}

async function columnsOf(backend: Backend, table: string): Promise<Column[]> {
  const r = await backend.query(`select a.attname, format_type(a.atttypid, a.atttypmod), a.attidentity = 'a'
    from pg_attribute a where a.attrelid = ${quoteLiteral(table)}::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum`);
  if (r.error) throw new BackendError(r.error);
  return r.rows.map((row) => ({ name: String(row[0]), type: String(row[1]), identity: row[2] === 't' }));
}

/** The columns moved: those of both tables, after checking what the mode allows. */
function movedColumns(plan: AppendPlan, target: Column[], source: Column[]): string[] {
  const inSource = new Map(source.map((c) => [c.name, c]));
  const inTarget = new Map(target.map((c) => [c.name, c]));
  const extraSource = source.filter((c) => !inTarget.has(c.name)).map((c) => c.name);
  const extraTarget = target.filter((c) => !inSource.has(c.name)).map((c) => c.name);
  if (extraSource.length && plan.mode !== 'ignoreextra') {
    throw new RedshiftError(
      `Source table ${plan.source} has column(s) ${extraSource.join(', ')} not in target table ${plan.target} (use IGNOREEXTRA to discard them)`,
      'XX000',
    );
  }
  if (extraTarget.length && plan.mode !== 'filltarget') {
    throw new RedshiftError(
      `Target table ${plan.target} has column(s) ${extraTarget.join(', ')} not in source table ${plan.source} (use FILLTARGET to fill them with their defaults)`,
      'XX000',
    );
  }
  const both = target.filter((c) => inSource.has(c.name));
  for (const c of both) {
    const s = inSource.get(c.name)!;
    if (s.type !== c.type) {
      throw new RedshiftError(
        `Column "${c.name}" has type ${s.type} in source table ${plan.source} but ${c.type} in target table ${plan.target}: column attributes must match`,
        'XX000',
      );
    }
    if (c.identity || s.identity)
      throw new RedshiftError(
        `Column "${c.name}" is an IDENTITY column: an identity column can't be appended`,
        '0A000',
      );
  }
  return both.map((c) => c.name);
}

/**
 * Runs the append on the session: `inBlock` says whether the client has a transaction block open
 * (refused, as Redshift refuses it); `ownBlock` whether the emulator has one (a pipeline's, which
 * commits at Sync), else the move commits here.
 */
export async function runAppend(
  plan: AppendPlan,
  backend: Backend,
  inBlock: boolean,
  ownBlock: boolean,
): Promise<void> {
  if (inBlock) throw new RedshiftError('ALTER TABLE APPEND cannot run inside a transaction block', '25001');
  // One statement at a time: the session's backend runs its queries in turn.
  const target = await columnsOf(backend, plan.target);
  const source = await columnsOf(backend, plan.source);
  const cols = movedColumns(plan, target, source).map(quoteIdent).join(', ');
  const move = [
    `insert into ${plan.target} (${cols}) select ${cols} from ${plan.source}`,
    `delete from ${plan.source}`,
  ];
  const statements = ownBlock ? move : ['begin', ...move, 'commit'];
  for (const s of statements) {
    const r = await backend.query(s);
    if (r.error) {
      if (!ownBlock) await backend.query('rollback');
      throw new BackendError(r.error);
    }
  }
}
