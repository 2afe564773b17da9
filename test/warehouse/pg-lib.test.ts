// The adapter over pg's undocumented internals, on a real connection: if a pg upgrade moves the
// socket or the backend pid, this fails here instead of leaving an aborted COPY's connection open.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { backendPid, destroySocket } from '../../src/warehouse/pg-lib.js';
import { testDatabaseUrl } from '../helpers/pg.js';

/** Resolves with the first of 'error' or 'end': how a pg client says its connection is gone. */
const gone = (client: pg.Client) =>
  new Promise<string>((resolve) => {
    client.once('error', () => resolve('error'));
    client.once('end', () => resolve('end'));
  });

async function connected(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  return client;
}

describe('pg-lib adapter', () => {
  it("finds the client's backend pid, the one the server reports", async () => {
    const client = await connected();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      expect(backendPid(client)).toBe(rows[0]!.pid);
    } finally {
      await client.end();
    }
  });

  it('finds the socket, and destroying it ends the client: it emits error or end, and takes no more statements', async () => {
    const client = await connected();
    client.on('error', () => undefined);
    const ended = gone(client);
    expect(destroySocket(client)).toBe(true);
    expect(['error', 'end']).toContain(await ended);
    await expect(client.query('SELECT 1')).rejects.toThrow();
  });

  it('drops a connection in the middle of a query the server is still answering', async () => {
    const client = await connected();
    client.on('error', () => undefined);
    const ended = gone(client);
    const running = client.query('SELECT pg_sleep(30)').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    expect(destroySocket(client)).toBe(true);
    expect(['error', 'end']).toContain(await ended);
    expect(await running).toBeInstanceOf(Error);
  });
});
