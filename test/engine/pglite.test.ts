// The engine on embedded PGlite (on-disk dataDir: in-memory COPY is superlinear).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDatabase, defineTable, t } from '../../src/index.js';
import { engineBehaviour } from './shared-behaviour.js';

let db: PgliteDatabase;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upshift-pglite-'));
  db = new PgliteDatabase({ dataDir: join(dir, 'data') });
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PgliteDatabase', () => {
  engineBehaviour(() => ({ db, schema: 'candy' }));

  it('keeps bigint exact beyond 2^53', async () => {
    const table = db.table(defineTable('candy.bigs', { id: t.bigint().notNull() }, { upsertKey: ['id'] }));
    await table.create();
    await table.upsert([{ id: 2n ** 62n + 1n }, { id: -(2n ** 63n) }]);
    expect(await db.query('select id from candy.bigs order by id')).toEqual([
      { id: -(2n ** 63n) },
      { id: 2n ** 62n + 1n },
    ]);
  });
});
