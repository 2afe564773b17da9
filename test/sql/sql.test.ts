// The SQL text toolkit: one identifier quoter, one qualified-name renderer, one literal quoter
// per dialect, one UTF-8 truncation.
import { describe, expect, it } from 'vitest';
import { postgresLiteral, qualifiedName, quoteIdent, redshiftLiteral } from '../../src/sql/index.js';
import { escapeLike } from '../../src/sql/identifiers.js';
import { truncateUtf8 } from '../../src/sql/utf8.js';

describe('identifiers', () => {
  it('quotes identifiers and qualifies names', () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
    expect(qualifiedName('candy', 'names')).toBe('"candy"."names"');
    expect(qualifiedName(undefined, 'stage_tmp')).toBe('"stage_tmp"');
    expect(escapeLike('a_b%c\\')).toBe('a\\_b\\%c\\\\');
  });
});

describe('literals', () => {
  it('Postgres keeps backslashes (standard_conforming_strings on); Redshift doubles them (an escape there)', () => {
    expect(postgresLiteral("it's a\\b")).toBe("'it''s a\\b'");
    expect(redshiftLiteral("it's a\\b")).toBe("'it''s a\\\\b'");
  });
});

describe('truncateUtf8', () => {
  it('keeps text that fits, and cuts at a character boundary within the byte budget', () => {
    expect(truncateUtf8('abc', 3)).toBe('abc');
    expect(truncateUtf8('héllo', 2)).toBe('h'); // é is 2 bytes: it would end at byte 3
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(truncateUtf8('a😀b', 5)).toBe('a😀');
  });

  it('counts a suffix within the budget', () => {
    expect(truncateUtf8('abcdefgh', 6, '...')).toBe('abc...');
    expect(Buffer.byteLength(truncateUtf8('é'.repeat(100), 11, '...'))).toBeLessThanOrEqual(11);
    expect(truncateUtf8('é'.repeat(100), 11, '...')).toBe('éééé...');
  });
});
