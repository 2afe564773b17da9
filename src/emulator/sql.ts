// A small SQL tokenizer: enough to split statements, find keywords outside strings and comments,
// and rewrite identifiers. Strings follow Redshift (a backslash escapes the next character).

export type TokenType = 'ident' | 'qident' | 'string' | 'number' | 'param' | 'op' | 'punct' | 'ws' | 'comment';

export interface Token {
  type: TokenType;
  text: string;
  /** Lower-cased identifier, unquoted identifier or decoded string value. */
  value: string;
  start: number;
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const OP_CHARS = '+-*/<>=~!@#%^&|`?:';

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  const push = (type: TokenType, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    out.push({ type, text, value: value ?? text, start });
  };
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      push('ws', start, i);
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      push('comment', start, i);
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      push('comment', start, i);
    } else if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
      if (c !== "'") i++;
      i++;
      let value = '';
      while (i < n) {
        const d = sql[i]!;
        if (d === '\\' && i + 1 < n) {
          value += d + sql[i + 1];
          i += 2;
          continue;
        }
        if (d === "'") {
          if (sql[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      push('string', start, i, value);
    } else if (c === '"') {
      i++;
      let value = '';
      while (i < n) {
        if (sql[i] === '"') {
          if (sql[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += sql[i];
        i++;
      }
      push('qident', start, i, value);
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      push('param', start, i);
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m) {
        const tag = m[0];
        const end = sql.indexOf(tag, i + tag.length);
        i = end < 0 ? n : end + tag.length;
        push('string', start, i, sql.slice(start + tag.length, end < 0 ? n : end));
      } else {
        i++;
        push('op', start, i);
      }
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9.eE]/.test(sql[i]!)) {
        if ((sql[i] === 'e' || sql[i] === 'E') && (sql[i + 1] === '-' || sql[i + 1] === '+')) i++;
        i++;
      }
      push('number', start, i);
    } else if (IDENT_START.test(c)) {
      while (i < n && IDENT_PART.test(sql[i]!)) i++;
      push('ident', start, i, sql.slice(start, i).toLowerCase());
    } else if (OP_CHARS.includes(c)) {
      while (i < n && OP_CHARS.includes(sql[i]!)) i++;
      push('op', start, i);
    } else {
      i++;
      push('punct', start, i);
    }
  }
  return out;
}

/** Tokens without whitespace and comments. */
export const significant = (tokens: Token[]): Token[] => tokens.filter((t) => t.type !== 'ws' && t.type !== 'comment');

/** Splits a simple-query string into statements (text without the trailing semicolon). */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let hasContent = false;
  for (const t of tokenize(sql)) {
    if (t.type === 'punct' && t.text === ';') {
      if (hasContent) out.push(sql.slice(start, t.start).trim());
      start = t.start + 1;
      hasContent = false;
    } else if (t.type !== 'ws' && t.type !== 'comment') hasContent = true;
  }
  if (hasContent) out.push(sql.slice(start).trim());
  return out;
}

/** Decodes Redshift's backslash escapes in a string literal's value: '\\N' is backslash-N. */
export function unescapeRedshift(value: string): string {
  return value.replace(/\\(.)/gs, (_m, ch: string) => {
    switch (ch) {
      case 't':
        return '\t';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case '\\':
        return '\\';
      case "'":
        return "'";
      default:
        return `\\${ch}`;
    }
  });
}

// SQL the emulator writes runs on the backing Postgres, so its literals are Postgres literals.
export { quoteIdent } from '../sql/identifiers.js';
export { postgresLiteral as quoteLiteral } from '../sql/literals.js';

/** An identifier's name: lower-cased when unquoted (Redshift folds case), as written when quoted. */
export const identName = (t: Token): string => (t.type === 'qident' ? t.value : t.value.toLowerCase());

/** Splits tokens at top-level commas (outside parentheses). */
export function splitTopLevel(tokens: Token[], sep = ','): Token[][] {
  const out: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === 'punct' && (t.text === '(' || t.text === '[')) depth++;
    if (t.type === 'punct' && (t.text === ')' || t.text === ']')) depth--;
    if (depth === 0 && t.type === 'punct' && t.text === sep) {
      out.push([]);
      continue;
    }
    out[out.length - 1]!.push(t);
  }
  return out;
}

/** Index of the parenthesis closing the one at `open`. */
export function closingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'punct' && t.text === '(') depth++;
    if (t.type === 'punct' && t.text === ')') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export const isWord = (t: Token | undefined, ...words: string[]): boolean =>
  t !== undefined && t.type === 'ident' && words.includes(t.value);
export const isPunct = (t: Token | undefined, p: string): boolean =>
  t !== undefined && t.type === 'punct' && t.text === p;

/** Renders tokens back to SQL text, one space between significant tokens where needed. */
export function render(tokens: Token[]): string {
  let out = '';
  let prev: Token | undefined;
  for (const t of tokens) {
    const glue =
      prev !== undefined &&
      !(
        isPunct(prev, '(') ||
        isPunct(t, ')') ||
        isPunct(t, ',') ||
        isPunct(prev, '.') ||
        isPunct(t, '.') ||
        (isPunct(t, '(') && prev.type === 'ident')
      );
    out += (glue ? ' ' : '') + t.text;
    prev = t;
  }
  return out;
}
