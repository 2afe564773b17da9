// Every source into the real Postgres, staging in S3 (s3rver): S3 sources use the stage's client.
import { afterAll, beforeAll, describe } from 'vitest';
import { randomBytes } from 'node:crypto';
import { PostgresDatabase, S3Stage } from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';
import { sourcesBehaviour } from './behaviour.js';

let s: TestSchema;
let db: PostgresDatabase;
const prefix = `sources-pg-${randomBytes(4).toString('hex')}`;
const s3 = testS3Client();

beforeAll(async () => {
  s = await createTestSchema('src_pg');
  db = new PostgresDatabase({
    connectionString: s.url,
    stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}/stage`, client: s3 }),
    auditSchema: `${s.schema}_audit`,
  });
});
afterAll(async () => {
  await db.query(`drop schema if exists "${s.schema}_audit" cascade`);
  await db.close();
  await s.drop();
});

describe('sources into Postgres', () => {
  sourcesBehaviour(() => ({
    db,
    schema: s.schema,
    s3,
    bucket: TEST_BUCKET,
    prefix: `${prefix}/data`,
    s3Options: {},
    sourceUrl: s.url,
    sourceSchema: s.schema,
  }));
});
