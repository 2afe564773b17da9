// Cuts a CSV byte stream at row ends. COPY TO STDOUT's chunks end anywhere (pg-copy-streams
// batches CopyData messages), and a quoted field may hold newlines, so a row ends at a LF seen
// outside quotes. Every field Postgres writes that contains the quote character is quoted, so
// quote parity alone tells inside from outside ("" inside a field toggles twice).
import { UnloadError } from './errors.js';
const QUOTE = 0x22;
const LF = 0x0a;

export class CsvRowSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private inQuote = false;

  /** Feeds a chunk; returns the complete rows seen so far (as one buffer) and their end offsets. */
  push(chunk: Buffer): { data: Buffer; ends: number[] } {
    const buf = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    let pos = this.carry.length;
    const ends: number[] = [];
    let q = -2;
    let nl = -2;
    while (pos < buf.length) {
      if (q !== -1 && q < pos) q = buf.indexOf(QUOTE, pos);
      if (this.inQuote) {
        if (q === -1) break;
        this.inQuote = false;
        pos = q + 1;
        continue;
      }
      if (nl !== -1 && nl < pos) nl = buf.indexOf(LF, pos);
      if (nl !== -1 && (q === -1 || nl < q)) {
        ends.push(nl + 1);
        pos = nl + 1;
      } else if (q !== -1) {
        this.inQuote = true;
        pos = q + 1;
      } else break;
    }
    const cut = ends.length ? ends[ends.length - 1]! : 0;
    this.carry = Buffer.from(buf.subarray(cut));
    return { data: buf.subarray(0, cut), ends };
  }

  /** At the end of the stream: anything left is an unterminated last row. */
  end(): Buffer {
    if (this.inQuote) throw new UnloadError('CSV export ended inside a quoted field');
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return rest;
  }
}
