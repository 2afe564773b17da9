// pg and pg-copy-streams, loaded with the first connection or COPY rather than with 'upshift'
// (see ../lazy.ts). Types still come from `import type pg from 'pg'` at each use.
//
// This is also the one place that reads pg's undocumented internals (a client's socket and
// backend pid): test/warehouse/pg-lib.test.ts fails against a real server if pg moves them.
import type pg from 'pg';
import type * as PgCopyStreams from 'pg-copy-streams';
import { lazyModule, requireHere } from '../lazy.js';

export const pgLib = lazyModule<typeof pg>(() => requireHere('pg') as typeof pg);

const copyStreams = () => requireHere('pg-copy-streams') as typeof PgCopyStreams;
export const copyFrom: typeof PgCopyStreams.from = (...args) => copyStreams().from(...args);
export const copyTo: typeof PgCopyStreams.to = (...args) => copyStreams().to(...args);

/** The parts of pg's Client that its types don't declare (pg 8: client.js, connection.js). */
interface ClientInternals {
  connection?: { stream?: { destroy(error?: Error): void } };
  processID?: number | null;
}

const internals = (client: pg.ClientBase) => client as unknown as ClientInternals;

/**
 * Drops a client's connection at once, whatever it is doing. Mid-COPY a pg client takes no other
 * statement until the server has sent everything, and end() waits for that; destroying the socket
 * doesn't. The client then emits 'error' (or 'end') and the pool discards it. Returns false
 * when this pg keeps its socket elsewhere (callers are in catch blocks: they go on with the
 * error they have, and the test above catches the change).
 */
export function destroySocket(client: pg.ClientBase): boolean {
  const stream = internals(client).connection?.stream;
  stream?.destroy();
  return stream !== undefined;
}

/** The server process of a connected client (pg_backend_pid()), known from the connection handshake. */
export function backendPid(client: pg.ClientBase): number | undefined {
  return internals(client).processID ?? undefined;
}
