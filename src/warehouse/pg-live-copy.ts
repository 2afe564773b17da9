// Postgres COPY FROM STDIN fed while the stage writes its parts. The client's validate + encode
// + gzip and the server's COPY parsing then run on both cores at once, instead of one after the
// other. The stage table is created in its own short transaction on the load's connection: it is
// private to that session, so the target is still only touched by the merge transaction.
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { copyFrom } from './pg-lib.js';
import type { ChunkOrigin } from '../stage/types.js';
import { decodePostgresCopyError } from './errors.js';
import type { LiveCopy } from './warehouse.js';

/** Where each chunk's lines went: COPY line `start` is line `line` of part `uri`. */
interface Segment {
  start: number;
  uri: string;
  line: number;
}

export class PgLiveCopy implements LiveCopy {
  private readonly segments: Segment[] = [];
  private sent = 0;
  private failure: { error: unknown } | undefined;
  private readonly stream: ReturnType<typeof copyFrom>;
  private readonly done: Promise<void>;

  /** Call after BEGIN and the stage table's CREATE, on the same client. */
  constructor(
    private readonly client: pg.PoolClient,
    sql: string,
    private readonly table: string,
  ) {
    this.stream = client.query(copyFrom(sql));
    this.done = finished(this.stream);
    this.done.catch((error: unknown) => {
      this.failure ??= { error };
    });
  }

  write(chunk: Buffer, at: ChunkOrigin): Promise<void> | undefined {
    if (this.failure) return undefined;
    this.segments.push({ start: this.sent + 1, uri: at.uri, line: at.line });
    this.sent += at.rows;
    if (this.stream.write(chunk)) return undefined;
    // Resolves on drain, or at once when the COPY fails (the writer must not hang on a dead stream).
    return new Promise((resolve) => {
      this.stream.once('drain', resolve);
      this.done.then(resolve, resolve);
    });
  }

  async finish(): Promise<number> {
    if (!this.failure) {
      this.stream.end();
      await this.done.catch(() => undefined);
    }
    if (this.failure) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      const err = this.failure.error;
      const where = this.locate((err as { where?: string })?.where);
      throw decodePostgresCopyError(this.table, where?.uri, err, where?.line);
    }
    await this.client.query('COMMIT');
    return this.stream.rowCount;
  }

  async abort(): Promise<void> {
    if (!this.failure) {
      // Sends CopyFail: the server ends the COPY with an error and the connection stays usable.
      this.stream.destroy(new Error('upshift: staging failed, COPY cancelled'));
      await this.done.catch(() => undefined);
    }
    await this.client.query('ROLLBACK').catch(() => undefined);
  }

  /** Maps COPY's line number (counted over the whole stream) back to a part and its own line. */
  private locate(where: string | undefined): { uri: string; line: number } | undefined {
    // The COPY's own context line: an inner one comes first (jsonb: "JSON data, line 1: ...").
    const m = /COPY [^,]+, line (\d+)/.exec(where ?? '');
    if (!m) return undefined;
    const line = Number(m[1]);
    let lo = 0;
    let hi = this.segments.length - 1;
    if (hi < 0 || line < 1) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.start <= line) lo = mid;
      else hi = mid - 1;
    }
    const seg = this.segments[lo]!;
    return { uri: seg.uri, line: seg.line + (line - seg.start) };
  }
}
