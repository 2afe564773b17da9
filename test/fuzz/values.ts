// Hostile values for every column type of the model (t.* in src/model/columns.ts): hand-picked
// edge cases (overflow, underflow, NaN, -0, too many digits or decimals, impossible dates, text
// over a byte limit, NUL, lone surrogates, Map / Set / typed arrays / cycles / deep nesting in
// SUPER, wrong JS types) plus fast-check samples from a fixed seed, so every run tries the same
// values. Each type also says how the server reads a value back and how to spell an accepted
// value as a literal for the server's own cast (the independent expectation).
/* eslint-disable @typescript-eslint/no-base-to-string -- hostile values are spelled as String() spells them, on purpose */
import fc from 'fast-check';
import { t } from '../../src/index.js';
import type { AnyColumn } from '../../src/model/index.js';

export const FUZZ_SEED = 14;
const sample = <T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] =>
  fc.sample(arb, { seed: FUZZ_SEED * 1000 + salt, numRuns: n });

export interface FuzzType {
  name: string;
  column: AnyColumn;
  /** The Postgres type the literal is cast to (the Postgres dialect's type of the column). */
  pgType: string;
  /** How a value is read back as text, `$` standing for it. */
  read: string;
  values: unknown[];
  /** The literal for an accepted value, and the cast chain the server reads it with (null: NULL). */
  literal?: (v: unknown) => { text: string; via: string } | null;
  /** Both sides, read back, compared in this form (as the type defines equality). */
  canon?: (read: string) => string;
  /** What the stored text must be, computed in JS from the input (catches a cast that changes it too). */
  exact?: (v: unknown) => string | undefined;
  /** A second check on the literal: the cast kept its value (e.g. numeric(p,s) did not round). */
  keeps?: string;
  /** The type's documented rounding (REAL to float4): counted apart, as "stored as the type defines". */
  rounds?: (v: unknown, stored: string) => boolean;
}

/** Values that are no type's value, or wrongly typed for most: given to every column. */
export function wrongTypes(): unknown[] {
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  return [
    null,
    undefined,
    {},
    [],
    [1],
    () => 1,
    Symbol('s'),
    new Map([['a', 1]]),
    new Set([1]),
    new Date(NaN),
    new Uint8Array([1, 2]),
    true,
    false,
    0n,
    NaN,
    Infinity,
    -Infinity,
    -0,
    '',
    ' ',
    '\u0000',
    Object.create(null) as object,
    new Number(5),
    new String('a'),
    { toString: () => '5' },
    { valueOf: () => 5 },
    new Boolean(false),
    new ArrayBuffer(2),
    /re/,
    new Error('x'),
    cycle,
    'NULL',
    '\\N',
  ];
}

const utf8Hex = `encode(convert_to($::text, 'UTF8'), 'hex')`;
const fromHex = (h: string) => Buffer.from(h, 'hex').toString('utf8');
const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** Strings that are hard for text: NUL, lone surrogates, BOM, multi-byte, spaces, line ends. */
const nasty = [
  '',
  ' ',
  'a ',
  ' a',
  'abcd',
  'abcde',
  'abcdefgh',
  'abcdefghi',
  'é',
  'éééé',
  'ééééé',
  '€€',
  '€€€',
  '😀',
  '😀😀',
  '😀😀😀',
  '\uFEFF',
  '\uFEFFabc',
  '\u2028',
  'a\u0000b',
  '\u0000',
  '\uD800',
  'a\uDC00',
  '\uDBFF\uDFFF',
  '\uDFFF\uDBFF',
  '\r\n',
  '\t',
  '\\N',
  '"',
  "'",
  '\\',
  'NULL',
  '\u00a0',
  'ß',
  '\u0301',
  'e\u0301',
  '\u0085',
  '\u007f',
  '\u0001',
  'x'.repeat(64),
];
const textArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary-ascii', maxLength: 10 }),
  fc.string({ unit: fc.constantFrom('a', ' ', 'é', '€', '😀', '\u0000', '\uD800', '\n'), maxLength: 9 }),
);

function textType(name: string, column: AnyColumn, pgType: string, char: boolean, extra: unknown[] = []): FuzzType {
  return {
    name,
    column,
    pgType,
    read: utf8Hex,
    values: [...nasty, ...extra, ...sample(textArb, 90, name.length), ...wrongTypes()],
    canon: fromHex,
    // CHAR compares and prints without trailing blanks (padding is not part of the value).
    exact: (v) => (typeof v === 'string' ? (char ? v.replace(/ +$/, '') : v) : undefined),
  };
}

const intStrings = [
  '1',
  ' 1 ',
  '+1',
  '-1',
  '1.0',
  '1.5',
  '1e3',
  '1E3',
  '0x10',
  '0b1',
  '0o7',
  '1_000',
  '١٢',
  '--1',
  '+-1',
  '1 2',
  '',
  '.',
  '-',
  '00012',
  '-0',
  '0.0000001',
  '9'.repeat(30),
];
function intType(name: string, column: AnyColumn, pgType: string, min: bigint, max: bigint): FuzzType {
  const edges = [min, max, min - 1n, max + 1n, min * 2n, max * 2n];
  return {
    name,
    column,
    pgType,
    read: '$::text',
    // Integer text in any spelling of a whole number ('1.0', '1e3') is the number it spells:
    // Postgres's integer input refuses those spellings, its numeric input reads them, and the
    // value must survive the cast to the integer type unrounded.
    literal: (v) =>
      v === null || v === undefined
        ? null
        : { text: typeof v === 'string' ? v : Object.is(v, -0) ? '0' : String(v), via: `numeric::${pgType}` },
    keeps: `(%L::numeric = trunc(%L::numeric))`,
    values: [
      ...edges.flatMap((b) => [b, String(b), Number(b)]),
      0,
      -0,
      1.5,
      -1.5,
      0.1,
      2 ** 53,
      2 ** 53 + 2,
      -(2 ** 53),
      1e21,
      1e308,
      5e-324,
      Number.MAX_SAFE_INTEGER,
      ...intStrings,
      ...sample(fc.integer(), 30, 1),
      ...sample(fc.bigInt({ min: min * 4n, max: max * 4n }), 25, 2),
      ...sample(fc.double(), 15, 3),
      ...sample(
        fc.bigInt({ min: min * 4n, max: max * 4n }).map((b) => String(b)),
        20,
        4,
      ),
      ...wrongTypes(),
    ],
  };
}

const decimalStrings = [
  '0',
  '0.00',
  '-0',
  '-0.00',
  '-0.001',
  '0.001',
  '0.005',
  '0.010',
  '12345678.99',
  '123456789.99',
  '99999999.99',
  '99999999.995',
  '-99999999.99',
  '100000000',
  '1.234',
  '1.230',
  '1.2300000000000000000000000000001',
  '+1.5',
  '.5',
  '5.',
  '1e2',
  '1E-2',
  ' 1.5 ',
  '1,5',
  '1.5.5',
  'NaN',
  'Infinity',
  '-Infinity',
  '0x1',
  '١.٥',
  '1_000.00',
  '00000000000000000001.50',
  '0.' + '0'.repeat(40) + '1',
  '9'.repeat(40),
];
const decimalArb = fc
  .record({
    sign: fc.constantFrom('', '-', '+'),
    int: fc.stringMatching(/^[0-9]{0,11}$/),
    frac: fc.option(fc.stringMatching(/^[0-9]{0,4}$/)),
  })
  .map(({ sign, int, frac }) => `${sign}${int}${frac === null ? '' : `.${frac}`}`);

const floatStrings = [
  '1e-400',
  '-1e-400',
  '2e-324',
  '3e-324',
  '5e-324',
  '4.9e-324',
  '1e-46',
  '1e-45',
  '1.4e-45',
  '7e-46',
  '1.1754943508222875e-38',
  '3.4028235e38',
  '3.4028236e38',
  '3.4028235677973366e38',
  '3.40282357e38',
  '1e39',
  '1.7976931348623157e308',
  '1.7976931348623159e308',
  '1e309',
  '16777217',
  '16777216',
  '0.1',
  '-0',
  '-0.0',
  '0e5',
  '0e-999',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  'inf',
  '+inf',
  'infinity',
  '0x1p3',
  '1.',
  '.5',
  ' 1 ',
  '1e',
  'e1',
  '1e+',
  '+.5e-3',
  '1_0',
  '1,5',
  '9'.repeat(400),
  '0.' + '0'.repeat(400) + '1',
];
function floatType(name: string, column: AnyColumn, pgType: string, real: boolean): FuzzType {
  return {
    name,
    column,
    pgType,
    read: '$::text',
    values: [
      ...floatStrings,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      3.4028235e38,
      3.4028236e38,
      1.2e-38,
      1e-46,
      16777217,
      0.1,
      -0,
      2 ** 53 + 1,
      ...sample(fc.double(), 60, 5),
      ...sample(fc.float(), 30, 6),
      ...sample(
        fc.double().map((d) => String(d)),
        30,
        7,
      ),
      ...wrongTypes(),
    ],
    literal: (v) =>
      typeof v === 'number'
        ? { text: Object.is(v, -0) ? '-0' : String(v), via: real ? 'float8::real' : 'float8' }
        : typeof v === 'string'
          ? { text: v, via: pgType }
          : null,
    ...(real
      ? {
          // REAL is float4: a value rounds to the nearest float4 (16777217 -> 16777216), as the type defines.
          rounds: (v: unknown, stored: string) => typeof v !== 'string' || Number(stored) !== Number(v),
        }
      : {}),
  };
}

const dateStrings = [
  '2024-02-29',
  '2023-02-29',
  '1900-02-29',
  '2000-02-29',
  '2100-02-29',
  '2023-04-31',
  '2023-13-01',
  '2023-00-10',
  '2023-01-00',
  '2023-01-32',
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '10000-01-01',
  '4713-01-01 BC',
  '294276-12-31',
  '294277-01-01',
  '-0001-01-01',
  'infinity',
  '-infinity',
  'epoch',
  '2023-1-5',
  '20230105',
  '01/05/2023',
  '2023-01-05T00:00:00',
  '2023-01-05T10:00:00Z',
  '2023-01-05 ',
  ' 2023-01-05',
  '2023-01-05Z',
  '２０２３-01-05',
  '1582-10-10',
];
const ymdArb = fc
  .record({
    y: fc.integer({ min: 0, max: 10001 }),
    m: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
  })
  .map(({ y, m, d }) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`);
const dateObjects = (): Date[] => [
  new Date(Date.UTC(2024, 1, 29)),
  new Date(Date.UTC(2024, 1, 29, 23, 59, 59, 999)),
  new Date(-62135596800000),
  new Date(-62135596800001),
  new Date(253402300799999),
  new Date(253402300800000),
  new Date(8.64e15),
  new Date(-8.64e15),
  new Date(0),
  new Date(-1),
];
const clockArb = fc
  .record({
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 61 }),
    s: fc.integer({ min: 0, max: 61 }),
    f: fc.option(fc.stringMatching(/^[0-9]{1,8}$/)),
  })
  .map(({ h, mi, s, f }) => `${pad(h)}:${pad(mi)}:${pad(s)}${f === null ? '' : `.${f}`}`);
const offsetArb = fc
  .record({ sign: fc.constantFrom('+', '-'), h: fc.integer({ min: 0, max: 17 }), m: fc.integer({ min: 0, max: 61 }) })
  .map(({ sign, h, m }) => `${sign}${pad(h)}:${pad(m)}`);
const timeStrings = [
  '00:00:00',
  '23:59:59.999999',
  '23:59:59.9999995',
  '23:59:59.9999994',
  '24:00:00',
  '24:00:01',
  '23:59:60',
  '25:00:00',
  '12:60:00',
  '12:00',
  '1:02:03',
  '12:00:00.1234567',
  '12:00:00.1234560',
  '12:00:00.',
  'allballs',
  'now',
  '12:00:00 PM',
  '12:00:00Z',
  '12:00:00+02',
  '12:00:00+02:00',
  '12:00:00-15:59',
  '12:00:00+16:00',
  '12:00:00+15:60',
  '12:00:00+0530',
  '12:00:00 +05:30',
  '12:00:00 America/New_York',
  '',
  ' 12:00:00',
];
const stampStrings = [
  '2024-02-29 12:00:00',
  '2023-02-29 12:00:00',
  '2023-01-01T24:00:00',
  '2023-01-01 23:59:60',
  '2023-12-31T23:59:59.9999995Z',
  '2023-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59.999999Z',
  '9999-12-31T23:59:59.999999-01:00',
  '0001-01-01T00:00:00Z',
  '0001-01-01T00:30:00+01:00',
  '0000-12-31T23:00:00Z',
  '2023-06-01T12:00:00+15:59',
  '2023-06-01T12:00:00+16:00',
  '2023-06-01T12:00:00-00:00',
  '2023-06-01T12:00:00+0530',
  '2023-06-01T12:00:00+05',
  '2023-06-01T12:00:00 +05:30',
  '2023-06-01 12:00:00 UTC',
  '2023-06-01 12:00:00 PST',
  '2023-06-01T12:00:00.123456789Z',
  '2023-06-01T12:00:00.123456000Z',
  '2023-06-01T12:00',
  '2023-06-01T12',
  '2023-06-01',
  'infinity',
  'epoch',
  '2023-06-01T12:00:00z',
  '4713-01-01 00:00:00 BC',
  '20230601T120000Z',
];

function temporalType(
  name: string,
  column: AnyColumn,
  pgType: string,
  read: string,
  values: unknown[],
  convertsToUtc: boolean,
): FuzzType {
  return {
    name,
    column,
    pgType,
    read,
    values: [...values, ...wrongTypes()],
    literal: (v) => {
      if (v === null || v === undefined) return null;
      const text = v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : String(v);
      // README ("Dates and times"): a TIMESTAMP given an instant (a Date, or text with an offset)
      // stores its UTC wall time; Postgres's own timestamp input would drop the offset instead.
      if (convertsToUtc && /\d[T ]?\d\d:\d\d(:\d\d(\.\d*)?)?\s?(Z|z|[+-]\d\d(:?\d\d)?)$/.test(text.trim()))
        return { text, via: 'timestamptz::timestamp' };
      return { text, via: pgType };
    },
  };
}

const intervalStrings = [
  '1 year',
  '1 year 2 months',
  '14 months',
  '-1 year',
  '1-2',
  '1 day',
  '24 hours',
  '1 day 24 hours',
  '3 days 04:05:06.5',
  '04:05:06',
  '100:00:00',
  '10:60:00',
  '1.5 years',
  '0.5 months',
  '1 year 1 year',
  'P1Y2M',
  'P1Y2M3DT4H5M6S',
  'P1.5D',
  'PT1.5S',
  'PT',
  'P',
  '1 fortnight',
  '1 decade',
  '178000000 years',
  '2147483648 months',
  '2147483647 days',
  '9223372036854775807 microseconds',
  '1 week',
  '@ 1 day ago',
  '1 day ago',
  '',
  ' ',
  '1',
  '1.5',
  '-1 day +2 hours',
  '1 day -00:00:01',
  '0.000001 seconds',
  '0.0000001 seconds',
  '5.h',
  '1 mon',
  '1 y',
  'infinity',
];
const intervalArb = fc
  .array(
    fc.record({
      n: fc.oneof(
        fc.integer({ min: -5000, max: 5000 }).map(String),
        fc.double({ min: -100, max: 100, noNaN: true }).map(String),
      ),
      u: fc.constantFrom(
        'years',
        'mons',
        'months',
        'days',
        'd',
        'hours',
        'h',
        'mins',
        'seconds',
        'ms',
        'us',
        'weeks',
        'x',
      ),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .map((parts) => parts.map((p) => `${p.n} ${p.u}`).join(' '));

/** SUPER values: plain JSON, and what JSON.stringify would change or COPY would refuse. */
function superValues(): unknown[] {
  const deep = (n: number, arr: boolean): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = arr ? [v] : { a: v };
    return v;
  };
  const cyc: unknown[] = [];
  cyc.push(cyc);
  const sparse: unknown[] = [];
  sparse[3] = 1;
  class Point {
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
  }
  const withToJSON = { toJSON: () => 'x' };
  const getter = Object.defineProperty({}, 'g', { get: () => 1, enumerable: true });
  return [
    null,
    1,
    -0,
    1.5,
    1e308,
    5e-324,
    'text',
    '',
    true,
    [],
    {},
    { a: [1, { b: null }] },
    [null, 'x', 2],
    { '': 1 },
    { 'a.b': 1, 'a b': 2 },
    { ['\u00e9']: '\u00e9' },
    { emoji: '😀' },
    { bom: '\uFEFF' },
    new Map([['a', 1]]),
    new Set([1]),
    { m: new Map() },
    [new Set()],
    new Uint8Array([1, 2]),
    new Float64Array([1.5]),
    { b: Buffer.from('hi') },
    new ArrayBuffer(4),
    new DataView(new ArrayBuffer(2)),
    new Date(0),
    { d: new Date(0) },
    { n: NaN },
    [Infinity],
    { u: undefined },
    [undefined],
    [() => 1],
    { f: () => 1 },
    { s: Symbol('x') },
    { big: 1n },
    10n,
    { nul: 'a\u0000b' },
    { ['k\u0000']: 1 },
    { lone: '\uD800' },
    ['\uDC00x'],
    { ['\uD83D']: 1 },
    cyc,
    sparse,
    new Point(1, 2),
    withToJSON,
    getter,
    Object.create(null) as object,
    Object.assign(Object.create(null) as object, { a: 1 }),
    deep(999, true),
    deep(1000, false),
    deep(1001, true),
    deep(5000, false),
    deep(100_000, true),
    { long: 'x'.repeat(1000) },
    /re/,
    new Error('e'),
    new Number(1),
    new String('s'),
    ...sample(fc.jsonValue({ maxDepth: 3 }), 60, 8),
    ...sample(
      fc.anything({
        maxDepth: 2,
        withMap: true,
        withSet: true,
        withBigInt: true,
        withDate: true,
        withTypedArray: true,
        withNullPrototype: true,
        withSparseArray: true,
        withBoxedValues: true,
        withObjectString: true,
      }),
      40,
      9,
    ),
    ...sample(
      fc.string({ unit: 'binary', maxLength: 6 }).map((s) => ({ s })),
      20,
      10,
    ),
  ];
}

const hexArb = fc.oneof(
  fc.uint8Array({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b).toString('hex')),
  fc.stringMatching(/^[0-9a-fA-FxXgG ]{0,9}$/),
);

export function fuzzTypes(): FuzzType[] {
  const types: FuzzType[] = [
    intType('smallint', t.smallint(), 'smallint', -32768n, 32767n),
    intType('integer', t.integer(), 'integer', -2147483648n, 2147483647n),
    intType('bigint', t.bigint(), 'bigint', -(2n ** 63n), 2n ** 63n - 1n),
    {
      name: 'decimal(10,2)',
      column: t.decimal(10, 2),
      pgType: 'numeric(10,2)',
      read: '$::text',
      values: [
        ...decimalStrings,
        0.1,
        0.005,
        1e-7,
        1e21,
        123456.78,
        99999999.99,
        99999999.995,
        -0,
        0.1 + 0.2,
        // eslint-disable-next-line no-loss-of-precision -- a JS number with more digits than it holds, on purpose
        12345678901234567890,
        123n,
        12345678901n,
        ...sample(decimalArb, 70, 11),
        ...sample(fc.double({ min: -1e9, max: 1e9, noNaN: true }), 20, 12),
        ...wrongTypes(),
      ],
      literal: (v) =>
        v === null || v === undefined ? null : { text: typeof v === 'string' ? v : String(v), via: 'numeric(10,2)' },
      keeps: `(%L::numeric = %L::numeric(10,2))`,
    },
    {
      name: 'decimal(38,0)',
      column: t.decimal(38, 0),
      pgType: 'numeric(38,0)',
      read: '$::text',
      values: [
        '9'.repeat(38),
        '-' + '9'.repeat(38),
        '1' + '0'.repeat(38),
        '0.4',
        '0.5',
        '1.0',
        '1.00000',
        2n ** 127n,
        -(2n ** 127n),
        10n ** 38n,
        1e15,
        1e16,
        2 ** 60,
        ...sample(fc.bigInt({ min: -(10n ** 39n), max: 10n ** 39n }), 30, 13),
        ...sample(fc.bigInt({ min: -(10n ** 39n), max: 10n ** 39n }).map(String), 30, 14),
        ...wrongTypes(),
      ],
      literal: (v) =>
        v === null || v === undefined ? null : { text: typeof v === 'string' ? v : String(v), via: 'numeric(38,0)' },
      keeps: `(%L::numeric = %L::numeric(38,0))`,
    },
    floatType('real', t.real(), 'real', true),
    floatType('double', t.double(), 'double precision', false),
    {
      name: 'boolean',
      column: t.boolean(),
      pgType: 'boolean',
      read: '$::text',
      values: [
        ...[
          'true',
          'false',
          't',
          'f',
          'yes',
          'no',
          'y',
          'n',
          '1',
          '0',
          'on',
          'off',
          'TRUE',
          ' t ',
          'Yes',
          '2',
          '-1',
          'tru',
          'ye',
          'oui',
          '١',
        ],
        1,
        0,
        2,
        -1,
        0.5,
        1n,
        ...sample(fc.oneof(fc.boolean(), fc.string({ maxLength: 4 }), fc.integer({ min: -2, max: 2 })), 60, 15),
        ...wrongTypes(),
      ],
      literal: (v) =>
        v === null || v === undefined
          ? null
          : { text: typeof v === 'string' ? v : String(v === 1 ? true : v === 0 ? false : v), via: 'boolean' },
    },
    textType('char(4)', t.char(4), 'char(4)', true, ['abcd ', 'ab  ', '    ', '     ']),
    textType('varchar(8)', t.varchar(8), 'varchar(8)', false, ['éééé', 'ééééa', '€€a', '€€ab', '😀😀', '😀😀a']),
    textType('varchar(max)', t.varchar('max'), 'varchar(65535)', false, [
      'x'.repeat(65535),
      'x'.repeat(65536),
      'é'.repeat(32767) + 'x',
      'é'.repeat(32768),
      '😀'.repeat(16383) + 'xyz',
      '😀'.repeat(16384),
    ]),
    temporalType(
      'date',
      t.date(),
      'date',
      '$::text',
      [...dateStrings, ...dateObjects(), ...sample(ymdArb, 60, 16), ...sample(fc.date(), 20, 17)],
      false,
    ),
    temporalType('time', t.time(), 'time', '$::text', [...timeStrings, ...sample(clockArb, 70, 18)], false),
    temporalType(
      'timetz',
      t.timetz(),
      'timetz',
      '$::text',
      [
        ...timeStrings,
        ...sample(
          fc.tuple(clockArb, offsetArb).map(([c, o]) => c + o),
          70,
          19,
        ),
      ],
      false,
    ),
    temporalType(
      'timestamp',
      t.timestamp(),
      'timestamp',
      '$::text',
      [
        ...stampStrings,
        ...dateObjects(),
        ...sample(
          fc.tuple(ymdArb, clockArb, fc.option(offsetArb)).map(([d, c, o]) => `${d}T${c}${o ?? ''}`),
          60,
          20,
        ),
        ...sample(fc.date(), 10, 21),
      ],
      true,
    ),
    temporalType(
      'timestamptz',
      t.timestamptz(),
      'timestamptz',
      `($ at time zone 'UTC')::text`,
      [
        ...stampStrings,
        ...dateObjects(),
        ...sample(
          fc.tuple(ymdArb, clockArb, fc.option(offsetArb)).map(([d, c, o]) => `${d}T${c}${o ?? ''}`),
          60,
          22,
        ),
        ...sample(fc.date(), 10, 23),
      ],
      false,
    ),
    {
      name: 'interval year to month',
      column: t.intervalYearToMonth(),
      pgType: 'interval year to month',
      read: '$::text',
      values: [...intervalStrings, ...sample(intervalArb, 60, 24), ...wrongTypes()],
    },
    {
      name: 'interval day to second',
      column: t.intervalDayToSecond(),
      pgType: 'interval day to second',
      read: '$::text',
      values: [...intervalStrings, ...sample(intervalArb, 60, 25), ...wrongTypes()],
    },
    {
      name: 'super',
      column: t.super(),
      pgType: 'jsonb',
      read: '$::text',
      values: [...superValues(), ...wrongTypes()],
      literal: (v) => (v === null || v === undefined ? null : { text: JSON.stringify(v), via: 'jsonb' }),
      // Compared as JSON values: key order and spacing are not part of a SUPER value.
      canon: (text) => JSON.stringify(sortKeys(JSON.parse(text))),
      exact: (v) =>
        v === null || v === undefined ? undefined : JSON.stringify(sortKeys(JSON.parse(JSON.stringify(v)))),
    },
    {
      name: 'varbyte(16)',
      column: t.varbyte(16),
      pgType: 'bytea',
      read: `encode($, 'hex')`,
      values: [
        new Uint8Array(0),
        new Uint8Array(16),
        new Uint8Array(17),
        Buffer.from('hello'),
        new Uint16Array([1]),
        new Int8Array([-1]),
        new Uint8ClampedArray([255]),
        new DataView(new ArrayBuffer(2)),
        new ArrayBuffer(3),
        [1, 2],
        'abc',
        'ab',
        'AB',
        '0x41',
        '\\x41',
        '41 42',
        'zz',
        '00'.repeat(16),
        '00'.repeat(17),
        ...sample(hexArb, 80, 26),
        ...wrongTypes(),
      ],
      literal: (v) => {
        if (v === null || v === undefined) return null;
        if (v instanceof Uint8Array) return { text: `\\x${Buffer.from(v).toString('hex')}`, via: 'bytea' };
        return { text: `\\x${String(v)}`, via: 'bytea' };
      },
      exact: (v) =>
        v instanceof Uint8Array
          ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')
          : typeof v === 'string'
            ? v.toLowerCase()
            : undefined,
    },
    {
      name: 'geometry',
      column: t.geometry(),
      pgType: 'text',
      read: utf8Hex,
      values: [
        '0101000000000000000000F03F000000000000F03F',
        '0101000000000000000000f03f000000000000f03f',
        'POINT(1 1)',
        'SRID=4326;POINT(1 1)',
        '010',
        'zz',
        ...sample(hexArb, 50, 27),
        ...wrongTypes(),
      ],
      // Hex EWKB is case-insensitive; Redshift prints it in upper case.
      canon: (h) => fromHex(h).toUpperCase(),
    },
    {
      name: 'geography',
      column: t.geography(),
      pgType: 'text',
      read: utf8Hex,
      values: [
        '0101000000000000000000F03F000000000000F03F',
        'POINT(1 1)',
        '0',
        ...sample(hexArb, 40, 28),
        ...wrongTypes(),
      ],
      canon: (h) => fromHex(h).toUpperCase(),
    },
    {
      name: 'hllsketch',
      column: t.hllsketch(),
      pgType: 'text',
      read: utf8Hex,
      values: [...nasty, ...sample(textArb, 40, 29), ...wrongTypes()],
      canon: fromHex,
      exact: (v) => (typeof v === 'string' ? v : undefined),
    },
  ];
  return types;
}

export const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : typeof v === 'object' && v !== null
      ? Object.fromEntries(
          Object.entries(v)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, x]) => [k, sortKeys(x)]),
        )
      : v;
