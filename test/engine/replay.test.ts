// Replay on the real Postgres and on PGlite: a failed load finished from its staged files, a
// committed one refused unless forced, a replay into another table, a killed load (staged, no
// audit row) found by its id, last-write-wins kept across parts, and manifests that can't say
// enough refused. Also: spill files of Postgres loads never outlive the load.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import {
  createRowValidator,
  defineTable,
  LocalStage,
  PgliteDatabase,
  PostgresDatabase,
  RedshiftDatabase,
  ReplayError,
  S3Stage,
  t,
  type TableModel,
} from '../../src/index.js';
import { newLoadId } from '../../src/stage/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { sweetsModel } from './fixtures.js';

type Db = PostgresDatabase | PgliteDatabase;
type Row = Record<string, unknown>;

/**
 * Rows with repeated keys, staged 3 parts wide (row i goes to part i % 3): key 9's last row
 * (#3, 'late', part 0) is COPYed before its first (#2, 'early', part 2), so only the files'
 * load-order column makes the later row win.
 */
const batch = [
  { id: 1n, flavour: 'lemon', qty: 1 },
  { id: 7n, flavour: 'first', qty: 2 },
  { id: 9n, flavour: 'early', qty: 3 },
  { id: 9n, flavour: 'late', qty: 4 },
  { id: 7n, flavour: 'second', qty: 150 }, // breaks the CHECK (qty < 100) the model doesn't know
];
const expected = [
  { id: 1n, flavour: 'lemon', qty: 1 },
  { id: 7n, flavour: 'second', qty: 150 },
  { id: 9n, flavour: 'late', qty: 4 },
];

function replayBehaviour(name: string, setup: () => { db: Db; schema: string; stage: LocalStage }) {
  describe(`replay on ${name}`, () => {
    const rowsOf = async (db: Db, table: string) => db.query<Row>(`select id, flavour, qty from ${table} order by id`);
    const audit = (db: Db, loadId: string) =>
      db.query<Row>(`select load_id, status, source, mode from ${db.auditSchema}.load_audit where load_id = $1`, [
        loadId,
      ]);
    const replaysOf = (db: Db, loadId: string) =>
      db.query<Row>(
        `select load_id, status, source, mode, rows_inserted, rows_updated from ${db.auditSchema}.load_audit where source like $1 order by started_at`,
        [`replay of ${loadId} from %`],
      );

    let model: TableModel;
    let failedId: string;

    beforeAll(async () => {
      const { db, schema } = setup();
      model = sweetsModel(schema);
      await db.table(model).create();
      await db.query(`alter table ${schema}.sweets add constraint small_qty check (qty < 100)`);
      const err = (await db
        .table(model)
        .upsert(batch)
        .catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/small_qty/);
      const [row] = await db.query<Row>(
        `select load_id from ${db.auditSchema}.load_audit where target_table = $1 and status = 'failed'`,
        [model.qualifiedName],
      );
      failedId = String(row!.load_id);
      await db.query(`alter table ${schema}.sweets drop constraint small_qty`); // the cause, fixed
    });

    it('finishes a load that staged but failed to commit: the rows land exactly, last write wins across parts', async () => {
      const { db, schema } = setup();
      expect(await rowsOf(db, `${schema}.sweets`)).toEqual([]);
      const result = await db.replay(failedId, { into: model });
      expect(result).toMatchObject({
        table: model.qualifiedName,
        mode: 'upsert',
        staged: 5,
        inserted: 3,
        updated: 0,
        duplicates: 2,
      });
      expect(result.loadId).not.toBe(failedId);
      expect(result.manifestUri).toMatch(new RegExp(`/${failedId}/manifest\\.json$`));
      expect(await rowsOf(db, `${schema}.sweets`)).toEqual(expected);
      expect(await audit(db, result.loadId)).toEqual([
        {
          load_id: result.loadId,
          status: 'succeeded',
          mode: 'upsert',
          source: `replay of ${failedId} from ${result.manifestUri}`,
        },
      ]);
      expect(await audit(db, failedId)).toMatchObject([{ status: 'failed' }]); // the original's row stays what it was
    });

    it('refuses a load already committed into the table, and with force re-applies it idempotently (upsert)', async () => {
      const { db, schema } = setup();
      const again = await db.replay(failedId, { into: model }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(ReplayError);
      expect((again as Error).message).toMatch(
        new RegExp(
          `^load ${failedId} already committed into ${schema}\\.sweets \\(replayed as load \\S+\\): replaying it would apply it again\\. Pass force: true \\(CLI: --force\\)`,
        ),
      );
      // A load that committed itself is refused the same way.
      const ok = await db.table(model).upsert([{ id: 20n, flavour: 'mint', qty: 5 }]);
      await expect(db.replay(ok.loadId, { models: { model, other: 42 } })).rejects.toThrow(
        `load ${ok.loadId} already committed into ${schema}.sweets (as load ${ok.loadId})`,
      );
      const forced = await db.replay(failedId, { into: model, force: true });
      expect(forced).toMatchObject({ inserted: 0, updated: 3 });
      expect(await rowsOf(db, `${schema}.sweets`)).toEqual([...expected, { id: 20n, flavour: 'mint', qty: 5 }]);
      expect((await replaysOf(db, failedId)).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    });

    it('replays into another table, and in another mode', async () => {
      const { db, schema } = setup();
      const copy = sweetsModel(schema, 'sweets_copy');
      await db.table(copy).create();
      await db.table(copy).append([{ id: 100n, flavour: 'old', qty: 0 }]);
      const into = await db.table(copy).replay(failedId);
      expect(into).toMatchObject({ table: copy.qualifiedName, inserted: 3 });
      expect(await rowsOf(db, `${schema}.sweets_copy`)).toEqual([...expected, { id: 100n, flavour: 'old', qty: 0 }]);
      const replaced = await db.replay(failedId, { into: copy, mode: 'replace', force: true });
      expect(replaced).toMatchObject({ mode: 'replace', deleted: 4, inserted: 5 });
      // replace keeps every staged row, as the original would have in that mode
      expect((await rowsOf(db, `${schema}.sweets_copy`)).map((r) => r.id)).toEqual([1n, 7n, 7n, 9n, 9n]);
    });

    it('finds a killed load (staged, no audit row) by its id in the stage; needs the mode and the model', async () => {
      const { db, schema, stage } = setup();
      const killed = sweetsModel(schema, 'sweets_killed');
      await db.table(killed).create();
      const validate = createRowValidator(killed);
      const loadId = newLoadId();
      // What a load killed between staging and COPY leaves: parts and a manifest, nothing else.
      await stage.writeRows(
        batch.map((r, i) => validate(r, i)),
        {
          target: killed,
          columns: [killed.columns.id.spec, killed.columns.flavour.spec, killed.columns.qty.spec],
          columnNames: ['id', 'flavour', 'qty'],
          ordinal: true,
          binary: db.dialect.capabilities.binaryFormat,
          loadId,
        },
      );
      await expect(db.replay(loadId, { into: killed })).rejects.toThrow(
        `load ${loadId} has no audit row to say its mode: pass mode ('upsert', 'append' or 'replace')`,
      );
      await expect(db.replay(loadId, { mode: 'upsert' })).rejects.toThrow(
        `load ${loadId} was into ${schema}.sweets_killed: pass its model to replay it, db.replay('${loadId}', { into: model })`,
      );
      const done = await db.replay(loadId, { mode: 'upsert', models: [model, killed] });
      expect(done).toMatchObject({ table: killed.qualifiedName, inserted: 3, duplicates: 2 });
      expect(await rowsOf(db, `${schema}.sweets_killed`)).toEqual(expected);
    });

    it('replays a partial upsert as partial (only its columns of matched keys), and keeps the orderBy the load used', async () => {
      const { db, schema } = setup();
      const partialModel = sweetsModel(schema, 'sweets_partial');
      const table = db.table(partialModel);
      await table.create();
      await table.upsert([
        { id: 1n, flavour: 'lemon', qty: 1 },
        { id: 2n, flavour: 'mint', qty: 2 },
      ]);
      await db.query(`alter table ${schema}.sweets_partial add constraint few check (qty < 100)`);
      // Updates qty only; 150 (a new key) breaks the CHECK, so the load fails after staging. Key 2 has two rows: orderBy keeps qty 9.
      const rows = [
        { id: 1n, qty: 50 },
        { id: 2n, qty: 9 },
        { id: 2n, qty: 7 },
        { id: 3n, qty: 150 },
      ];
      const err = (await table.upsert(rows, { partial: true, orderBy: 'qty' }).catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/few/);
      const [failed] = await db.query<Row>(
        `select load_id from ${db.auditSchema}.load_audit where target_table = $1 and status = 'failed'`,
        [partialModel.qualifiedName],
      );
      await db.query(`alter table ${schema}.sweets_partial drop constraint few`);
      const done = await db.replay(String(failed!.load_id), { into: partialModel });
      expect(done).toMatchObject({ mode: 'upsert', updated: 2, inserted: 1, duplicates: 1 });
      // flavour was not given: kept for matched keys, NULL for the new one; id 2 took its greatest qty.
      expect(await rowsOf(db, `${schema}.sweets_partial`)).toEqual([
        { id: 1n, flavour: 'lemon', qty: 50 },
        { id: 2n, flavour: 'mint', qty: 9 },
        { id: 3n, flavour: null, qty: 150 },
      ]);
    });

    it('refuses clearly what it cannot replay exactly: an unknown id, an old manifest, columns the target lacks', async () => {
      const { db, schema, stage } = setup();
      const ghost = newLoadId();
      await expect(db.replay(ghost, { into: model })).rejects.toThrow(
        `load ${ghost} cannot be replayed: there is no audit row for it in ${db.auditSchema}.load_audit and no manifest for it in the stage`,
      );
      await expect(db.replay('not-an-id', { into: model })).rejects.toThrow(/load id "not-an-id" is not usable/);
      const narrow = defineTable(`${schema}.narrow`, { id: t.bigint().notNull() }, { upsertKey: ['id'] });
      await expect(db.replay(failedId, { into: narrow })).rejects.toThrow(
        `its files hold column(s) "flavour", "qty", which ${schema}.narrow does not have`,
      );
      // A manifest from before replay existed: entries only.
      const old = await db.table(model).upsert([{ id: 30n, flavour: 'x', qty: 1 }]);
      const path = fileURLToPath(old.manifestUri);
      const manifest = JSON.parse(readFileSync(path, 'utf8'));
      writeFileSync(path, JSON.stringify({ entries: manifest.entries }));
      await expect(db.replay(old.loadId, { into: model, force: true })).rejects.toThrow(
        `load ${old.loadId} cannot be replayed: its manifest ${old.manifestUri} was written before upshift recorded how to read a load back`,
      );
      expect(stage.dir).toBeTruthy();
    });
  });
}

describe('replay', () => {
  let pgSchema: TestSchema;
  let pgDb: PostgresDatabase;
  let pgStage: LocalStage;
  let lite: PgliteDatabase;
  let liteStage: LocalStage;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upshift-replay-'));
    pgSchema = await createTestSchema('replay');
    pgStage = new LocalStage({ dir: join(dir, 'pg-stage'), slices: 3, spillDir: mkdtempSync(join(dir, 'spill-')) });
    pgDb = new PostgresDatabase({
      connectionString: pgSchema.url,
      stage: pgStage,
      auditSchema: `${pgSchema.schema}_audit`,
    });
    liteStage = new LocalStage({ dir: join(dir, 'lite-stage'), slices: 3 });
    lite = new PgliteDatabase({ dataDir: join(dir, 'lite'), stage: liteStage });
    await lite.query('create schema candy');
  });
  afterAll(async () => {
    await pgDb?.query(`drop schema if exists "${pgSchema.schema}_audit" cascade`);
    await pgDb?.close();
    await pgSchema?.drop();
    await lite?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  replayBehaviour('Postgres', () => ({ db: pgDb, schema: pgSchema.schema, stage: pgStage }));
  replayBehaviour('PGlite', () => ({ db: lite, schema: 'candy', stage: liteStage }));

  it('Postgres loads (live COPY, spilling) leave no spill folder behind, failed or not', async () => {
    const spillDir = pgStage.spillDir!;
    const model = sweetsModel(pgSchema.schema, 'spilled');
    const table = pgDb.table(model);
    await table.create();
    await pgDb.query(`alter table ${model.qualifiedName} add constraint small_qty check (qty < 100)`);
    const many = (qty: number) => Array.from({ length: 20_000 }, (_, i) => ({ id: BigInt(i), flavour: `f${i}`, qty }));
    // While the rows are written, the load's own spill folder is there, private to this user.
    const seen = new Set<string>();
    const onProgress = () => {
      for (const name of readdirSync(spillDir)) {
        const folder = join(spillDir, name);
        seen.add(
          `${name.replace(/[^-]+$/, 'X')} ${(statSync(folder).mode & 0o777).toString(8)} ${readdirSync(folder)
            .map((f) => (statSync(join(folder, f)).mode & 0o777).toString(8))
            .join(',')}`,
        );
      }
    };
    await expect(table.upsert(many(500), { onProgress })).rejects.toThrow(/small_qty/);
    expect(readdirSync(spillDir)).toEqual([]);
    expect(await table.upsert(many(5), { onProgress })).toMatchObject({ inserted: 20_000 });
    expect(readdirSync(spillDir)).toEqual([]);
    expect([...seen]).toEqual(expect.arrayContaining(['upshift-spill-X 700 600,600,600']));
  });
});

describe('replay through the local Redshift emulator (COPY from the kept S3 manifest)', () => {
  let pg: TestSchema;
  let emulator: RedshiftEmulator;
  let db: RedshiftDatabase;
  let stage: S3Stage;

  beforeAll(async () => {
    pg = await createTestSchema('replay_rs');
    emulator = await startRedshiftEmulator({
      port: 0,
      postgres: pg.url,
      s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    });
    stage = new S3Stage({ basePath: `s3://${TEST_BUCKET}/replay/${pg.schema}`, client: testS3Client(), slices: 3 });
    db = new RedshiftDatabase({
      connectionString: emulator.url,
      iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
      auditSchema: `${pg.schema}_audit`,
      stage,
    });
  });
  afterAll(async () => {
    await db?.query(`drop schema if exists "${pg.schema}_audit" cascade`).catch(() => undefined);
    await db?.close();
    await emulator?.close();
    await pg?.drop();
  });

  it('finishes a killed load from S3, keeps last-write-wins, refuses it once committed, and re-applies it forced', async () => {
    const model = sweetsModel(pg.schema);
    await db.table(model).create();
    const validate = createRowValidator(model);
    const loadId = newLoadId();
    await stage.writeRows(
      batch.map((r, i) => validate(r, i)),
      {
        target: model,
        columns: [model.columns.id.spec, model.columns.flavour.spec, model.columns.qty.spec],
        columnNames: ['id', 'flavour', 'qty'],
        ordinal: true,
        binary: db.dialect.capabilities.binaryFormat,
        loadId,
      },
    );
    const done = await db.replay(loadId, { mode: 'upsert', into: model });
    expect(done).toMatchObject({ inserted: 3, duplicates: 2, manifestUri: stage.manifestUri(model, loadId) });
    expect(await db.query<Row>(`select id, flavour, qty from ${model.qualifiedName} order by id`)).toEqual(expected);
    await expect(db.replay(loadId, { into: model })).rejects.toThrow(
      `load ${loadId} already committed into ${model.qualifiedName}`,
    );
    await expect(db.replay(loadId, { into: model, force: true })).resolves.toMatchObject({ inserted: 0, updated: 3 });
    expect(await db.query<Row>(`select id, flavour, qty from ${model.qualifiedName} order by id`)).toEqual(expected);
  });
});
