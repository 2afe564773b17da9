// Where a load's files live: `<schema>.<table>/<yyyy>/<mm>/<dd>/<loadId>/part-00000.csv.gz`
// and `manifest.json` beside them, relative to the stage's base (S3 prefix or local dir).
// The date comes from the load id itself, so list/delete find a load from (target, loadId).
import { UsageError } from '../errors.js';
import { randomBytes } from 'node:crypto';
import type { StageTarget } from './types.js';

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

let lastStamp = '';
let sequence = 0;
const processTag = randomBytes(5).toString('hex');

/**
 * A unique, time-sortable load id: `20261125T100244123Z-000-3fa9c1d2e4` (UTC time to the
 * millisecond, a sequence within the millisecond, then a per-process random tag). Ids from one
 * process sort in creation order; ids from different processes sort by millisecond.
 */
export function newLoadId(now: Date = new Date()): string {
  const stamp =
    `${pad(now.getUTCFullYear(), 4)}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}T` +
    `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}${pad(now.getUTCMilliseconds(), 3)}Z`;
  if (stamp === lastStamp) sequence++;
  else if (stamp > lastStamp) {
    lastStamp = stamp;
    sequence = 0;
  } else sequence++; // the clock went back: keep ids unique (the sequence keeps climbing)
  return `${stamp}-${sequence.toString(36).padStart(3, '0')}-${processTag}`;
}

// A load id starts with its UTC date (newLoadId's form); the rest is free but path-safe.
const LOAD_ID = /^(\d{4})(\d{2})(\d{2})T[0-9A-Za-z._-]{1,120}$/;

/** Checks a load id and returns its UTC date parts; throws a clear error when it can't be used. */
export function loadIdDate(loadId: string): { yyyy: string; mm: string; dd: string } {
  const m = LOAD_ID.exec(loadId);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31) {
    throw new UsageError(
      `load id ${JSON.stringify(loadId)} is not usable: it must start with its UTC date and time like 20261125T100244123Z ` +
        `and hold only letters, digits, '.', '_' and '-'. Use newLoadId() to make one.`,
    );
  }
  return { yyyy: m[1]!, mm: m[2]!, dd: m[3]! };
}

/** The folder of one load relative to the stage base, without leading or trailing slash. */
export function loadDir(target: StageTarget, loadId: string): string {
  const { yyyy, mm, dd } = loadIdDate(loadId);
  for (const [what, name] of [
    ['schema', target.schema],
    ['table', target.name],
  ] as const) {
    // Model identifiers never hit this; it keeps a hand-made target from escaping its folder.
    if (!name || name === '.' || name === '..' || /[/\\\u0000]/.test(name)) {
      throw new UsageError(`stage target ${what} name ${JSON.stringify(name)} cannot be a path segment`);
    }
  }
  return `${target.schema}.${target.name}/${yyyy}/${mm}/${dd}/${loadId}`;
}

export const MANIFEST_NAME = 'manifest.json';

/** `part-00000` + extension; five digits as Redshift's own UNLOAD names sort. */
export const partName = (index: number, extension: string): string => `part-${pad(index, 5)}${extension}`;

/** A staged part's file name: part-NNNNN and an extension (hidden temp names never match). */
export const PART_FILE = /^part-\d{5,}[^/]*$/;

/** A hidden temp name a local write uses until its file is complete (`.part-00000.csv.gz.1a2b3c4d.tmp`). */
export const isTempName = (name: string): boolean => /^\.[^/]+\.[0-9a-f]{8}\.tmp$/.test(name);

/** `<schema>.<table>/<yyyy>/<mm>/<dd>/<loadId>/<name>` split up, or null when a path is not in a load folder. */
export function parseLoadPath(relPath: string): { target: string; loadId: string; name: string } | null {
  const m = /^([^/]+)\/(\d{4})\/(\d{2})\/(\d{2})\/([^/]+)\/([^/]+)$/.exec(relPath);
  if (!m) return null;
  const [, target, yyyy, mm, dd, loadId, name] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  let date;
  try {
    date = loadIdDate(loadId);
  } catch {
    return null;
  }
  // The folder's date is the load id's own: anything else was not put there by a stage.
  if (date.yyyy !== yyyy || date.mm !== mm || date.dd !== dd) return null;
  return { target, loadId, name };
}
