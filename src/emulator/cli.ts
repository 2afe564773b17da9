// `upshift emulator --port 5439 --postgres URL --s3-endpoint URL`: the code the CLI calls.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startRedshiftEmulator, type RedshiftEmulator } from './server.js';

export interface EmulatorCliOptions {
  port: number;
  host: string;
  postgres: string;
  s3Endpoint?: string | undefined;
  s3Region?: string | undefined;
  slices: number;
  tlsKey?: string | undefined;
  tlsCert?: string | undefined;
  /** Port of the AWS endpoint (the Data API and the temporary credentials calls); absent: not served. */
  dataApiPort?: number | undefined;
}

export const EMULATOR_USAGE = `usage: upshift emulator [--port 5439] [--host 127.0.0.1] --postgres URL [--s3-endpoint URL]
                       [--s3-region us-east-1] [--slices 2] [--tls-key key.pem --tls-cert cert.pem]
                       [--data-api-port 0]
  --postgres defaults to $DATABASE_URL; S3 credentials come from the usual AWS environment variables.
  --data-api-port serves the Redshift Data API and the temporary credentials calls (Redshift
  GetClusterCredentials[WithIAM], Serverless GetCredentials) over HTTP for the AWS SDK's endpoint.`;

/** Parses the emulator's command-line arguments (without the leading `emulator`). */
export function parseEmulatorArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): EmulatorCliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '5439' },
      host: { type: 'string', default: '127.0.0.1' },
      postgres: { type: 'string' },
      's3-endpoint': { type: 'string' },
      's3-region': { type: 'string' },
      slices: { type: 'string', default: '2' },
      'tls-key': { type: 'string' },
      'tls-cert': { type: 'string' },
      'data-api-port': { type: 'string' },
    },
    strict: true,
  });
  const postgres = values.postgres ?? env.DATABASE_URL;
  if (!postgres) throw new Error(`--postgres URL is required\n${EMULATOR_USAGE}`);
  const port = Number(values.port);
  const slices = Number(values.slices);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port: ${values.port}`);
  if (!Number.isInteger(slices) || slices < 1) throw new Error(`--slices: not a positive integer: ${values.slices}`);
  const out: EmulatorCliOptions = { port, host: values.host, postgres, slices };
  if (values['s3-endpoint']) out.s3Endpoint = values['s3-endpoint'];
  if (values['s3-region']) out.s3Region = values['s3-region'];
  if (Boolean(values['tls-key']) !== Boolean(values['tls-cert']))
    throw new Error('--tls-key and --tls-cert go together');
  if (values['tls-key']) out.tlsKey = values['tls-key'];
  if (values['tls-cert']) out.tlsCert = values['tls-cert'];
  if (values['data-api-port'] !== undefined) {
    const p = Number(values['data-api-port']);
    if (!Number.isInteger(p) || p < 0 || p > 65535)
      throw new Error(`--data-api-port: not a port: ${values['data-api-port']}`);
    out.dataApiPort = p;
  }
  return out;
}

/**
 * Starts the emulator from command-line arguments and prints its URL; returns the running
 * emulator (the caller closes it, e.g. on SIGINT).
 */
export async function runEmulatorCli(
  argv: string[],
  log: (line: string) => void = console.log,
): Promise<RedshiftEmulator> {
  const o = parseEmulatorArgs(argv);
  const emulator = await startRedshiftEmulator({
    port: o.port,
    host: o.host,
    postgres: o.postgres,
    slices: o.slices,
    ...(o.tlsKey && o.tlsCert ? { tls: { key: readFileSync(o.tlsKey), cert: readFileSync(o.tlsCert) } } : {}),
    s3: {
      ...(o.s3Endpoint ? { endpoint: o.s3Endpoint } : {}),
      ...(o.s3Region ? { region: o.s3Region } : {}),
    },
    ...(o.dataApiPort !== undefined ? { dataApi: { port: o.dataApiPort } } : {}),
  });
  log(`Redshift emulator listening: ${emulator.url}`);
  if (emulator.dataApiEndpoint) log(`Redshift Data API endpoint: ${emulator.dataApiEndpoint}`);
  return emulator;
}
