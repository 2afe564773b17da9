// SUPER values: the JS value a row gives, checked to be plain JSON before it is written as JSON
// text. JSON.stringify alone changes values silently (a Map or a Set becomes {}, a typed array
// {"0":...}, a Date its ISO text, NaN null, undefined in an array null, a function dropped), and
// strings with U+0000 or a lone surrogate serialize fine but fail late in COPY. So the value is
// walked first, without recursion (a value nested 100,000 deep must be refused, not overflow the
// stack), and the first thing that is not plain JSON is refused, naming where it is ($.a[3]).
import { REDSHIFT_LIMITS } from './columns.js';
import type { Parsed } from './temporal.js';

/**
 * The deepest nesting of arrays and objects a SUPER value may have (REDSHIFT_LIMITS.superDepth):
 * Redshift's documented limit ("The maximum nesting depth for arrays and structures of the SUPER data type is 1,000").
 * Postgres jsonb reads deeper (about 13,000 objects or 14,500 arrays with the default 2 MB
 * max_stack_depth, measured on Postgres 15), and JSON.stringify overflows the stack somewhere
 * below 6,000, so 1,000 is the limit every warehouse and the serializer hold.
 */
const SUPER_MAX_DEPTH = REDSHIFT_LIMITS.superDepth;

type Container = unknown[] | Record<string, unknown>;
/** One open array or object in the walk: its entries, the next one to visit, how we got in. */
interface Frame {
  readonly container: Container;
  /** Object keys; undefined for an array. */
  readonly keys: string[] | undefined;
  readonly length: number;
  next: number;
  /** The key or index this container sits at in its parent (undefined for the root). */
  readonly at: string | number | undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
// NUL or any surrogate: rare, so one test guards the exact checks.
const TEXT_SUSPECT = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const PATH_ENDS = 6;

/** A JSONPath-like name of a place in the value: $, $.a, $.a[3], $["odd key"]; a long one shortened. */
function pathOf(stack: readonly Frame[], last?: string | number): string {
  const steps = stack.slice(1).map((f) => f.at);
  if (last !== undefined) steps.push(last);
  const show = (step: string | number | undefined): string =>
    typeof step === 'number' ? `[${step}]` : IDENTIFIER.test(step!) ? `.${step}` : `[${JSON.stringify(step)}]`;
  if (steps.length <= 2 * PATH_ENDS) return `$${steps.map(show).join('')}`;
  const hidden = steps.length - 2 * PATH_ENDS;
  return `$${steps.slice(0, PATH_ENDS).map(show).join('')}…(${hidden} more levels)…${steps.slice(-PATH_ENDS).map(show).join('')}`;
}

/** Why a string can't go into JSON text that Postgres and Redshift read, or undefined. */
function stringProblem(s: string): string | undefined {
  if (!TEXT_SUSPECT.test(s)) return undefined;
  if (s.includes('\u0000')) return 'contains a NUL (\\u0000) character, which jsonb and SUPER cannot store';
  if (LONE_SURROGATE.test(s)) return 'contains a lone surrogate, which has no UTF-8 encoding';
  return undefined;
}

/** Names an object that is not a plain object or array, with how to make it JSON. */
function nonPlainProblem(v: object): string {
  if (v instanceof Date)
    return 'is a Date, which JSON.stringify would turn into text silently: pass date.toISOString() for the text';
  if (v instanceof Map) return 'is a Map, which JSON writes as {}: convert it first, e.g. Object.fromEntries(map)';
  if (v instanceof Set) return 'is a Set, which JSON writes as {}: convert it first, e.g. [...set]';
  if (ArrayBuffer.isView(v))
    return `is a ${v.constructor.name}, which JSON writes as an object of indexes (or {}): convert it first, e.g. Array.from(bytes) or a hex string`;
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer))
    return `is an ${v.constructor.name}, which JSON writes as {}: convert it first`;
  const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
  return `is ${typeof name === 'string' && name ? `a ${name} instance` : 'an object that is not a plain object'}, which JSON would not write as it is: pass a plain object or array`;
}

const JSON_PLAIN = 'plain JSON';
const fail = (rule: string, where: string, detail: string): Parsed<string> => ({
  ok: false,
  rule,
  detail: `${where} ${detail}`,
});

/**
 * Checks that v is plain JSON that Postgres jsonb and Redshift SUPER store as it is, and returns
 * its JSON text. Refused, naming the path: anything but null, booleans, finite numbers, strings,
 * plain arrays and plain objects (class instances, Map, Set, Date, typed arrays, bigint,
 * functions, symbols); NaN and infinities; undefined or an empty slot in an array; strings or
 * keys with U+0000 or a lone surrogate; a value that contains itself; nesting deeper than
 * SUPER_MAX_DEPTH; more values than the 16 MB SUPER could hold. An object property whose value
 * is undefined is left out, as JSON.stringify leaves it out (the usual meaning of an optional
 * property that is not set). -0 is written 0: JSON numbers in jsonb and SUPER have no negative zero.
 */
export function superJson(v: unknown, maxBytes: number): Parsed<string> {
  const stack: Frame[] = [];
  let values = 0;
  let current: unknown = v;
  let at: string | number | undefined;
  for (;;) {
    // Visit `current`, found at `at` inside the top frame.
    if (++values > maxBytes)
      return fail('super size', pathOf(stack, at), `has more values than a SUPER of ${maxBytes} bytes can hold`);
    const problem = scalarProblem(current, stack.length > 0);
    if (problem) return fail(problem.rule, pathOf(stack, at), problem.detail);
    if (typeof current === 'object' && current !== null) {
      const proto = Object.getPrototypeOf(current) as unknown;
      const isArray = Array.isArray(current) && proto === Array.prototype;
      if (!isArray && proto !== Object.prototype && proto !== null)
        return fail(JSON_PLAIN, pathOf(stack, at), nonPlainProblem(current));
      // A cycle nests without end, so it is looked for only once the depth runs out.
      if (stack.length >= SUPER_MAX_DEPTH) return tooDeep(stack, at, current);
      const keys = isArray ? undefined : Object.keys(current);
      if (!isArray && Object.getOwnPropertySymbols(current).length > 0)
        return fail('JSON-serializable', pathOf(stack, at), 'has symbol keys, which JSON leaves out');
      if (keys) {
        for (const key of keys) {
          const bad = stringProblem(key);
          if (bad) return fail('JSON text', pathOf(stack, at), `has a key ${JSON.stringify(key)} that ${bad}`);
        }
      }
      stack.push({
        container: current as Container,
        keys,
        length: keys ? keys.length : (current as unknown[]).length,
        next: 0,
        at,
      });
    }
    // Move to the next entry to visit, closing finished containers on the way.
    let found = false;
    while (stack.length > 0 && !found) {
      const top = stack[stack.length - 1]!;
      while (top.next < top.length) {
        const i = top.next++;
        if (top.keys) {
          const value = (top.container as Record<string, unknown>)[top.keys[i]!];
          if (value === undefined) continue; // left out, as JSON.stringify leaves it out
          current = value;
          at = top.keys[i]!;
        } else {
          current = (top.container as unknown[])[i];
          at = i;
        }
        found = true;
        break;
      }
      if (!found) stack.pop();
    }
    if (!found) break;
  }
  return { ok: true, value: JSON.stringify(v) };
}

/** Past the depth limit: a cycle (the value sits inside itself), or really that deep. */
function tooDeep(stack: readonly Frame[], at: string | number | undefined, current: object): Parsed<string> {
  const first = stack.findIndex((f) => f.container === current);
  if (first >= 0) {
    const again = stack.findIndex((f, i) => i > first && f.container === current);
    const inner = again >= 0 ? pathOf(stack.slice(0, again + 1)) : pathOf(stack, at);
    return fail(
      'JSON-serializable',
      pathOf(stack.slice(0, first + 1)),
      `contains itself at ${inner} (a cycle), which JSON cannot write`,
    );
  }
  return fail(
    'super depth',
    pathOf(stack, at),
    `is nested deeper than ${SUPER_MAX_DEPTH} levels of arrays and objects, the most Redshift SUPER holds`,
  );
}

type Problem = { rule: string; detail: string } | undefined;

/** Why a scalar is not plain JSON the warehouses store as it is; undefined for objects (the walk checks those). */
function scalarProblem(v: unknown, inContainer: boolean): Problem {
  switch (typeof v) {
    case 'string': {
      const bad = stringProblem(v);
      return bad === undefined ? undefined : { rule: 'JSON text', detail: bad };
    }
    case 'number':
      return Number.isFinite(v)
        ? undefined
        : { rule: 'JSON-serializable', detail: 'is NaN or infinite, which JSON writes as null' };
    case 'boolean':
    case 'object':
      return undefined;
    case 'bigint':
      return {
        rule: 'JSON-serializable',
        detail: 'is a bigint, which JSON cannot write: convert it to a string or a number first',
      };
    case 'undefined':
      // Object properties that are undefined never get here (they are left out).
      return {
        rule: 'JSON-serializable',
        detail: inContainer
          ? 'is undefined (or an empty slot) in an array, which JSON writes as null'
          : 'is not a JSON value',
      };
    default:
      return { rule: 'JSON-serializable', detail: `is a ${typeof v}, which JSON leaves out or writes as null` };
  }
}
