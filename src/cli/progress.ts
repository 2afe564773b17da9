// The load's progress line (drawn on a terminal only): rows, staged megabytes and the phase
// always; the share of the input read and an ETA where its size is known; the row rate.
import type { Progress } from '../stage/types.js';

const rowsText = (n: number) => n.toLocaleString('en-US');

/** 850 rows/s, 12.3k rows/s, 1.20M rows/s. */
export function rateText(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M rows/s`;
  if (perSecond >= 1e4) return `${(perSecond / 1e3).toFixed(1)}k rows/s`;
  return `${Math.round(perSecond)} rows/s`;
}

/** 42 s, 3 min 05 s, 1 h 02 min. */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * One progress line. `elapsedMs` is since the load started. The ETA assumes the rest of the
 * input reads at the rate so far; it is shown while reading and staging only (the COPY and the
 * merge after it have no size to measure), the share of the input read in every phase.
 */
export function progressLine(table: string, p: Progress, elapsedMs: number): string {
  const parts = [
    `loading ${table}`,
    `${rowsText(p.rows)} rows`,
    `${((p.encodedBytes ?? p.bytes) / 1e6).toFixed(1)} MB`,
    p.phase ?? 'staging',
  ];
  const total = p.inputTotal;
  const read = p.inputBytes;
  const reading = p.phase === undefined || p.phase === 'reading' || p.phase === 'staging';
  if (total && read !== undefined) {
    const share = Math.min(1, read / total);
    parts.push(`${Math.floor(share * 100)}% of ${(total / 1e6).toFixed(1)} MB`);
    if (reading && share > 0 && share < 1 && elapsedMs > 0)
      parts.push(`ETA ${durationText((elapsedMs * (1 - share)) / share)}`);
  }
  if (p.rows > 0 && elapsedMs >= 1000) parts.push(rateText((p.rows * 1000) / elapsedMs));
  parts.push(durationText(elapsedMs));
  return parts.join('  ');
}
