// Every source into RedshiftDatabase through the local Redshift emulator: S3 files, prefixes
// (turned into a manifest of exactly the files meant) and manifests are COPYed in place from
// S3; rows, local files, data frames and queries are staged and COPYed from the stage's manifest.
import { afterAll, beforeAll, describe } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startRedshiftEmulator, type RedshiftEmulator } from '../../src/emulator/index.js';
import { RedshiftDatabase, S3Stage } from '../../src/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client, testS3Endpoint } from '../helpers/s3.js';
import { sourcesBehaviour } from '../sources/behaviour.js';

let s: TestSchema;
let emulator: RedshiftEmulator;
let db: RedshiftDatabase;
const prefix = `sources-rs-${randomBytes(4).toString('hex')}`;
const s3 = testS3Client();

beforeAll(async () => {
  s = await createTestSchema('src_rs');
  emulator = await startRedshiftEmulator({
    port: 0,
    postgres: s.url,
    s3: { endpoint: testS3Endpoint(), credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
  });
  db = new RedshiftDatabase({
    connectionString: emulator.url,
    iamRole: 'arn:aws:iam::123456789012:role/upshift-test',
    stage: new S3Stage({ basePath: `s3://${TEST_BUCKET}/${prefix}/stage`, client: s3 }),
    auditSchema: `${s.schema}_audit`,
  });
});
afterAll(async () => {
  await db?.query(`drop schema if exists "${s.schema}_audit" cascade`).catch(() => undefined);
  await db?.close();
  await emulator?.close();
  await s.drop();
});

describe('sources into RedshiftDatabase through the emulator', () => {
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
