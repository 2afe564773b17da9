// Parsing and normalizing dates and times into the exact text COPY reads on both warehouses.
// A Date is an instant: TIMESTAMPTZ stores it in UTC; TIMESTAMP stores its UTC wall time.
// An ISO string keeps up to microseconds (a Date only has milliseconds).

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

// 'YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+00:00]': UTC with at most microseconds, parsed without captures.
const FAST_UTC = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:[Zz]|[+-]00(?::?00)?)?$/;
const digits = (s: string, at: number, n: number): number => {
  let v = 0;
  for (let i = at; i < at + n; i++) v = v * 10 + s.charCodeAt(i) - 48;
  return v;
};

export type Parsed<T> = { ok: true; value: T } | { ok: false; rule: string; detail: string };
const fail = (rule: string, detail: string): { ok: false; rule: string; detail: string } => ({
  ok: false,
  rule,
  detail,
});

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (y: number, m: number): number => (m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!);

/** Minutes east of UTC, or undefined when the offset is not a real one (hours 0-15, minutes 0-59). */
function offsetMinutes(tz: string | undefined): number | undefined {
  if (!tz || tz === 'Z' || tz === 'z') return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  const h = Number(digits.slice(0, 2));
  const m = Number(digits.slice(2) || '0');
  if (h > 15 || m > 59) return undefined;
  return sign * (h * 60 + m);
}
const BAD_OFFSET = 'has a time zone offset outside -15:59 to +15:59';

function fraction(digits: string | undefined): Parsed<string> {
  if (!digits) return { ok: true, value: '000000' };
  if (digits.length > 6) {
    if (/^0*$/.test(digits.slice(6))) return { ok: true, value: digits.slice(0, 6) };
    return fail('microseconds', `has ${digits.length} fractional digits: Redshift keeps microseconds (6)`);
  }
  return { ok: true, value: digits.padEnd(6, '0') };
}

// 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the instants whose UTC year is 1 to 9999.
const MIN_MS = -62135596800000;
const END_MS = 253402300800000;

const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
// Date#toISOString costs ~0.8 µs here, more than the rest of a row's validation: format the
// fields by arithmetic instead, and remember the last calendar day (loads are mostly clustered).
let lastDay = NaN;
let lastDayText = '';

/** 'YYYY-MM-DD' and 'HH:MM:SS.ffffff' of an instant in UTC, years 1 to 9999. */
function fromDate(d: Date): Parsed<{ day: string; time: string }> {
  const text = timestampText(d);
  if (text !== undefined) return { ok: true, value: { day: text.slice(0, 10), time: text.slice(11) } };
  if (Number.isNaN(d.getTime())) return fail('valid date', 'is an Invalid Date');
  return fail('year range', `has year ${d.getUTCFullYear()}: upshift accepts years 1 to 9999`);
}

function checkClock(h: number, mi: number, s: number): Parsed<null> {
  if (h > 23 || mi > 59 || s > 59)
    return fail('valid time', `is not a valid time of day (hour 0-23, minute 0-59, second 0-59)`);
  return { ok: true, value: null };
}

/**
 * A Date's 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC, or undefined when it is invalid or outside years
 * 1 to 9999. No intermediate objects: this is the row validator's fast path for Dates.
 */
export function timestampText(d: Date): string | undefined {
  const ms = d.getTime();
  if (!(ms >= MIN_MS && ms < END_MS)) return undefined; // also NaN
  const day = Math.floor(ms / DAY_MS);
  const rem = ms - day * DAY_MS;
  if (day !== lastDay) {
    const y = d.getUTCFullYear();
    lastDayText = `${y < 1000 ? String(y).padStart(4, '0') : y}-${TWO[d.getUTCMonth() + 1]}-${TWO[d.getUTCDate()]}`;
    lastDay = day;
  }
  return `${lastDayText} ${TWO[Math.floor(rem / 3_600_000)]}:${TWO[Math.floor(rem / 60_000) % 60]}:${TWO[Math.floor(rem / 1000) % 60]}.${THREE[rem % 1000]}000`;
}

/**
 * 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC wall time. A Date is an instant (its UTC time); an ISO
 * string with an offset is converted to UTC; one without is taken as the wall time written.
 */
export function normalizeTimestamp(input: unknown): Parsed<string> {
  if (input instanceof Date) {
    const text = timestampText(input);
    if (text !== undefined) return { ok: true, value: text };
    const r = fromDate(input); // invalid or out of range: fromDate names the rule
    return r.ok ? { ok: true, value: `${r.value.day} ${r.value.time}` } : r;
  }
  if (typeof input !== 'string') return fail('type', 'is not a Date or an ISO 8601 string');
  if (FAST_UTC.test(input)) {
    // The common shape, in UTC: check the fields in place, no captures, no Number().
    const y = digits(input, 0, 4),
      mo = digits(input, 5, 2),
      d = digits(input, 8, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo))
      return fail('valid date', 'is not a real calendar date');
    const clock = checkClock(digits(input, 11, 2), digits(input, 14, 2), digits(input, 17, 2));
    if (!clock.ok) return clock;
    let end = 20;
    while (end < input.length && input.charCodeAt(end) >= 48 && input.charCodeAt(end) <= 57) end++;
    const micros = input.charCodeAt(19) === 46 ? input.slice(20, end).padEnd(6, '0') : '000000';
    return { ok: true, value: `${input.slice(0, 10)} ${input.slice(11, 19)}.${micros}` };
  }
  const m = ISO.exec(input.trim());
  if (!m) return fail('ISO 8601', 'is not an ISO 8601 date-time like 2026-11-24T10:30:00.123456Z');
  const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', fs, tz] = m;
  const y = Number(ys),
    mo = Number(mos),
    d = Number(ds),
    h = Number(hs),
    mi = Number(mis),
    s = Number(ss);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo))
    return fail('valid date', 'is not a real calendar date');
  const clock = checkClock(h, mi, s);
  if (!clock.ok) return clock;
  const frac = fraction(fs);
  if (!frac.ok) return frac;
  const off = offsetMinutes(tz);
  if (off === undefined) return fail('valid offset', BAD_OFFSET);
  if (off === 0) return { ok: true, value: `${ys}-${mos}-${ds} ${pad(h)}:${pad(mi)}:${pad(s)}.${frac.value}` };
  // setUTCFullYear/Hours (not Date.UTC) so years below 100 stay literal; minutes overflow normalizes.
  const shifted = new Date(0);
  shifted.setUTCFullYear(y, mo - 1, d);
  shifted.setUTCHours(h, mi - off, s, 0);
  const r = fromDate(shifted);
  if (!r.ok) return r;
  return { ok: true, value: `${r.value.day} ${r.value.time.slice(0, 8)}.${frac.value}` };
}

/** 'YYYY-MM-DD'. A Date gives its UTC calendar day. */
export function normalizeDate(input: unknown): Parsed<string> {
  if (input instanceof Date) {
    const r = fromDate(input);
    return r.ok ? { ok: true, value: r.value.day } : r;
  }
  if (typeof input !== 'string') return fail('type', 'is not a Date or a YYYY-MM-DD string');
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.trim());
  if (!m) return fail('ISO 8601', 'is not a date like 2026-11-24');
  const y = Number(m[1]),
    mo = Number(m[2]),
    d = Number(m[3]);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo))
    return fail('valid date', 'is not a real calendar date');
  return { ok: true, value: `${m[1]}-${m[2]}-${m[3]}` };
}

/** 'HH:MM:SS.ffffff' (time) or 'HH:MM:SS.ffffff+HH:MM' (timetz, +00:00 when no offset given). */
export function normalizeTime(input: unknown, withZone: boolean): Parsed<string> {
  if (typeof input !== 'string') return fail('type', 'is not a time string like 13:45:00.123456');
  const m = TIME.exec(input.trim());
  if (!m) return fail('time format', `is not a time like 13:45:00${withZone ? '+02:00' : ''}`);
  const [, hs, mis, ss = '00', fs, tz] = m;
  const clock = checkClock(Number(hs), Number(mis), Number(ss));
  if (!clock.ok) return clock;
  if (tz && !withZone) return fail('no time zone', 'has a time zone offset, but TIME has none: use t.timetz()');
  const frac = fraction(fs);
  if (!frac.ok) return frac;
  const base = `${hs}:${mis}:${ss}.${frac.value}`;
  if (!withZone) return { ok: true, value: base };
  const off = offsetMinutes(tz);
  if (off === undefined) return fail('valid offset', BAD_OFFSET);
  const abs = Math.abs(off);
  return { ok: true, value: `${base}${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}` };
}
