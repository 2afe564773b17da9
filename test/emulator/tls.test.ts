import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRedshiftEmulator } from '../../src/emulator/index.js';
import { testDatabaseUrl } from '../helpers/pg.js';

// A self-signed certificate for localhost, for tests only.
const fixtures = join(import.meta.dirname, 'fixtures');

describe('TLS', () => {
  it('accepts SSL connections (as Redshift clients usually connect) when given a key and certificate', async () => {
    const emu = await startRedshiftEmulator({
      postgres: testDatabaseUrl(),
      tls: { key: readFileSync(join(fixtures, 'localhost.key')), cert: readFileSync(join(fixtures, 'localhost.crt')) },
    });
    try {
      const c = new pg.Client({ connectionString: emu.url, ssl: { rejectUnauthorized: false } });
      await c.connect();
      const r = await c.query('select version(), $1::int as n', [7]);
      expect(r.rows[0].version).toMatch(/Redshift/);
      expect(r.rows[0].n).toBe(7);
      await c.end();
      const plain = new pg.Client({ connectionString: emu.url });
      await plain.connect();
      expect((await plain.query('select 1 as one')).rows[0].one).toBe(1);
      await plain.end();
    } finally {
      await emu.close();
    }
  });

  it('without a certificate refuses SSL as a server without SSL does', async () => {
    const emu = await startRedshiftEmulator({ postgres: testDatabaseUrl() });
    try {
      const c = new pg.Client({ connectionString: emu.url, ssl: { rejectUnauthorized: false } });
      await expect(c.connect()).rejects.toThrow(/does not support SSL/);
    } finally {
      await emu.close();
    }
  });
});
