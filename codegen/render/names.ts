// SQL names -> idiomatic TypeScript identifiers: camelCase exports, PascalCase types.
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'as implements interface let package private protected public static yield await any boolean number string symbol ' +
    'type from of undefined arguments eval'
  ).split(' '),
);
// What generated model files import: an export of one of these names would shadow the import
// (`export const t = defineTable(..., { id: t.bigint() })` fails: "Cannot access 't' before initialization").
const IMPORTED = new Set(['t', 'sql', 'defineTable']);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^\p{L}\p{Nd}]+/u)
    .filter(Boolean);
}

export function camelCase(name: string): string {
  const w = words(name);
  if (w.length === 0) return '_';
  let out = w
    .map((part, i) => (i === 0 ? part.toLowerCase() : part[0]!.toUpperCase() + part.slice(1).toLowerCase()))
    .join('');
  if (/^\d/.test(out)) out = `_${out}`;
  if (RESERVED.has(out) || IMPORTED.has(out)) out = `${out}Table`;
  return out;
}

export function pascalCase(name: string): string {
  const c = camelCase(name).replace(/Table$/, (m) => m);
  return c.startsWith('_') ? `T${c}` : c[0]!.toUpperCase() + c.slice(1);
}

/** A property key: bare when it is a valid identifier, else quoted. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A single-quoted TS string literal. */
export function stringLiteral(text: string): string {
  return `'${text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)}'`;
}

/**
 * Export names for tables: camelCase of the table name, or of schema + table where two
 * selected schemas hold tables of one name (so every export stays unique and stable).
 */
export function exportNames(
  tables: readonly { schema: string; name: string }[],
  taken: ReadonlySet<string> = new Set(),
): Map<string, string> {
  const count = new Map<string, number>();
  for (const t of tables) count.set(camelCase(t.name), (count.get(camelCase(t.name)) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const t of tables) {
    const plain = camelCase(t.name);
    out.set(
      `${t.schema}.${t.name}`,
      count.get(plain)! > 1 || taken.has(plain) ? camelCase(`${t.schema}_${t.name}`) : plain,
    );
  }
  return out;
}

/** A TS literal for a default value. */
export function valueLiteral(value: unknown): string {
  if (typeof value === 'string') return stringLiteral(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (value instanceof Date) return stringLiteral(value.toISOString());
  return JSON.stringify(value);
}
