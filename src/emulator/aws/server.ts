// The emulator's AWS endpoint: one HTTP listener on loopback for the Redshift Data API, Redshift
// Serverless (JSON 1.1, X-Amz-Target) and Redshift (query protocol), so the real AWS SDK clients
// work against it given `endpoint`. Signatures are not verified, but a request must carry one.
// Tests read what clients sent (`requests`) and make calls fail with throttling.
import http from 'node:http';
import type net from 'node:net';
import type { Caller, CredentialsService } from '../iam/credentials.js';
import { AwsError, accessKeyOf, jsonError, parseForm, xmlError, type HttpAnswer } from './protocol.js';

/** The AWS service a request was for, by its SDK client: Data API, Serverless, Redshift. */
export type AwsService = 'redshift-data' | 'redshift-serverless' | 'redshift';

/** One request as the emulator received it. */
export interface AwsRequest {
  service: AwsService;
  /** The action called: `ExecuteStatement`, `GetClusterCredentials`... */
  action: string;
  /** The JSON body, or the query protocol's form parameters. */
  body: Record<string, unknown>;
  /** Answered with a ThrottlingException by `throttle`. */
  throttled?: boolean;
}

/** The Data API's actions, by name (data-api/service.ts). */
export interface ActionHandler {
  handle(action: string, body: Record<string, unknown>, caller: Caller): Promise<HttpAnswer>;
}

export interface AwsEndpoint {
  url: string;
  requests: AwsRequest[];
  /** Answers the next `count` calls (of `action` only, when given) with ThrottlingException. */
  throttle(count: number, action?: string): void;
  close(): Promise<void>;
}

interface Throttle {
  count: number;
  action: string | undefined;
}

export async function startAwsEndpoint(
  options: { port?: number | undefined; host?: string | undefined },
  credentials: CredentialsService,
  dataApi: ActionHandler | undefined,
): Promise<AwsEndpoint> {
  const requests: AwsRequest[] = [];
  const throttle: Throttle = { count: 0, action: undefined };
  const route = (req: http.IncomingMessage, body: string): Promise<HttpAnswer> =>
    answer(req, body, { requests, throttle, credentials, dataApi });
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void route(req, Buffer.concat(chunks).toString('utf8')).then((a) => {
        res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.body) });
        res.end(a.body);
      });
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    requests,
    throttle(count, action) {
      throttle.count = count;
      throttle.action = action;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface Routing {
  requests: AwsRequest[];
  throttle: Throttle;
  credentials: CredentialsService;
  dataApi: ActionHandler | undefined;
}

async function answer(req: http.IncomingMessage, text: string, r: Routing): Promise<HttpAnswer> {
  const target = req.headers['x-amz-target'];
  const json = typeof target === 'string';
  try {
    const { service, action, body } = json ? readJson(target, text) : readQuery(text);
    const entry: AwsRequest = { service, action, body };
    r.requests.push(entry);
    const accessKeyId = accessKeyOf(req.headers.authorization ?? '');
    if (accessKeyId === undefined)
      throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    if (r.throttle.count > 0 && (r.throttle.action === undefined || r.throttle.action === action)) {
      r.throttle.count--;
      entry.throttled = true;
      throw new AwsError(json ? 'ThrottlingException' : 'Throttling', 'Rate exceeded', 400);
    }
    return await dispatch(service, action, body, { accessKeyId }, r);
  } catch (err) {
    const e = err instanceof AwsError ? err : new AwsError('InternalServerException', String(err), 500);
    return json ? jsonError(e) : xmlError(queryCode(e));
  }
}

/** The query protocol has its own names for the common errors. */
function queryCode(e: AwsError): AwsError {
  if (e.code === 'MissingAuthenticationTokenException')
    return new AwsError('MissingAuthenticationToken', e.message, 403);
  if (e.code === 'InternalServerException') return new AwsError('InternalFailure', e.message, 500);
  return e;
}

function readJson(
  target: string,
  text: string,
): { service: AwsService; action: string; body: Record<string, unknown> } {
  const [prefix, action = ''] = target.split('.');
  const service =
    prefix === 'RedshiftData' ? 'redshift-data' : prefix === 'RedshiftServerless' ? 'redshift-serverless' : undefined;
  if (service === undefined) throw new AwsError('UnknownOperationException', `Unknown target ${target}`);
  let body: unknown;
  try {
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AwsError('SerializationException', 'The request body is not a JSON object.');
  return { service, action, body: body as Record<string, unknown> };
}

function readQuery(text: string): { service: AwsService; action: string; body: Record<string, unknown> } {
  const form = parseForm(text);
  const action = form.Action;
  if (action === undefined) throw new AwsError('MissingAction', 'The request must contain the parameter Action.');
  return { service: 'redshift', action, body: form };
}

function dispatch(
  service: AwsService,
  action: string,
  body: Record<string, unknown>,
  caller: Caller,
  r: Routing,
): Promise<HttpAnswer> {
  if (service === 'redshift') {
    const form = body as Record<string, string>;
    if (action === 'GetClusterCredentials') return r.credentials.getClusterCredentials(form, caller);
    if (action === 'GetClusterCredentialsWithIAM') return r.credentials.getClusterCredentialsWithIAM(form, caller);
    throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
  }
  if (service === 'redshift-serverless') {
    if (action === 'GetCredentials') return r.credentials.getCredentials(body, caller);
    throw new AwsError('UnknownOperationException', `The emulator does not serve RedshiftServerless.${action}.`);
  }
  if (r.dataApi) return r.dataApi.handle(action, body, caller);
  throw new AwsError('UnknownOperationException', `The emulator does not serve RedshiftData.${action}.`);
}
