// The emulator's listening socket: pg-gateway answers the startup (SSL negotiation, startup
// message), then each connection is detached from it and proxied frame by frame to its own
// backend session (pg-gateway's own message loop garbles pipelined extended-protocol messages).
import net from 'node:net';
import pg from 'pg';
import { PostgresConnection, type TlsOptions } from 'pg-gateway';
import { ensureCatalog } from './catalog.js';
import type { EmulatorContext } from './context.js';
import { S3Store, type S3Options } from './s3.js';
import { ClientSession } from './session.js';
import { QueryLog } from './query-log.js';
import { errorResponse } from './wire.js';
import { TemporaryUsers } from './iam/users.js';
import { admit } from './iam/wire-auth.js';
import { startAws, type AwsControl, type DataApiOptions, type RunningAws } from './aws/start.js';

export interface RedshiftEmulatorOptions {
  /** Port to listen on (0 or omitted: a free port). */
  port?: number | undefined;
  /** Host to listen on, default 127.0.0.1. */
  host?: string | undefined;
  /** The backend Postgres URL. */
  postgres: string;
  /**
   * Where COPY reads and UNLOAD writes: an S3 client, or an endpoint (path-style) and credentials;
   * `timeouts` bound every S3 request (default 10 s to answer, 30 s without data).
   */
  s3?: S3Options | undefined;
  /** Number of slices stv_slices reports and UNLOAD ... PARALLEL ON writes files for (default 2). */
  slices?: number | undefined;
  /** Schema of the backend database holding the emulator's catalog (default "upshift_emulator"). */
  catalogSchema?: string | undefined;
  /** Isolation of every transaction: Redshift's serializable (default) or snapshot. */
  isolation?: 'serializable' | 'snapshot' | undefined;
  /** TLS key and certificate, for clients that require SSL. */
  tls?: TlsOptions | undefined;
  /**
   * Serve the AWS APIs clients reach Redshift through: the Redshift Data API, and the temporary
   * credentials calls of Redshift (GetClusterCredentials[WithIAM]) and Redshift Serverless
   * (GetCredentials), on an HTTP endpoint for the AWS SDK clients' `endpoint`.
   */
  dataApi?: boolean | DataApiOptions | undefined;
}

export interface RedshiftEmulator {
  /** A connection URL for clients: postgres://user@host:port/database. */
  url: string;
  port: number;
  /** The AWS endpoint's URL (http://host:port) when `dataApi` is on. */
  dataApiEndpoint: string | undefined;
  /** The AWS endpoint's requests and fault injection, when `dataApi` is on. */
  aws: AwsControl | undefined;
  close(): Promise<void>;
}

function forwardCancel(postgres: string, request: Buffer): void {
  const url = new URL(postgres);
  const s = net.connect(Number(url.port || 5432), url.hostname || '127.0.0.1', () => s.end(request));
  s.on('error', () => {});
}

export async function startRedshiftEmulator(options: RedshiftEmulatorOptions): Promise<RedshiftEmulator> {
  const schema = options.catalogSchema ?? 'upshift_emulator';
  await ensureCatalog(options.postgres, schema);
  const admin = new pg.Pool({ connectionString: options.postgres, max: 2 });
  admin.on('error', () => {});
  const ctx: EmulatorContext = {
    postgres: options.postgres,
    schema,
    slices: options.slices ?? 2,
    isolation: options.isolation === 'snapshot' ? 'repeatable read' : 'serializable',
    s3: S3Store.fromOptions(options.s3 ?? {}),
    admin,
    log: new QueryLog(admin, schema),
  };
  const users = new TemporaryUsers(admin);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // Every reply is a few small writes: with Nagle's algorithm on, each round trip waited ~45 ms
    // for the client's delayed ACK (22 statements/s against ~6,200/s with it off).
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const conn: PostgresConnection = new PostgresConnection(socket, {
      authMode: 'none',
      onMessage(data, state) {
        // CancelRequest (code 80877102): the key is the backend's own, so it goes to Postgres as sent.
        if (state.hasStarted || data.length !== 16 || Buffer.from(data).readInt32BE(4) !== 80877102) return false;
        forwardCancel(options.postgres, Buffer.from(data));
        socket.end();
        return true;
      },
      ...(options.tls ? { tls: options.tls } : {}),
      async onStartup(state) {
        const client = conn.detach();
        const admission = await admit(client, state.clientInfo?.parameters.user ?? '', users).catch(
          () => 'refused' as const,
        );
        if (admission === 'refused') return true;
        const session = new ClientSession(client, ctx, admission.login);
        try {
          await session.start();
        } catch (err) {
          client.write(
            errorResponse({
              S: 'FATAL',
              C: '08006',
              M: `emulator backend: ${err instanceof Error ? err.message : String(err)}`,
            }),
          );
          client.end();
        }
        return true;
      },
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  let aws: RunningAws | undefined;
  if (options.dataApi) {
    const dataApi = options.dataApi === true ? {} : options.dataApi;
    aws = await startAws(ctx, users, host, dataApi);
  }
  const db = new URL(options.postgres);
  const url = `postgres://${db.username || 'postgres'}@${host}:${port}${db.pathname || '/postgres'}`;
  return {
    url,
    port,
    dataApiEndpoint: aws?.url,
    aws: aws?.control,
    async close() {
      await aws?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await users.close();
      await ctx.log.close();
      await admin.end();
    },
  };
}
