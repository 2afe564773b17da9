// The two wire formats of the AWS APIs the emulator serves: JSON 1.1 (Redshift Data API, Redshift
// Serverless: X-Amz-Target names the action) and the query protocol (Redshift: a form-encoded
// POST naming its Action, answered in XML).
import { randomUUID } from 'node:crypto';

/** An error an action answers with: its code (the exception's name), HTTP status and message. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Members of the exception beside its message (ResourceId, StatementId...). */
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const validation = (message: string): AwsError => new AwsError('ValidationException', message);

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** JSON with int8 values exact: bigints are written as bare digits (the Data API's longValue). */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}\u0000` : v));
  return text.replace(/"\\u0000(-?\d+)\\u0000"/g, '$1');
}

export function jsonAnswer(value: unknown): HttpAnswer {
  return { status: 200, headers: jsonHeaders(), body: toJson(value) };
}

export function jsonError(e: AwsError): HttpAnswer {
  return {
    status: e.status,
    headers: { ...jsonHeaders(), 'x-amzn-errortype': e.code },
    body: toJson({ __type: e.code, message: e.message, ...e.members }),
  };
}

const jsonHeaders = (): Record<string, string> => ({
  'content-type': 'application/x-amz-json-1.1',
  'x-amzn-requestid': randomUUID(),
});

/** A query-protocol request's parameters; `Name.member.N` style lists are read with `formList`. */
export function parseForm(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body)) out[k] = v;
  return out;
}

/** The values of a query-protocol list parameter: `DbGroups.DbGroup.1=a&DbGroups.DbGroup.2=b`. */
export function formList(form: Record<string, string>, name: string): string[] {
  const items: Array<[number, string]> = [];
  for (const [k, v] of Object.entries(form)) {
    const m = new RegExp(`^${name}\\.[A-Za-z]+\\.(\\d+)$`).exec(k);
    if (m) items.push([Number(m[1]), v]);
  }
  return items.sort((a, b) => a[0] - b[0]).map((i) => i[1]);
}

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const NS = 'http://redshift.amazonaws.com/doc/2012-12-01/';

/** `<ActionResponse><ActionResult>fields</ActionResult><ResponseMetadata/></ActionResponse>`. */
export function xmlAnswer(action: string, fields: Record<string, string | Date | undefined>): HttpAnswer {
  const inner = Object.entries(fields)
    .filter((e): e is [string, string | Date] => e[1] !== undefined)
    .map(([k, v]) => `<${k}>${escapeXml(v instanceof Date ? v.toISOString() : v)}</${k}>`)
    .join('');
  const body =
    `<${action}Response xmlns="${NS}"><${action}Result>${inner}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

export function xmlError(e: AwsError): HttpAnswer {
  const type = e.status >= 500 ? 'Receiver' : 'Sender';
  const body =
    `<ErrorResponse xmlns="${NS}"><Error><Type>${type}</Type><Code>${escapeXml(e.code)}</Code>` +
    `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  return { status: e.status, headers: { 'content-type': 'text/xml' }, body };
}

/** The access key id of a SigV4 Authorization header (`Credential=AKID/date/region/service/aws4_request`). */
export function accessKeyOf(authorization: string): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
}
