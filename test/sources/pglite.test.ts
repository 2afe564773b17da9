// Every source into embedded PGlite (one instance, on disk), staging in a local folder: S3
// sources get their own client, since a local stage has none.
import { afterAll, beforeAll, describe } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDatabase } from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';
import { sourcesBehaviour } from './behaviour.js';

let db: PgliteDatabase;
let dir: string;
let source: TestSchema;
const prefix = `sources-pglite-${randomBytes(4).toString('hex')}`;
const s3 = testS3Client();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upshift-src-pglite-'));
  db = new PgliteDatabase({ dataDir: join(dir, 'data') });
  await db.query('create schema candy');
  // Query sources read from the real Postgres; their tables live in this schema.
  source = await createTestSchema('src_pglite');
});
afterAll(async () => {
  await db.close();
  await source.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('sources into PGlite', () => {
  sourcesBehaviour(() => ({
    db,
    schema: 'candy',
    s3,
    bucket: TEST_BUCKET,
    prefix,
    s3Options: { client: s3 },
    sourceUrl: source.url,
    sourceSchema: source.schema,
  }));
});
