import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { parseEmulatorArgs, runEmulatorCli } from '../../src/emulator/index.js';
import { testDatabaseUrl } from '../helpers/pg.js';
import { testS3Endpoint } from '../helpers/s3.js';

describe('emulator CLI entry', () => {
  it('parses the documented arguments', () => {
    expect(
      parseEmulatorArgs(
        ['--port', '5439', '--postgres', 'postgres://x@h/db', '--s3-endpoint', 'http://127.0.0.1:9000'],
        {},
      ),
    ).toEqual({
      port: 5439,
      host: '127.0.0.1',
      postgres: 'postgres://x@h/db',
      s3Endpoint: 'http://127.0.0.1:9000',
      slices: 2,
    });
    expect(parseEmulatorArgs([], { DATABASE_URL: 'postgres://env/db' }).postgres).toBe('postgres://env/db');
    expect(() => parseEmulatorArgs([], {})).toThrow(/--postgres URL is required/);
    expect(() => parseEmulatorArgs(['--port', 'x', '--postgres', 'p'], {})).toThrow(/not a port/);
    expect(() => parseEmulatorArgs(['--bogus'], {})).toThrow();
    expect(() => parseEmulatorArgs(['--postgres', 'p', '--tls-key', 'k.pem'], {})).toThrow(/go together/);
  });

  it('starts an emulator a client can query', async () => {
    const lines: string[] = [];
    const emu = await runEmulatorCli(
      ['--port', '0', '--postgres', testDatabaseUrl(), '--s3-endpoint', testS3Endpoint(), '--slices', '3'],
      (l) => lines.push(l),
    );
    try {
      expect(lines[0]).toBe(`Redshift emulator listening: ${emu.url}`);
      const c = new pg.Client({ connectionString: emu.url });
      await c.connect();
      expect((await c.query('select count(*)::int as n from stv_slices')).rows[0].n).toBe(3);
      expect((await c.query('select version()')).rows[0].version).toMatch(/Redshift/);
      await c.end();
    } finally {
      await emu.close();
    }
  });

  it('serves the Data API endpoint with --data-api-port', async () => {
    expect(parseEmulatorArgs(['--postgres', 'p', '--data-api-port', '0'], {}).dataApiPort).toBe(0);
    expect(() => parseEmulatorArgs(['--postgres', 'p', '--data-api-port', 'x'], {})).toThrow(/not a port/);
    const lines: string[] = [];
    const emu = await runEmulatorCli(['--port', '0', '--postgres', testDatabaseUrl(), '--data-api-port', '0'], (l) =>
      lines.push(l),
    );
    try {
      expect(lines[1]).toBe(`Redshift Data API endpoint: ${emu.dataApiEndpoint}`);
      expect(emu.dataApiEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await emu.close();
    }
  });
});
