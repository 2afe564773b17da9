/**
 * `text` cut to at most `maxBytes` bytes of UTF-8, never inside a character; `suffix` (e.g.
 * '...') marks a cut and counts within the budget. Text that fits comes back as it is; in a cut
 * one, a lone surrogate becomes U+FFFD (UTF-8 cannot hold it).
 */
export function truncateUtf8(text: string, maxBytes: number, suffix = ''): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes - Buffer.byteLength(suffix, 'utf8'));
  // Back off continuation bytes (10xxxxxx) to the start of the character that doesn't fit.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8') + suffix;
}
