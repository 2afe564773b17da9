// What a load reports to onProgress: the engine's phase (reading -> staging -> copying -> merging,
// never back) and how much of a local file was read of its size. Also: a PostgresDatabase built
// without a stage runs queries without one and makes a LocalStage when a load first needs it.
import { stat, writeFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTable, fromLocalFile, LocalStage, PostgresDatabase, t } from '../../src/index.js';
import { type Progress } from '../../src/stage/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';

let db: TestSchema;
let dir: string;
let file: string;

beforeAll(async () => {
  db = await createTestSchema('load_progress');
  dir = await mkdtemp(path.join(os.tmpdir(), 'upshift-progress-'));
  file = path.join(dir, 'items.csv');
  await writeFile(file, `id,name\n${Array.from({ length: 20_000 }, (_, i) => `${i},name ${i}`).join('\n')}\n`);
  await db.pool.query(`create table ${db.schema}.items (id bigint primary key, name varchar(20))`);
});
afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

const phasesOf = (events: Progress[]) => events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1]);

describe('load progress', () => {
  for (const copyWhileStaging of [true, false]) {
    it(`reports each phase in order and the file read to its size (copyWhileStaging: ${copyWhileStaging})`, async () => {
      const items = defineTable(
        `${db.schema}.items`,
        { id: t.bigint().notNull(), name: t.varchar(20) },
        { upsertKey: ['id'] },
      );
      const database = new PostgresDatabase({ connectionString: db.url, auditSchema: db.schema, copyWhileStaging });
      try {
        const events: Progress[] = [];
        const result = await database.table(items).loadFrom(fromLocalFile(file), { onProgress: (p) => events.push(p) });
        expect(result.staged).toBe(20_000);
        expect(phasesOf(events)).toEqual(['reading', 'staging', 'copying', 'merging']);
        const size = (await stat(file)).size;
        const last = events.at(-1)!;
        expect(last).toMatchObject({ rows: 20_000, inputBytes: size, inputTotal: size, phase: 'merging' });
        // the share read only grows
        const read = events.map((e) => e.inputBytes ?? 0);
        expect(read).toEqual([...read].sort((a, b) => a - b));
      } finally {
        await database.close();
      }
    });
  }

  it('PostgresDatabase needs no stage for queries; a load gets a LocalStage in a temp folder', async () => {
    const items = defineTable(
      `${db.schema}.items`,
      { id: t.bigint().notNull(), name: t.varchar(20) },
      { upsertKey: ['id'] },
    );
    const database = new PostgresDatabase({ connectionString: db.url, auditSchema: db.schema });
    try {
      expect(await database.query('select 1 as one')).toEqual([{ one: 1 }]);
      // not made yet: queries never asked for it
      expect(Object.getOwnPropertyDescriptor(database, 'stage')?.get).toBeTypeOf('function'); // eslint-disable-line @typescript-eslint/unbound-method -- only its type is read
      await database.table(items).upsert([{ id: 1, name: 'toffee' }]);
      expect(database.stage).toBeInstanceOf(LocalStage);
      const stageDir = (database.stage as LocalStage).dir;
      expect(path.dirname(stageDir)).toBe(os.tmpdir());
      expect((await stat(stageDir)).isDirectory()).toBe(true);
      expect(database.stage).toBe(database.stage); // made once
    } finally {
      await database.close();
    }
  });
});
