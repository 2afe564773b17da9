// Shared by the stage tests: load staged parts into Postgres the way the engine will
// (COPY ... FROM STDIN (FORMAT csv, NULL '\N'), one part after another), and read them back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { quoteIdent } from '../../src/sql/index.js';
import type { Stage, StagedLoad } from '../../src/stage/index.js';

export const copySql = (table: string, columns: readonly string[]): string =>
  `COPY ${table} (${columns.map(quoteIdent).join(', ')}) FROM STDIN (FORMAT csv, NULL '\\N')`;

/** COPYs every part of a staged load into `table` (a qualified, quoted name). */
export async function copyLoadIntoPostgres(
  client: pg.PoolClient | pg.Client,
  stage: Stage,
  load: StagedLoad,
  table: string,
  columns: readonly string[],
): Promise<void> {
  const manifest = await stage.readManifest(load.manifestUri);
  for (const entry of manifest.entries) {
    const raw = await stage.read(entry.url);
    await pipeline(
      raw,
      load.compression === 'gzip' ? createGunzip() : new PassThrough(),
      client.query(copyFrom(copySql(table, columns))),
    );
  }
}

/** COPYs CSV chunks (an encoder's output) straight into `table`. */
export async function copyChunksIntoPostgres(
  client: pg.PoolClient | pg.Client,
  chunks: AsyncIterable<Buffer>,
  table: string,
  columns: readonly string[],
): Promise<void> {
  await pipeline(Readable.from(chunks), client.query(copyFrom(copySql(table, columns))));
}

/** The uncompressed bytes of one staged object. */
export async function readStaged(stage: Stage, uri: string, compression: 'gzip' | 'none'): Promise<Buffer> {
  const raw = await stage.read(uri);
  const out: Buffer[] = [];
  const sink = compression === 'gzip' ? raw.pipe(createGunzip()) : raw;
  for await (const c of sink) out.push(c as Buffer);
  return Buffer.concat(out);
}

export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `upshift-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
