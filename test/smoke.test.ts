import { describe, expect, it } from 'vitest';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { createTestSchema } from './helpers/pg.js';
import { testS3Client } from './helpers/s3.js';

describe('test services', () => {
  it('reaches Postgres and a per-file schema', async () => {
    const s = await createTestSchema('smoke');
    const { rows } = await s.pool.query(`select nspname from pg_namespace where nspname = $1`, [s.schema]);
    expect(rows).toHaveLength(1);
    await s.drop();
  });
  it('reaches the local S3 server', async () => {
    const out = await testS3Client().send(new ListBucketsCommand({}));
    expect(out.Buckets?.map((b) => b.Name)).toContain('upshift-test');
  });
});
