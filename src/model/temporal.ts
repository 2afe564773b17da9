// Parsing and normalizing dates and times into the exact text COPY reads on both warehouses.
// A Date is an instant: TIMESTAMPTZ stores it in UTC; TIMESTAMP stores its UTC wall time.
// An ISO string keeps up to microseconds (a Date only has milliseconds).

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; rule: string; detail: string };
const fail = (rule: string, detail: string): { ok: false; rule: string; detail: string } => ({ ok: false, rule, detail });

const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

function offsetMinutes(tz: string | undefined): number {
  if (!tz || tz === 'Z' || tz === 'z') return 0;
  const sign = tz[0] === '-' ? -1 : 1;
  const digits = tz.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

function fraction(digits: string | undefined): Parsed<string> {
  if (!digits) return { ok: true, value: '000000' };
  if (digits.length > 6) {
    if (/^0*$/.test(digits.slice(6))) return { ok: true, value: digits.slice(0, 6) };
    return fail('microseconds', `has ${digits.length} fractional digits: Redshift keeps microseconds (6)`);
  }
  return { ok: true, value: digits.padEnd(6, '0') };
}

function fromDate(d: Date): Parsed<{ day: string; time: string }> {
  const ms = d.getTime();
  if (Number.isNaN(ms)) return fail('valid date', 'is an Invalid Date');
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return fail('year range', `has year ${y}: upshift accepts years 1 to 9999`);
  return {
    ok: true,
    value: {
      day: `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
      time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}000`,
    },
  };
}

function checkClock(h: number, mi: number, s: number): Parsed<null> {
  if (h > 23 || mi > 59 || s > 59) return fail('valid time', `is not a valid time of day (hour 0-23, minute 0-59, second 0-59)`);
  return { ok: true, value: null };
}

/** 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC wall time. `zoned` says how to read an ISO string without offset. */
export function normalizeTimestamp(input: unknown): Parsed<string> {
  if (input instanceof Date) {
    const r = fromDate(input);
    return r.ok ? { ok: true, value: `${r.value.day} ${r.value.time}` } : r;
  }
  if (typeof input !== 'string') return fail('type', 'is not a Date or an ISO 8601 string');
  const m = ISO.exec(input.trim());
  if (!m) return fail('ISO 8601', 'is not an ISO 8601 date-time like 2026-11-24T10:30:00.123456Z');
  const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', fs, tz] = m;
  const y = Number(ys), mo = Number(mos), d = Number(ds), h = Number(hs), mi = Number(mis), s = Number(ss);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return fail('valid date', 'is not a real calendar date');
  const clock = checkClock(h, mi, s);
  if (!clock.ok) return clock;
  const frac = fraction(fs);
  if (!frac.ok) return frac;
  const off = offsetMinutes(tz);
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
  const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return fail('valid date', 'is not a real calendar date');
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
  const abs = Math.abs(off);
  return { ok: true, value: `${base}${off < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}` };
}
