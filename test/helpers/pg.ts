// Per-file Postgres access: each test file works in its own schema and drops it afterwards.
import pg from 'pg';
import { randomBytes } from 'node:crypto';

export const testDatabaseUrl = (): string =>
  process.env.UPSHIFT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A unique schema name for one test file, e.g. `t_stage_3fa9c1`. */
export function uniqueSchema(prefix: string): string {
  return `t_${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase();
}

export interface TestSchema {
  schema: string;
  pool: pg.Pool;
  url: string;
  drop(): Promise<void>;
}

export async function createTestSchema(prefix: string): Promise<TestSchema> {
  const url = testDatabaseUrl();
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const schema = uniqueSchema(prefix);
  await pool.query(`create schema "${schema}"`);
  return {
    schema,
    pool,
    url,
    async drop() {
      await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    },
  };
}
