// Postgres wire protocol: framing of a byte stream into messages and the few messages the
// emulator writes itself. Everything else is passed through as raw frames.

/** One protocol message: its type byte and the whole frame (type + length + body). */
export interface Frame {
  type: string;
  frame: Buffer;
}

/** Splits a stream of bytes (after startup) into whole messages: type byte + int32 length. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Frame[] = [];
    let off = 0;
    while (this.buf.length - off >= 5) {
      const len = this.buf.readUInt32BE(off + 1);
      if (this.buf.length - off < 1 + len) break;
      const frame = this.buf.subarray(off, off + 1 + len);
      out.push({ type: String.fromCharCode(frame[0]!), frame });
      off += 1 + len;
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(off);
    return out;
  }
}

export function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export const cstring = (s: string): Buffer => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.from([0])]);

const int16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

export type TxStatus = 'I' | 'T' | 'E';

export const readyForQuery = (status: TxStatus): Buffer => message('Z', Buffer.from(status, 'latin1'));
export const commandComplete = (tag: string): Buffer => message('C', cstring(tag));
export const queryMessage = (sql: string): Buffer => message('Q', cstring(sql));
export const copyData = (data: Buffer): Buffer => message('d', data);
export const copyDone = (): Buffer => message('c', Buffer.alloc(0));
export const copyFail = (reason: string): Buffer => message('f', cstring(reason));
export const parameterStatus = (name: string, value: string): Buffer =>
  message('S', Buffer.concat([cstring(name), cstring(value)]));
export const authenticationOk = (): Buffer => message('R', int32(0));
export const backendKeyData = (pid: number, secret: number): Buffer =>
  message('K', Buffer.concat([int32(pid), int32(secret)]));

/** Error/notice fields by their one-letter codes (S severity, C code, M message, D detail...). */
export type NoticeFields = Record<string, string>;

export function errorResponse(fields: NoticeFields, type: 'E' | 'N' = 'E'): Buffer {
  const parts: Buffer[] = [];
  const all: NoticeFields = { S: 'ERROR', V: fields.S ?? 'ERROR', ...fields };
  for (const [k, v] of Object.entries(all)) parts.push(Buffer.from(k, 'latin1'), cstring(v));
  parts.push(Buffer.from([0]));
  return message(type, Buffer.concat(parts));
}

export function parseNotice(frame: Buffer): NoticeFields {
  const out: NoticeFields = {};
  let off = 5;
  while (off < frame.length && frame[off] !== 0) {
    const key = String.fromCharCode(frame[off]!);
    const end = frame.indexOf(0, off + 1);
    out[key] = frame.toString('utf8', off + 1, end);
    off = end + 1;
  }
  return out;
}

export interface FieldDesc {
  name: string;
  typeOid: number;
  typeMod: number;
  /** The table and column a result column comes from (0 when it is computed). */
  tableOid?: number;
  column?: number;
}

export function parseRowDescription(frame: Buffer): FieldDesc[] {
  const n = frame.readInt16BE(5);
  const out: FieldDesc[] = [];
  let off = 7;
  for (let i = 0; i < n; i++) {
    const end = frame.indexOf(0, off);
    const name = frame.toString('utf8', off, end);
    off = end + 1;
    const tableOid = frame.readUInt32BE(off);
    const column = frame.readInt16BE(off + 4);
    const typeOid = frame.readUInt32BE(off + 6);
    const typeMod = frame.readInt32BE(off + 12);
    out.push({ name, typeOid, typeMod, tableOid, column });
    off += 18;
  }
  return out;
}

export function parseDataRow(frame: Buffer): Array<string | null> {
  const n = frame.readInt16BE(5);
  const out: Array<string | null> = [];
  let off = 7;
  for (let i = 0; i < n; i++) {
    const len = frame.readInt32BE(off);
    off += 4;
    if (len < 0) {
      out.push(null);
      continue;
    }
    out.push(frame.toString('utf8', off, off + len));
    off += len;
  }
  return out;
}

/** Parse: statement name, query text, the declared parameter types (kept as raw bytes). */
export function parseParse(frame: Buffer): { name: string; query: string; rest: Buffer } {
  const nameEnd = frame.indexOf(0, 5);
  const queryEnd = frame.indexOf(0, nameEnd + 1);
  return {
    name: frame.toString('utf8', 5, nameEnd),
    query: frame.toString('utf8', nameEnd + 1, queryEnd),
    rest: frame.subarray(queryEnd + 1),
  };
}

export function buildParse(name: string, query: string, rest: Buffer): Buffer {
  return message('P', Buffer.concat([cstring(name), cstring(query), rest]));
}

export const readQuery = (frame: Buffer): string => frame.toString('utf8', 5, frame.length - 1);

export { int16, int32 };
