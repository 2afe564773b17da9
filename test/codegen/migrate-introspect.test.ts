// `migrate up` must not fail because another session drops a schema meanwhile: Kysely's own
// Postgres introspector (which the Migrator asks whether its tables exist) calls
// has_schema_privilege() on every schema it lists, and a schema dropped between the listing and
// that call raised "schema ... does not exist" (seen in the suite: the CLI's `migrate up` failed
// while another test file dropped its schema).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { MigrationDialect } from '../../codegen/migrate/lock.js';
import { testDatabaseUrl } from '../helpers/pg.js';

let pool: pg.Pool;
let churner: pg.Client;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: testDatabaseUrl(), max: 2 });
  churner = new pg.Client({ connectionString: testDatabaseUrl() });
  await churner.connect();
});
afterAll(async () => {
  await churner.end();
  await pool.end();
});

/** Creates and drops schemas for `ms`, while `read` runs as often as it can; counts read's failures. */
async function underChurn(ms: number, read: () => Promise<unknown>): Promise<{ reads: number; failures: string[] }> {
  const until = Date.now() + ms;
  const churn = (async () => {
    for (let i = 0; Date.now() < until; i++) {
      const name = `t_churn_${process.pid}_${i}`;
      await churner.query(`create schema ${name}`);
      await churner.query(`create table ${name}.t (k int)`);
      await churner.query(`drop schema ${name} cascade`);
    }
  })();
  let reads = 0;
  const failures: string[] = [];
  while (Date.now() < until) {
    reads++;
    await read().catch((e: unknown) => failures.push((e as Error).message));
  }
  await churn;
  return { reads, failures };
}

describe('the migration dialect introspects safely', () => {
  it('lists tables while other sessions create and drop schemas, never failing', async () => {
    const kysely = new Kysely<unknown>({ dialect: new MigrationDialect({ pool }) });
    const ours = await underChurn(1500, () => kysely.introspection.getTables({ withInternalKyselyTables: true }));
    expect(ours.failures).toEqual([]);
    expect(ours.reads).toBeGreaterThan(10);
    // Kysely's own introspector under the same churn, for the record: it is what failed.
    const plain = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    const theirs = await underChurn(1500, () => plain.introspection.getTables({ withInternalKyselyTables: true }));
    console.log(
      `[migrate] getTables under schema churn: ours ${ours.reads} reads, 0 failed; Kysely's ${theirs.reads} reads, ${theirs.failures.length} failed (${theirs.failures[0] ?? 'none'})`,
    );
  });
});
