// The three warehouses the fuzz files load into, set up the way test/engine's suites do:
// Postgres 15 (real, at UPSHIFT_TEST_DATABASE_URL) with a local stage, PGlite in a temp folder,
// and the local Redshift emulator (on the same Postgres) staging through s3rver.
import { join } from 'node:path';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import {
  LocalStage,
  PgliteDatabase,
  PostgresDatabase,
  RedshiftDatabase,
  S3Stage,
  type BoundTable,
  type TableModel,
} from '../../src/index.js';
import type { Warehouse } from '../../src/warehouse/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';

export type FuzzDb = Warehouse & { table<T extends TableModel>(m: T): BoundTable<T> };

export interface FuzzTarget {
  name: 'Postgres' | 'PGlite' | 'Redshift emulator';
  db: FuzzDb;
  /** The schema its tables go in. */
  schema: string;
}

export interface FuzzTargets {
  s: TestSchema;
  targets: FuzzTarget[];
  close(): Promise<void>;
}

export async function startTargets(
  prefix: string,
  dir: string,
  which: ReadonlyArray<FuzzTarget['name']>,
): Promise<FuzzTargets> {
  const s = await createTestSchema(prefix);
  const targets: FuzzTarget[] = [];
  const closers: Array<() => Promise<unknown>> = [];
  let emulator: RedshiftEmulator | undefined;
  if (which.includes('Postgres')) {
    const db = new PostgresDatabase({
      connectionString: s.url,
      stage: new LocalStage({ dir: join(dir, 'pg-stage') }),
      auditSchema: `${s.schema}_audit`,
    });
    targets.push({ name: 'Postgres', db, schema: s.schema });
    closers.push(async () => {
      await db.query(`drop schema if exists "${s.schema}_audit" cascade`);
      await db.close();
    });
  }
  if (which.includes('PGlite')) {
    const db = new PgliteDatabase({ dataDir: join(dir, 'pglite') });
    targets.push({ name: 'PGlite', db, schema: 'fuzz' });
    closers.push(() => db.close());
  }
  if (which.includes('Redshift emulator')) {
    emulator = await startRedshiftEmulator({
      port: 0,
      postgres: s.url,
      s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    });
    const db = new RedshiftDatabase({
      connectionString: emulator.url,
      iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
      auditSchema: `${s.schema}_rsaudit`,
      stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/fuzz/${s.schema}`, client: testS3Client() }),
    });
    targets.push({ name: 'Redshift emulator', db, schema: s.schema });
    const em = emulator;
    closers.push(async () => {
      await db.query(`drop schema if exists "${s.schema}_rsaudit" cascade`).catch(() => undefined);
      await db.close();
      await em.close();
    });
  }
  return {
    s,
    targets,
    async close() {
      for (const c of closers.reverse()) await c().catch(() => undefined);
      await s.drop();
    },
  };
}
