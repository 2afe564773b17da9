// Property tests (fast-check) at the validation boundaries: for each rule, values at the limit
// pass and come out in their normalized form, values just past it fail with that rule. Every
// property also checks that the zod schema of record (columnSchema) agrees with the fast path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDSHIFT_LIMITS, columnSchema, t } from '../../src/index.js';
import {
  columnChecker,
  columnFastPath,
  type ColumnSpec,
  type NormalizedValue,
  type ValueCheck,
} from '../../src/model/index.js';

/** Checks v against a column, and asserts zod's verdict is the same. */
function check(spec: ColumnSpec, v: unknown): ValueCheck {
  const r = columnChecker(spec)(v);
  const z = columnSchema(spec).safeParse(v);
  expect(z.success).toBe(r.ok);
  if (r.ok && z.success) {
    // bytes compared as bytes: a deep toEqual over a 1 MB array takes seconds
    if (r.value instanceof Uint8Array) expect(Buffer.compare(z.data as Uint8Array, r.value)).toBe(0);
    else expect(z.data).toEqual(r.value);
  }
  if (!r.ok && !z.success) expect((z.error.issues[0] as { params?: { rule?: string } }).params?.rule).toBe(r.rule);
  return r;
}
const passes = (spec: ColumnSpec, v: unknown): NormalizedValue => {
  const r = check(spec, v);
  if (!r.ok) throw new Error(`expected ${String(v)} to pass, but: ${r.detail} (${r.rule})`);
  return r.value;
};
const failsWith = (spec: ColumnSpec, v: unknown): string => {
  const r = check(spec, v);
  if (r.ok)
    throw new Error(`expected ${String(v).slice(0, 60)} to fail, but it passed as ${String(r.value).slice(0, 60)}`);
  return r.rule;
};

describe('integers', () => {
  for (const [kind, min, max] of [
    ['smallint', -32768, 32767],
    ['integer', -2147483648, 2147483647],
  ] as const) {
    const spec = t[kind]().spec;
    it(`${kind}: ${min} to ${max}, whole numbers only`, () => {
      expect([passes(spec, min), passes(spec, max), passes(spec, 0), passes(spec, '123')]).toEqual([min, max, 0, 123]);
      expect([failsWith(spec, min - 1), failsWith(spec, max + 1)]).toEqual([`${kind} range`, `${kind} range`]);
      expect([failsWith(spec, 1.5), failsWith(spec, 'x'), failsWith(spec, 1n)]).toEqual(['integer', 'type', 'type']);
      fc.assert(
        fc.property(fc.integer({ min: min * 3, max: max * 3 }), (n) => {
          if (n >= min && n <= max) expect(passes(spec, n)).toBe(n);
          else expect(failsWith(spec, n)).toBe(`${kind} range`);
        }),
      );
    });
  }

  it('bigint: -2^63 to 2^63-1 as bigint, a safe integer number, or integer text', () => {
    const spec = t.bigint().spec;
    const min = -(2n ** 63n);
    const max = 2n ** 63n - 1n;
    expect([
      passes(spec, min),
      passes(spec, max),
      passes(spec, Number.MAX_SAFE_INTEGER),
      passes(spec, ' -12 '),
    ]).toEqual([min, max, 9007199254740991n, -12n]);
    expect([
      failsWith(spec, min - 1n),
      failsWith(spec, max + 1n),
      failsWith(spec, 2 ** 53),
      failsWith(spec, 1.5),
      failsWith(spec, '1e3'),
    ]).toEqual(['bigint range', 'bigint range', 'safe integer', 'safe integer', 'type']);
    fc.assert(
      fc.property(fc.bigInt({ min: min * 2n, max: max * 2n }), (b) => {
        if (b >= min && b <= max) expect(passes(spec, b)).toBe(b);
        else expect(failsWith(spec, b)).toBe('bigint range');
      }),
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(passes(spec, n)).toBe(BigInt(n));
      }),
    );
  });
});

/** A decimal text's value as an integer count of 10^-s units: an exact reference, no floats. */
function scaled(text: string, s: number): bigint {
  const neg = text.trim().startsWith('-');
  const [int = '', frac = ''] = text.trim().replace(/^[+-]/, '').split('.');
  const units = BigInt(`${int || '0'}${frac.padEnd(s, '0').slice(0, s)}`);
  return neg ? -units : units;
}

describe('decimal precision and scale', () => {
  const ps = fc.integer({ min: 1, max: 38 }).chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: p })));
  const digitsOf = (min: number, max: number) =>
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
  const nonZeroDigit = fc.constantFrom(...'123456789');

  it('any DECIMAL(p, s) keeps every value with at most p-s integer digits and s decimals, exactly, in canonical form', () => {
    fc.assert(
      fc.property(
        ps.chain(([p, s]) =>
          fc.tuple(fc.constant(p), fc.constant(s), fc.constantFrom('', '-', '+'), digitsOf(0, p - s), digitsOf(0, s)),
        ),
        ([p, s, sign, int, frac]) => {
          const text = `${sign}${int || '0'}${frac ? `.${frac}` : ''}`;
          const out = passes(t.decimal(p, s).spec, text) as string;
          expect(scaled(out, s)).toBe(scaled(text, s));
          expect(out).toMatch(/^-?(0|[1-9]\d*)(\.\d+)?$/);
          expect(out).not.toMatch(/^-0(\.0*)?$/); // zero has no sign
        },
      ),
    );
  });

  it('one integer digit too many fails the precision rule; one decimal too many fails the scale rule (no rounding)', () => {
    fc.assert(
      fc.property(
        ps
          .filter(([p, s]) => p > s)
          .chain(([p, s]) => fc.tuple(fc.constant(p), fc.constant(s), nonZeroDigit, digitsOf(p - s, p - s))),
        ([p, s, lead, rest]) => {
          expect(failsWith(t.decimal(p, s).spec, `${lead}${rest}`)).toBe(`decimal(${p},${s}) precision`);
        },
      ),
    );
    fc.assert(
      fc.property(
        ps.chain(([p, s]) => fc.tuple(fc.constant(p), fc.constant(s), digitsOf(s, s), nonZeroDigit)),
        ([p, s, frac, last]) => {
          expect(failsWith(t.decimal(p, s).spec, `0.${frac}${last}`)).toBe(`decimal(${p},${s}) scale`);
          // trailing zeros past the scale change nothing, so they pass
          expect(passes(t.decimal(p, s).spec, `0.${frac}000`)).toBe(s === 0 ? '0' : `0.${frac}`);
        },
      ),
    );
  });

  it('at the full 38 digits', () => {
    const nines = '9'.repeat(38);
    expect(passes(t.decimal(38, 0).spec, nines)).toBe(nines);
    expect(passes(t.decimal(38, 0).spec, `-${nines}`)).toBe(`-${nines}`);
    expect(failsWith(t.decimal(38, 0).spec, `1${'0'.repeat(38)}`)).toBe('decimal(38,0) precision');
    expect(passes(t.decimal(38, 38).spec, `0.${nines}`)).toBe(`0.${nines}`);
    expect(passes(t.decimal(38, 38).spec, `.${nines}`)).toBe(`0.${nines}`);
    expect(failsWith(t.decimal(38, 38).spec, '1.0')).toBe('decimal(38,38) precision');
    expect(failsWith(t.decimal(38, 38).spec, `0.${nines}1`)).toBe('decimal(38,38) scale');
    expect(passes(t.decimal(38, 10).spec, `${'9'.repeat(28)}.${'9'.repeat(10)}`)).toBe(
      `${'9'.repeat(28)}.${'9'.repeat(10)}`,
    );
    expect(failsWith(t.decimal(38, 10).spec, `${'9'.repeat(29)}.5`)).toBe('decimal(38,10) precision');
    expect(passes(t.decimal(38, 10).spec, `000${'1'.repeat(28)}.1000000000000`)).toBe(`${'1'.repeat(28)}.1000000000`);
    expect(passes(t.decimal(10, 2).spec, '-0.00')).toBe('0.00'); // zero loses its sign; the scale written stays
    expect(passes(t.decimal(10, 2).spec, '-000')).toBe('0');
    expect([
      failsWith(t.decimal().spec, '1e5'),
      failsWith(t.decimal().spec, '.'),
      failsWith(t.decimal().spec, '1.2.3'),
    ]).toEqual(['decimal format', 'decimal format', 'decimal format']);
  });

  it('a JS number is taken when it is exactly the decimal written (up to 15 significant digits, or a safe integer)', () => {
    const spec = t.decimal(38, 6).spec;
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }), fc.integer({ min: 0, max: 6 }), (k, s) => {
        const n = k / 10 ** s; // correctly rounded: the double nearest k·10^-s, whose shortest text is that decimal
        const abs = String(Math.abs(k)).padStart(s + 1, '0');
        const exact = `${k < 0 ? '-' : ''}${abs.slice(0, abs.length - s)}${s ? `.${abs.slice(abs.length - s)}` : ''}`;
        const canonical = exact.includes('.') ? exact.replace(/\.?0+$/, '') : exact;
        expect(passes(spec, n)).toBe(canonical === '-0' ? '0' : canonical);
      }),
    );
    expect(passes(spec, Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(failsWith(spec, 0.1 + 0.2)).toBe('exact number'); // 0.30000000000000004
    expect(failsWith(spec, 2 ** 53 + 2)).toBe('exact number');
    expect(failsWith(spec, 1e21)).toBe('plain decimal');
    expect(failsWith(spec, 1e-7)).toBe('plain decimal');
    expect(failsWith(spec, Number.NaN)).toBe('finite');
    expect(failsWith(t.decimal(4, 2).spec, 100.5)).toBe('decimal(4,2) precision');
    expect(failsWith(t.decimal(4, 2).spec, 1.125)).toBe('decimal(4,2) scale');
  });
});

describe('floats', () => {
  it('REAL refuses what a float4 cannot hold (overflow or underflow to 0); DOUBLE takes every finite number', () => {
    const real = t.real().spec;
    const double = t.double().spec;
    expect(passes(real, 3.4028234663852886e38)).toBe(3.4028234663852886e38);
    expect(passes(real, 1.401298464324817e-45)).toBe(1.401298464324817e-45);
    expect(failsWith(real, 3.5e38)).toBe('real range');
    expect(failsWith(real, 1e-46)).toBe('real range');
    expect([failsWith(double, Number.POSITIVE_INFINITY), failsWith(double, Number.NaN)]).toEqual(['finite', 'finite']);
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(passes(double, n)).toBe(n === 0 ? n : n);
        const f = Math.fround(n);
        // REAL rounds to the nearest float4 in validation (the value staged is the value stored)
        if (Number.isFinite(f) && (f !== 0 || n === 0)) expect(passes(real, n)).toBe(f);
        else expect(failsWith(real, n)).toBe('real range');
      }),
    );
  });

  it('text that rounds to 0 or to infinity is refused, as Postgres refuses it (float8in / float4in)', () => {
    const real = t.real().spec;
    const double = t.double().spec;
    for (const text of ['1e-400', '2e-324', '-2e-324', '2.4703282292062327e-324', '0.0000001e-320']) {
      expect(failsWith(double, text), text).toBe('double range');
      expect(failsWith(real, text), text).toBe('real range');
    }
    for (const text of ['1e400', '-1.7976931348623159e308']) expect(failsWith(double, text), text).toBe('double range');
    expect(columnChecker(double)('1e-400')).toEqual({
      ok: false,
      rule: 'double range',
      detail: 'is too small for DOUBLE PRECISION and would become 0 (the smallest is ±5e-324)',
    });
    // subnormals and zeros written as text are kept
    expect([passes(double, '5e-324'), passes(double, '3e-324'), passes(double, '2.4703282292062328e-324')]).toEqual([
      5e-324, 5e-324, 5e-324,
    ]);
    expect([passes(double, '0e-500'), passes(double, '-0'), passes(double, '1.7976931348623158e308')]).toEqual([
      0, -0, 1.7976931348623157e308,
    ]);
    expect(Object.is(passes(double, '-0.000'), -0)).toBe(true);
    for (const text of ['1e-50', '-1e-46', '7.006492321624085e-46', '4e38', '-3.5e38', '1e400'])
      expect(failsWith(real, text), text).toBe('real range');
    expect([passes(real, '1e-40'), passes(real, '1.4e-45'), passes(real, '7.0064923216240862e-46')]).toEqual([
      Math.fround(1e-40),
      1.401298464324817e-45,
      1.401298464324817e-45,
    ]);
  });

  it('REAL rounds once, to the float4 nearest the exact value written (ties to even), as strtof does', () => {
    const real = t.real().spec;
    const FLT_MAX = 3.4028234663852886e38;
    expect(passes(real, 16777217)).toBe(16777216); // 2^24 + 1: halfway, ties to even
    expect(passes(real, '16777217')).toBe(16777216);
    expect(passes(real, '16777217.000000001')).toBe(16777218); // just past halfway: up
    expect(passes(real, '16777218.999999999')).toBe(16777218); // just below the next midpoint
    expect(passes(real, 0.1)).toBe(Math.fround(0.1));
    // The midpoint between the largest float4 and 2^128: exactly there rounds to even (infinity,
    // refused); the double-shortest text of that midpoint is a hair below it, so it is FLT_MAX.
    const midpoint = '340282356779733661637539395458142568448';
    expect(failsWith(real, midpoint)).toBe('real range');
    expect(failsWith(real, 2 ** 128 - 2 ** 103)).toBe('real range');
    expect(passes(real, '340282356779733661637539395458142568447.999')).toBe(FLT_MAX);
    expect(passes(real, '3.4028235677973366e38')).toBe(FLT_MAX);
    expect(passes(real, '-3.4028235677973366e38')).toBe(-FLT_MAX);
    // And between 0 and the smallest subnormal, 2^-150: exactly there ties to 0 (refused).
    const tiny =
      '7.00649232162408535461864791644958065640130970938257885878534141944895541342930300743319094181060791015625e-46';
    expect(failsWith(real, tiny)).toBe('real range');
    expect(passes(real, `${tiny.slice(0, -4)}1e-46`)).toBe(1.401298464324817e-45);
  });
});

describe('text length in UTF-8 bytes', () => {
  const widths = fc.constantFrom('a', 'é', '€', '😀'); // 1, 2, 3 and 4 bytes
  it('VARCHAR(n) holds n UTF-8 bytes, whatever the characters', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.string({ unit: widths, maxLength: 40 }), (n, s) => {
        const spec = t.varchar(n).spec;
        const bytes = Buffer.byteLength(s, 'utf8');
        if (bytes <= n) expect(passes(spec, s)).toBe(s);
        else expect(failsWith(spec, s)).toBe('varchar length');
      }),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 80 }).filter((s) => !s.includes('\u0000')),
        (s) => {
          const bytes = Buffer.byteLength(s, 'utf8');
          if (bytes <= 64) expect(passes(t.varchar(64).spec, s)).toBe(s);
          else expect(failsWith(t.varchar(64).spec, s)).toBe('varchar length');
        },
      ),
    );
  });

  it("at the limit: 'é' is 2 bytes, '😀' 4, and VARCHAR(MAX) is 65535 bytes", () => {
    const v64 = t.varchar(64).spec;
    expect(passes(v64, 'é'.repeat(32))).toBe('é'.repeat(32));
    expect(failsWith(v64, `${'é'.repeat(32)}a`)).toBe('varchar length');
    expect(passes(v64, '😀'.repeat(16))).toBe('😀'.repeat(16));
    expect(failsWith(v64, `${'😀'.repeat(15)}éé€`)).toBe('varchar length'); // 60 + 4 + 3 = 67
    const r = columnChecker(v64)(`${'😀'.repeat(16)}a`);
    expect(r).toEqual({
      ok: false,
      rule: 'varchar length',
      detail: 'is 65 UTF-8 bytes, longer than VARCHAR(64) allows (64 bytes)',
    });
    const max = t.varchar('max').spec;
    expect(passes(max, 'a'.repeat(65535))).toHaveLength(65535);
    expect(failsWith(max, 'a'.repeat(65536))).toBe('varchar length');
    expect(failsWith(max, `${'a'.repeat(65533)}é`.padEnd(65534, 'a') + 'é')).toBe('varchar length');
    expect(passes(t.varchar(1).spec, '')).toBe(''); // '' stays '' (never NULL)
  });

  it('text that UTF-8 cannot carry, or Postgres cannot store, is refused', () => {
    const v = t.varchar(10).spec;
    expect(failsWith(v, 'a\u0000b')).toBe('no NUL');
    expect(failsWith(v, 'a\uD800b')).toBe('valid UTF-16');
    expect(failsWith(v, '\uDE00')).toBe('valid UTF-16');
    expect(failsWith(v, 5)).toBe('type');
  });

  it('CHAR(n) holds single-byte characters only, n of them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.string({ unit: 'binary-ascii', maxLength: 24 }).filter((s) => !s.includes('\u0000')),
        (n, s) => {
          const spec = t.char(n).spec;
          if (s.length <= n) expect(passes(spec, s)).toBe(s);
          else expect(failsWith(spec, s)).toBe('char length');
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary-ascii', maxLength: 4 }),
        fc.constantFrom('é', '€', '😀', 'ÿ'),
        (s, wide) => {
          expect(failsWith(t.char(16).spec, `${s.replace(/\u0000/g, '')}${wide}`)).toBe('single-byte char');
        },
      ),
    );
    expect(passes(t.char(4096).spec, 'x'.repeat(4096))).toHaveLength(4096);
    expect(failsWith(t.char(4096).spec, 'x'.repeat(4097))).toBe('char length');
  });
});

describe('SUPER', () => {
  it('any JSON value, normalized to its JSON text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        if (v === null) return; // a null SUPER is SQL NULL: the row validator handles it
        const out = passes(t.super().spec, v) as string;
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });

  it('at most 16 MB of JSON, counted in UTF-8 bytes', () => {
    const spec = t.super().spec;
    const limit = REDSHIFT_LIMITS.superBytes;
    expect(passes(spec, 'a'.repeat(limit - 2))).toHaveLength(limit); // two quote characters
    expect(failsWith(spec, 'a'.repeat(limit - 1))).toBe('super size');
    expect(passes(spec, { é: 'é'.repeat((limit - 10) / 2 - 1) })).toBeTypeOf('string'); // {"é":"…"} = 9 + 2 bytes
    expect(failsWith(spec, ['é'.repeat(limit / 2)])).toBe('super size');
  });

  it('refuses what JSON cannot hold', () => {
    const spec = t.super().spec;
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect([
      failsWith(spec, { n: Number.NaN }),
      failsWith(spec, [1n]),
      failsWith(spec, circular),
      failsWith(spec, () => 1),
      failsWith(spec, undefined),
    ]).toEqual([
      'JSON-serializable',
      'JSON-serializable',
      'JSON-serializable',
      'JSON-serializable',
      'JSON-serializable',
    ]);
  });
});

describe('SUPER: only plain JSON, refused naming the path', () => {
  const SUPER_MAX_DEPTH = REDSHIFT_LIMITS.superDepth;
  const spec = t.super().spec;
  const superCheck = columnChecker(spec);
  class Candy {
    constructor(readonly name: string) {}
  }
  // What JSON.stringify changes silently (or COPY refuses late), with the rule it breaks.
  const bad: [string, () => unknown, string][] = [
    ['Map', () => new Map([['a', 1]]), 'plain JSON'],
    ['Set', () => new Set([1]), 'plain JSON'],
    ['Uint8Array', () => new Uint8Array([1, 2]), 'plain JSON'],
    ['Float64Array', () => new Float64Array(2), 'plain JSON'],
    ['ArrayBuffer', () => new ArrayBuffer(2), 'plain JSON'],
    ['DataView', () => new DataView(new ArrayBuffer(2)), 'plain JSON'],
    ['Buffer', () => Buffer.from('hi'), 'plain JSON'],
    ['Date', () => new Date(0), 'plain JSON'],
    ['class instance', () => new Candy('gummy'), 'plain JSON'],
    ['boxed string', () => new String('x'), 'plain JSON'],
    ['NaN', () => Number.NaN, 'JSON-serializable'],
    ['Infinity', () => Number.NEGATIVE_INFINITY, 'JSON-serializable'],
    ['function', () => () => 1, 'JSON-serializable'],
    ['symbol', () => Symbol('s'), 'JSON-serializable'],
    ['bigint', () => 1n, 'JSON-serializable'],
    ['NUL in a string', () => 'a\u0000b', 'JSON text'],
    ['lone high surrogate', () => 'a\uD800', 'JSON text'],
    ['lone low surrogate', () => '\uDC00b', 'JSON text'],
    ['NUL in a key', () => ({ 'k\u0000': 1 }), 'JSON text'],
    ['lone surrogate in a key', () => ({ '\uDFFF': 1 }), 'JSON text'],
    ['symbol key', () => ({ [Symbol('k')]: 1 }), 'JSON-serializable'],
  ];

  it('each thing JSON would change is refused, at the path it sits at', () => {
    for (const [what, make, rule] of bad) {
      const r = superCheck({ a: [0, 1, 2, make()] });
      expect(r, what).toMatchObject({ ok: false, rule });
      if (!r.ok) expect(r.detail, what).toMatch(/^\$\.a\[3\] /);
    }
    expect(superCheck({ a: [1, undefined] })).toEqual({
      ok: false,
      rule: 'JSON-serializable',
      detail: '$.a[1] is undefined (or an empty slot) in an array, which JSON writes as null',
    });
    expect(superCheck([1, , 3]) /* eslint-disable-line no-sparse-arrays -- the hole is the case */).toMatchObject({
      ok: false,
      rule: 'JSON-serializable',
      detail: expect.stringMatching(/^\$\[1\] is undefined \(or an empty slot\)/),
    });
    expect(superCheck({ 'odd key': { x: new Map() } })).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^\$\["odd key"\]\.x is a Map/),
    });
    expect(superCheck(new Map())).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^\$ is a Map, which JSON writes as \{\}/),
    });
  });

  it('a random JSON value with one bad thing planted anywhere is refused with that rule and path', () => {
    // A path into a JSON tree: the container at each step, then where the bad value goes.
    const plant = (root: unknown, steps: number[], value: unknown): { doc: unknown; path: string } => {
      const doc = structuredClone(root);
      let node: unknown = doc;
      let path = '$';
      for (const step of steps) {
        if (Array.isArray(node)) {
          if (node.length === 0) break;
          const i = step % node.length;
          if (typeof node[i] !== 'object' || node[i] === null) break;
          node = node[i];
          path += `[${i}]`;
        } else if (typeof node === 'object' && node !== null) {
          const keys = Object.keys(node);
          if (keys.length === 0) break;
          const k = keys[step % keys.length]!;
          const next = (node as Record<string, unknown>)[k];
          if (typeof next !== 'object' || next === null) break;
          node = next;
          path += /^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
        }
      }
      if (Array.isArray(node)) return { doc, path: `${path}[${node.push(value) - 1}]` };
      (node as Record<string, unknown>).planted = value;
      return { doc, path: `${path}.planted` };
    };
    const container = fc.oneof(
      fc.array(fc.jsonValue({ maxDepth: 3 })),
      fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
    );
    fc.assert(
      fc.property(
        container,
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.constantFrom(...bad),
        (root, steps, [what, make, rule]) => {
          // skip a root that already breaks a rule (fc strings may hold a lone surrogate)
          fc.pre(superCheck(root).ok);
          const { doc, path } = plant(root, steps, make());
          const r = superCheck(doc);
          expect(r, what).toMatchObject({ ok: false, rule });
          if (!r.ok)
            expect(r.detail.startsWith(`${path} `), `${what}: ${r.detail} should start with ${path}`).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('an object property that is undefined is left out, as JSON.stringify leaves it out; -0 is 0', () => {
    expect(passes(spec, { a: 1, b: undefined })).toBe('{"a":1}');
    expect(passes(spec, [-0])).toBe('[0]');
    expect(passes(spec, Object.assign(Object.create(null) as object, { a: 1 }))).toBe('{"a":1}');
    const shared = { x: 1 };
    expect(passes(spec, [shared, shared])).toBe('[{"x":1},{"x":1}]'); // shared, not circular
  });

  it(`nesting: ${REDSHIFT_LIMITS.superDepth} levels of arrays or objects pass, one more is refused, 100,000 do not overflow the stack`, () => {
    const nest = (depth: number, wrap: (v: unknown) => unknown): unknown => {
      let v: unknown = 1;
      for (let i = 0; i < depth; i++) v = wrap(v);
      return v;
    };
    const inArray = (v: unknown) => [v];
    const inObject = (v: unknown) => ({ a: v });
    expect(passes(spec, nest(SUPER_MAX_DEPTH, inArray))).toBe(`${'['.repeat(1000)}1${']'.repeat(1000)}`);
    expect(passes(spec, nest(SUPER_MAX_DEPTH, inObject))).toMatch(/^\{"a":\{"a":/);
    for (const wrap of [inArray, inObject]) {
      expect(failsWith(spec, nest(SUPER_MAX_DEPTH + 1, wrap))).toBe('super depth');
      expect(failsWith(spec, nest(100_000, wrap))).toBe('super depth');
    }
    const r = superCheck(nest(SUPER_MAX_DEPTH + 1, inArray));
    expect(r).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /^\$\[0\]\[0\]\[0\]\[0\]\[0\]\[0\]…\(988 more levels\)…\[0\]\[0\]\[0\]\[0\]\[0\]\[0\] is nested deeper than 1000 levels/,
      ),
    });
    const circular: unknown[] = [1];
    circular.push({ back: circular });
    expect(superCheck(circular)).toEqual({
      ok: false,
      rule: 'JSON-serializable',
      detail: '$ contains itself at $[1].back (a cycle), which JSON cannot write',
    });
    const inner: Record<string, unknown> = { x: 1 };
    inner.me = { again: [inner] };
    expect(superCheck({ a: inner })).toMatchObject({
      ok: false,
      detail: '$.a contains itself at $.a.me.again[0] (a cycle), which JSON cannot write',
    });
  });
});

describe('VARBYTE', () => {
  it('at most n bytes; Uint8Array or hex text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.uint8Array({ maxLength: 40 }), (n, bytes) => {
        const spec = t.varbyte(n).spec;
        if (bytes.length <= n) expect(passes(spec, bytes)).toEqual(bytes);
        else expect(failsWith(spec, bytes)).toBe('varbyte length');
        if (bytes.length <= n)
          expect(new Uint8Array(passes(spec, Buffer.from(bytes).toString('hex')) as Uint8Array)).toEqual(bytes);
      }),
    );
    const max = t.varbyte(REDSHIFT_LIMITS.varbyteBytes).spec;
    expect((passes(max, new Uint8Array(1_024_000)) as Uint8Array).length).toBe(1_024_000);
    expect(failsWith(max, new Uint8Array(1_024_001))).toBe('varbyte length');
    expect(failsWith(t.varbyte().spec, new Uint8Array(64_001))).toBe('varbyte length');
    expect(failsWith(t.varbyte().spec, 'abc')).toBe('type');
  });
});

// An independent reference for formatting an instant: Date#toISOString.
const isoParts = (d: Date) => {
  const iso = d.toISOString();
  return { day: iso.slice(0, 10), time: `${iso.slice(11, 23)}000` };
};
const FIRST = new Date('0001-01-01T00:00:00.000Z');
const LAST = new Date('9999-12-31T23:59:59.999Z');
const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const daysIn = (y: number, m: number) => {
  const d = new Date(0);
  d.setUTCFullYear(y, m, 0);
  return d.getUTCDate();
};

describe('dates and times', () => {
  it('a Date is an instant: timestamps take its UTC wall time, dates its UTC day, years 1 to 9999', () => {
    fc.assert(
      fc.property(fc.date({ min: FIRST, max: LAST, noInvalidDate: true }), (d) => {
        const { day, time } = isoParts(d);
        expect(passes(t.timestamptz().spec, d)).toBe(`${day} ${time}`);
        expect(passes(t.timestamp().spec, d)).toBe(`${day} ${time}`);
        expect(passes(t.date().spec, d)).toBe(day);
      }),
    );
    expect(failsWith(t.timestamptz().spec, new Date(FIRST.getTime() - 1))).toBe('year range');
    expect(failsWith(t.timestamptz().spec, new Date(LAST.getTime() + 1))).toBe('year range');
    expect(failsWith(t.date().spec, new Date(Number.NaN))).toBe('valid date');
    expect(failsWith(t.timestamptz().spec, 1_764_000_000_000)).toBe('type');
  });

  it('a calendar date string is valid exactly when the day exists (leap years included)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        (y, m, d) => {
          const text = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
          if (m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)) {
            expect(passes(t.date().spec, text)).toBe(text);
            expect(passes(t.timestamp().spec, text)).toBe(`${text} 00:00:00.000000`);
          } else {
            expect(failsWith(t.date().spec, text)).toBe('valid date');
            expect(failsWith(t.timestamp().spec, `${text}T00:00:00Z`)).toBe('valid date');
          }
        },
      ),
    );
    expect(passes(t.date().spec, '2024-02-29')).toBe('2024-02-29');
    expect(failsWith(t.date().spec, '1900-02-29')).toBe('valid date');
    expect(passes(t.date().spec, '2000-02-29')).toBe('2000-02-29');
    expect(failsWith(t.date().spec, '0000-01-01')).toBe('valid date');
    expect(failsWith(t.date().spec, '2026-1-5')).toBe('ISO 8601');
  });

  it('ISO timestamps keep microseconds and convert offsets (up to ±15:59) to UTC', () => {
    const stamp = fc.record({
      y: fc.integer({ min: 1, max: 9999 }),
      m: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
      h: fc.integer({ min: 0, max: 23 }),
      mi: fc.integer({ min: 0, max: 59 }),
      s: fc.integer({ min: 0, max: 59 }),
      micros: fc.integer({ min: 0, max: 999_999 }),
      offset: fc.integer({ min: -(15 * 60 + 59), max: 15 * 60 + 59 }),
      sep: fc.constantFrom('T', ' '),
    });
    fc.assert(
      fc.property(stamp, ({ y, m, d, h, mi, s, micros, offset, sep }) => {
        const abs = Math.abs(offset);
        const text = `${pad(y, 4)}-${pad(m)}-${pad(d)}${sep}${pad(h)}:${pad(mi)}:${pad(s)}.${pad(micros, 6)}${offset < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
        const utc = new Date(0);
        utc.setUTCFullYear(y, m - 1, d);
        utc.setUTCHours(h, mi - offset, s, 0);
        if (utc < FIRST || utc > LAST) return void expect(failsWith(t.timestamptz().spec, text)).toBe('year range');
        const { day, time } = isoParts(utc);
        expect(passes(t.timestamptz().spec, text)).toBe(`${day} ${time.slice(0, 8)}.${pad(micros, 6)}`);
        // without an offset, the wall time written is kept
        const wall = text.slice(0, 26);
        expect(passes(t.timestamp().spec, wall)).toBe(`${wall.slice(0, 10)} ${wall.slice(11)}`);
      }),
    );
    const tz = t.timestamptz().spec;
    expect(passes(tz, '2026-11-24T10:30:00.1234560Z')).toBe('2026-11-24 10:30:00.123456');
    expect(failsWith(tz, '2026-11-24T10:30:00.1234567Z')).toBe('microseconds');
    expect(passes(tz, '2026-11-24T10:30:00+15:59')).toBe('2026-11-23 18:31:00.000000');
    expect(failsWith(tz, '2026-11-24T10:30:00+16:00')).toBe('valid offset');
    expect(failsWith(tz, '2026-11-24T10:30:00-05:60')).toBe('valid offset');
    expect(failsWith(tz, '2026-11-24T24:00:00Z')).toBe('valid time');
    expect(failsWith(tz, '2026-11-24T10:60:00Z')).toBe('valid time');
    expect(failsWith(tz, '24 Nov 2026')).toBe('ISO 8601');
    expect(passes(tz, '2026-11-24T10:30Z')).toBe('2026-11-24 10:30:00.000000');
    expect(passes(tz, '2026-11-24 10:30:00-0530')).toBe('2026-11-24 16:00:00.000000');
  });

  it('TIME and TIMETZ: a valid time of day, microseconds, TIMETZ offsets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 999_999 }),
        (h, mi, s, micros) => {
          const text = `${pad(h)}:${pad(mi)}:${pad(s)}.${pad(micros, 6)}`;
          if (h <= 23 && mi <= 59 && s <= 59) {
            expect(passes(t.time().spec, text)).toBe(text);
            expect(passes(t.timetz().spec, `${text}-03:30`)).toBe(`${text}-03:30`);
          } else {
            expect(failsWith(t.time().spec, text)).toBe('valid time');
          }
        },
      ),
    );
    expect(passes(t.timetz().spec, '10:00')).toBe('10:00:00.000000+00:00');
    expect(passes(t.timetz().spec, '10:00:00Z')).toBe('10:00:00.000000+00:00');
    expect(failsWith(t.time().spec, '10:00:00+02')).toBe('no time zone');
    expect(failsWith(t.timetz().spec, '10:00:00+16')).toBe('valid offset');
    expect(failsWith(t.time().spec, new Date())).toBe('type');
  });
});

describe('intervals', () => {
  it('a conservative subset of what both warehouses read (postgres.test.ts checks it against the server)', () => {
    const spec = t.intervalDayToSecond().spec;
    for (const ok of [
      '1 year 2 months',
      '3 days 04:05:06.5',
      '3 04:05:06',
      '1-2 3 days',
      'P1Y2M3DT4H5M6.5S',
      '90 mins',
      '100',
      '1 week 1 day',
      '@ 1 year ago',
      '0us 0.00secs',
      '0.5ms 1s',
    ]) {
      expect(passes(spec, ` ${ok} `)).toBe(ok);
    }
    for (const bad of [
      'abc',
      '1 day 1 d',
      '5 1 day',
      '1 hour 01:00:00',
      '01:00 02:00',
      '-.5 days',
      'P',
      '1 year; drop table x',
      // seconds with a fraction claim milliseconds and microseconds too (Postgres refuses these)
      '0.00us 0.01secs',
      '0.5 s 1 ms',
      '',
    ]) {
      expect(failsWith(spec, bad)).toBe('interval');
    }
  });
});

describe('the row validator fast path (columnFastPath)', () => {
  const specs: ColumnSpec[] = [
    t.smallint().spec,
    t.integer().spec,
    t.bigint().spec,
    t.real().spec,
    t.double().spec,
    t.boolean().spec,
    t.decimal(12, 2).spec,
    t.decimal(5, 0).spec,
    t.decimal(38, 38).spec,
    t.varchar(9).spec,
    t.varchar(64).spec,
    t.timestamp().spec,
    t.timestamptz().spec,
  ];
  const values = fc.oneof(
    fc.anything(),
    fc.integer(),
    fc.double(),
    fc.float(),
    fc.constantFrom(-0, 32767, 32768, -2147483648, 2147483648, Number.MAX_SAFE_INTEGER, 16777217, 2 ** 128 - 2 ** 103),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.constantFrom(
      '-0',
      '-0.00',
      '007',
      '1.5',
      '123456789012.34',
      '12.345',
      '\u0000',
      '\uD800',
      'ééé',
      '1e-400',
      '2e-324',
      '1e400',
      '16777217',
    ),
    fc.date({ noInvalidDate: false, min: new Date(-62_200_000_000_000), max: new Date(253_500_000_000_000) }),
  );

  it('agrees with the full check wherever it answers', () => {
    const pairs = specs.map((spec) => ({ spec, fast: columnFastPath(spec)!, full: columnChecker(spec) }));
    fc.assert(
      fc.property(values, (v) => {
        for (const { fast, full } of pairs) {
          const quick = fast(v);
          if (quick === undefined) continue;
          const r = full(v);
          expect(r.ok).toBe(true);
          expect(Object.is(r.ok && r.value, quick)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('answers for the common shapes (so it is really taken)', () => {
    const fast = (spec: ColumnSpec, v: unknown) => columnFastPath(spec)!(v);
    expect(fast(t.bigint().spec, 5n)).toBe(5n);
    expect(fast(t.decimal(12, 2).spec, '10.25')).toBe('10.25');
    expect(fast(t.varchar(64).spec, 'candy')).toBe('candy');
    expect(fast(t.timestamptz().spec, new Date(Date.UTC(2026, 10, 24, 10, 30, 0, 123)))).toBe(
      '2026-11-24 10:30:00.123000',
    );
    expect(fast(t.timestamptz().spec, new Date(Date.UTC(10000, 0, 1)))).toBeUndefined(); // out of range: the full check says why
    expect(fast(t.integer().spec, -0)).toBeUndefined();
    expect(fast(t.real().spec, 1.5)).toBe(1.5);
    expect(fast(t.real().spec, 16777217)).toBeUndefined(); // not a float4: the full check rounds it
  });
});
