// Redshift SQL to Postgres SQL for statements passed to the backend: the lexical differences first
// (lexical.ts), then the parse tree's table references and function calls (tree.ts). Translations
// are cached by statement text and the context bits they depend on.
import { RedshiftError } from '../errors.js';
import { lexical } from './lexical.js';
import { qualify } from './qualify.js';
import { mayRewrite, parseTree, rewriteTree, type TreeContext } from './tree.js';

type Cached = { sql: string } | { error: RedshiftError };

const CACHE_SIZE = 2000;
const cache = new Map<string, Cached>();

function compute(sql: string, ctx: TreeContext): Cached {
  try {
    const text = qualify(lexical(sql));
    if (!mayRewrite(text)) return { sql: text };
    const tree = parseTree(text);
    // What Postgres's parser does not read goes as it is: Postgres's error names the position.
    return { sql: tree === undefined ? text : rewriteTree(text, tree, ctx) };
  } catch (err) {
    if (err instanceof RedshiftError) return { error: err };
    throw err;
  }
}

/** The Postgres text of one Redshift statement; throws a RedshiftError for what Redshift refuses. */
export function translate(sql: string, ctx: TreeContext): string {
  // pg_last_copy_id() is answered from the session's last COPY: part of the key only where it is called.
  const copyId = /pg_last_copy_id/i.test(sql) ? ctx.lastCopyId : '';
  // stl_load_commits is read with the session's own rows: those are part of the key where it is read.
  const commits = ctx.loadCommits?.length && /stl_load_commits/i.test(sql) ? JSON.stringify(ctx.loadCommits) : '';
  const key = `${ctx.schema}\u0000${ctx.slices}\u0000${copyId}\u0000${commits}\u0000${sql}`;
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key);
  } else {
    hit = compute(sql, ctx);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, hit);
  if ('error' in hit) throw hit.error;
  return hit.sql;
}
