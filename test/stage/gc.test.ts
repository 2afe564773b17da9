// Stage gc against a LocalStage (real files) and an S3Stage (s3rver), with the audit log on the
// real Postgres: loads that never committed go once old enough, committed loads and loads
// finished by a replay stay, temp files and old spill folders go, anything not in the stage's
// layout is never touched. Also: spill files are private (0700 folder, 0600 files) and gone
// after every load, failed or not.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowValidator, defineTable, gcStage, LocalStage, PostgresDatabase, S3Stage, t } from '../../src/index.js';
import { newLoadId } from '../../src/stage/index.js';
import { type NormalizedValue } from '../../src/model/index.js';
import type { StageBase } from '../../src/stage/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';

let pg: TestSchema;
let dir: string;
const HOUR = 3_600_000;

beforeAll(async () => {
  pg = await createTestSchema('stage_gc');
  dir = mkdtempSync(join(tmpdir(), 'upshift-gc-'));
});
afterAll(async () => {
  await pg?.pool.query(`drop schema if exists "${pg?.schema}_audit" cascade`);
  await pg?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a stray object at a path relative to the stage base (what a killed process leaves). */
type PutRaw = (relPath: string, body: string) => Promise<void>;

function gcBehaviour(
  name: string,
  make: () => { stage: StageBase; put: PutRaw; exists: (relPath: string) => Promise<boolean>; spillRoot: string },
) {
  it(`${name}: removes what never committed, once old; keeps committed and replayed loads and everything outside the layout`, async () => {
    const { stage, put, exists, spillRoot } = make();
    const db = new PostgresDatabase({ connectionString: pg.url, stage, auditSchema: `${pg.schema}_audit` });
    try {
      const model = defineTable(
        `${pg.schema}.${name}_gc`,
        { id: t.bigint().notNull(), qty: t.integer() },
        { upsertKey: ['id'] },
      );
      const table = db.table(model);
      await table.create();
      await db.query(`alter table ${model.qualifiedName} add constraint small check (qty < 100)`);
      const committed = await table.upsert([{ id: 1n, qty: 1 }]);
      const failed = await table.upsert([{ id: 2n, qty: 500 }]).then(
        () => {
          throw new Error('should fail');
        },
        () => lastLoadId(db, model.qualifiedName),
      );
      const replayedLater = await table.upsert([{ id: 3n, qty: 300 }]).then(
        () => {
          throw new Error('should fail');
        },
        () => lastLoadId(db, model.qualifiedName),
      );
      await db.query(`alter table ${model.qualifiedName} drop constraint small`);
      await db.replay(replayedLater, { into: model });
      // A load killed after staging: parts and manifest, no audit row.
      const killed = newLoadId();
      const validate = createRowValidator(model);
      await stage.writeRows([validate({ id: 4n, qty: 4 }, 0)] as NormalizedValue[][], {
        target: model,
        columns: [model.columns.id.spec, model.columns.qty.spec],
        columnNames: ['id', 'qty'],
        ordinal: true,
        binary: 'postgres',
        loadId: killed,
      });
      // A load killed mid-part: an orphan part, no manifest; and a temp file of a write cut short.
      const orphan = newLoadId();
      const folder = (id: string) =>
        `${model.schema}.${model.name}/${id.slice(0, 4)}/${id.slice(4, 6)}/${id.slice(6, 8)}/${id}`;
      await put(`${folder(orphan)}/part-00000.csv.gz`, 'half a part');
      await put(`${folder(committed.loadId)}/.part-00001.csv.gz.deadbeef.tmp`, 'cut short');
      await put('exports/orders/0000_part_00', 'an unload, not a load');
      mkdirSync(join(spillRoot, 'upshift-spill-Ab12Cd'), { recursive: true });
      writeFileSync(join(spillRoot, 'upshift-spill-Ab12Cd', 'part-0.csv'), 'raw rows of a killed load');
      mkdirSync(join(spillRoot, 'not-upshift'), { recursive: true });

      // Everything is fresh: nothing is old enough yet.
      const fresh = await gcStage(db, { olderThanMs: HOUR, spillRoot });
      expect(fresh).toMatchObject({
        loads: [],
        tempFiles: [],
        spillFolders: [],
        removed: { objects: 0, bytes: 0 },
        kept: { committed: 2, recent: 3 },
      });

      const later = new Date(Date.now() + 2 * HOUR);
      const dry = await gcStage(db, { olderThanMs: HOUR, now: later, dryRun: true, spillRoot });
      expect(dry.dryRun).toBe(true);
      expect(dry.loads.map((l) => [l.loadId, l.hadManifest, l.files.length]).sort()).toEqual(
        [
          [failed, true, 2],
          [killed, true, 2],
          [orphan, false, 1],
        ].sort(),
      );
      expect(dry.tempFiles.map((f) => f.uri)).toEqual([
        stage.manifestUri(model, committed.loadId).replace('manifest.json', '.part-00001.csv.gz.deadbeef.tmp'),
      ]);
      expect(dry.spillFolders).toEqual([{ uri: expect.stringMatching(/\/upshift-spill-Ab12Cd$/), bytes: 25 }]);
      expect(dry.kept).toEqual({ committed: 2, recent: 0 });
      const bytes = dry.loads.flatMap((l) => l.files).reduce((n, f) => n + f.bytes, 0) + 'cut short'.length + 25;
      expect(dry.removed).toEqual({ objects: 2 + 2 + 1 + 1 + 1, bytes });
      expect(await exists(`${folder(failed)}/manifest.json`)).toBe(true);

      const done = await gcStage(db, { olderThanMs: HOUR, now: later, spillRoot });
      expect({ ...done, dryRun: true }).toEqual(dry);
      for (const id of [failed, killed, orphan]) expect(await stage.list(model, id)).toEqual([]);
      expect(await exists(`${folder(failed)}/manifest.json`)).toBe(false);
      expect(await exists(`${folder(committed.loadId)}/.part-00001.csv.gz.deadbeef.tmp`)).toBe(false);
      expect((await stage.list(model, committed.loadId)).length).toBe(1);
      expect((await stage.list(model, replayedLater)).length).toBe(1); // its files are the replay's audit record
      expect(await exists(`${folder(committed.loadId)}/manifest.json`)).toBe(true);
      expect(await exists('exports/orders/0000_part_00')).toBe(true);
      expect(readdirSync(spillRoot)).toEqual(['not-upshift']);
      // And the kept loads still replay (forced: they committed).
      await expect(db.replay(committed.loadId, { into: model, force: true })).resolves.toMatchObject({ updated: 1 });
      expect((await gcStage(db, { olderThanMs: HOUR, now: later, spillRoot })).removed).toEqual({
        objects: 0,
        bytes: 0,
      });
    } finally {
      await db.close();
    }
  });
}

async function lastLoadId(db: PostgresDatabase, table: string): Promise<string> {
  const [row] = await db.query<{ load_id: string }>(
    `select load_id from ${db.auditSchema}.load_audit where target_table = $1 order by started_at desc limit 1`,
    [table],
  );
  return row!.load_id;
}

describe('stage gc', () => {
  gcBehaviour('local', () => {
    const base = join(dir, 'local-stage');
    const spillRoot = mkdtempSync(join(dir, 'spill-local-'));
    return {
      stage: new LocalStage({ dir: base }),
      spillRoot,
      put: async (rel, body) => {
        mkdirSync(join(base, rel, '..'), { recursive: true });
        writeFileSync(join(base, rel), body);
      },
      exists: async (rel) => existsSync(join(base, rel)),
    };
  });

  gcBehaviour('s3', () => {
    const client = testS3Client();
    const prefix = `gc-${pg.schema}`;
    const spillRoot = mkdtempSync(join(dir, 'spill-s3-'));
    return {
      stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}`, client }),
      spillRoot,
      put: async (rel, body) =>
        void (await client.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}/${rel}`, Body: body }))),
      exists: (rel) =>
        client.send(new HeadObjectCommand({ Bucket: TEST_BUCKET, Key: `${prefix}/${rel}` })).then(
          () => true,
          () => false,
        ),
    };
  });

  it('refuses to guess without an audit table: removes nothing', async () => {
    const stage = new LocalStage({ dir: join(dir, 'no-audit') });
    const db = new PostgresDatabase({ connectionString: pg.url, stage, auditSchema: `${pg.schema}_nothing` });
    try {
      await stage.writeRows([[1n]], {
        target: { schema: 's', name: 't' },
        columns: [t.bigint().spec],
        columnNames: ['id'],
        ordinal: true,
        binary: 'postgres',
      });
      await expect(gcStage(db, { olderThanMs: 0, now: new Date(Date.now() + HOUR), spillRoot: null })).rejects.toThrow(
        `no audit table ${pg.schema}_nothing.load_audit: stage gc can't tell committed loads`,
      );
      expect((await stage.inventory()).loads).toHaveLength(1);
    } finally {
      await db.close();
    }
  });
});

describe('spill files', () => {
  const columns = [t.bigint().spec, t.varchar(64).spec];
  const rows = function* (n: number, failAt = Infinity): Generator<NormalizedValue[]> {
    for (let i = 0; i < n; i++) {
      if (i === failAt) throw new Error('the source broke');
      yield [BigInt(i), `row ${i} with some text to fill the chunks`];
    }
  };

  it('live in a private folder (0700, files 0600) only while the load runs, whether it succeeds or fails', async () => {
    const spillDir = mkdtempSync(join(dir, 'spill-'));
    const stage = new LocalStage({ dir: join(dir, 'spill-stage'), slices: 2, spillDir });
    const seen: string[] = [];
    const onChunk = () => {
      for (const name of readdirSync(spillDir)) {
        const folder = join(spillDir, name);
        const files = readdirSync(folder).map((f) => (statSync(join(folder, f)).mode & 0o777).toString(8));
        seen.push(
          `${name.startsWith('upshift-spill-')} ${(statSync(folder).mode & 0o777).toString(8)} ${files.join(',')}`,
        );
      }
      return undefined;
    };
    const opts = {
      target: { schema: 's', name: 'spilled' },
      columns,
      ordinal: true,
      binary: 'postgres' as const,
      onChunk,
    };
    await expect(stage.writeRows(rows(50_000, 30_000), opts)).rejects.toThrow('the source broke');
    expect(readdirSync(spillDir)).toEqual([]);
    const ok = await stage.writeRows(rows(50_000), opts);
    expect(ok.rows).toBe(50_000);
    expect(readdirSync(spillDir)).toEqual([]);
    // (a spill file appears once its lazy open is done: some looks see fewer than both)
    expect(seen.filter((s) => !/^true 700 (600(,600)?)?$/.test(s))).toEqual([]);
    expect(seen).toContain('true 700 600,600');
  });
});
