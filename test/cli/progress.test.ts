// The progress line's text from what a load reports (the terminal drawing is tested through the
// binary in test/cli/connect.test.ts).
import { describe, expect, it } from 'vitest';
import { durationText, progressLine, rateText } from '../../src/cli/progress.js';

describe('progressLine', () => {
  it('shows the phase, the share of a known input, an ETA while staging, and the row rate', () => {
    const staging = progressLine(
      's.t',
      {
        rows: 250_000,
        bytes: 0,
        encodedBytes: 12_300_000,
        inputBytes: 25_000_000,
        inputTotal: 100_000_000,
        phase: 'staging',
      },
      10_000,
    );
    // a quarter read in 10 s: three quarters to go at that rate is 30 s
    expect(staging).toBe('loading s.t  250,000 rows  12.3 MB  staging  25% of 100.0 MB  ETA 30 s  25.0k rows/s  10 s');
    const merging = progressLine(
      's.t',
      { rows: 1_000_000, bytes: 40_000_000, inputBytes: 100_000_000, inputTotal: 100_000_000, phase: 'merging' },
      125_000,
    );
    expect(merging).toBe('loading s.t  1,000,000 rows  40.0 MB  merging  100% of 100.0 MB  8000 rows/s  2 min 05 s');
  });

  it('without a known input size: no share and no ETA; no rate in the first second', () => {
    expect(progressLine('s.t', { rows: 0, bytes: 0, phase: 'reading' }, 300)).toBe(
      'loading s.t  0 rows  0.0 MB  reading  0 s',
    );
    expect(progressLine('s.t', { rows: 5000, bytes: 1_000_000, phase: 'copying' }, 4000)).toBe(
      'loading s.t  5,000 rows  1.0 MB  copying  1250 rows/s  4 s',
    );
  });

  it('formats rates and durations', () => {
    expect([rateText(850), rateText(12_345), rateText(2_400_000)]).toEqual([
      '850 rows/s',
      '12.3k rows/s',
      '2.40M rows/s',
    ]);
    expect([durationText(42_000), durationText(185_000), durationText(3_720_000)]).toEqual([
      '42 s',
      '3 min 05 s',
      '1 h 02 min',
    ]);
  });
});
