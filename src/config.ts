// Configuration that several parts of upshift read, resolved in one place: an explicit option
// wins, then the config object the user passes around, then the environment. Each setting that
// can be missing or malformed says all the ways to set it, so a user never has to guess.
import { UpshiftError } from './errors.js';

/**
 * Settings shared across upshift. Small on purpose: other parts add their own optional fields
 * (interface merging works too: `declare module 'upshift' { interface UpshiftConfig { ... } }`).
 */
export interface UpshiftConfig {
  /** Where loads are staged in S3: `s3://bucket/prefix` (env: UPSHIFT_S3_BASE_PATH). */
  s3BasePath?: string | undefined;
}

export const S3_BASE_PATH_ENV = 'UPSHIFT_S3_BASE_PATH';

/** A missing or malformed setting. */
export class UpshiftConfigError extends UpshiftError {
  declare readonly code: 'CONFIG_INVALID';
  override name = 'UpshiftConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('CONFIG_INVALID', message, options);
  }
}

/** An S3 location split into bucket and key prefix (no leading or trailing slash; '' for the bucket root). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

// S3 bucket naming rules (general purpose buckets): 3-63 chars of a-z, 0-9, '.', '-',
// starting and ending with a letter or digit.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket/key...`; returns undefined when it isn't one. */
export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m || !BUCKET.test(m[1]!)) return undefined;
  return { bucket: m[1]!, key: m[2] ?? '' };
}

const WAYS =
  `Set it one of three ways: the basePath option (new S3Stage({ basePath: 's3://my-bucket/upshift' })), ` +
  `the config object ({ s3BasePath: 's3://my-bucket/upshift' }), or the environment variable ${S3_BASE_PATH_ENV}=s3://my-bucket/upshift.`;

/**
 * The S3 base path for staged loads: the option, else `config.s3BasePath`, else the env var
 * UPSHIFT_S3_BASE_PATH. Throws an UpshiftConfigError naming all three when none is set or the
 * chosen one is not `s3://bucket[/prefix]`.
 */
export function resolveS3BasePath(
  option?: string,
  config?: UpshiftConfig,
  env: Record<string, string | undefined> = process.env,
): S3Location {
  const candidates: Array<[string | undefined, string]> = [
    [option, 'the basePath option'],
    [config?.s3BasePath, 'config.s3BasePath'],
    [env[S3_BASE_PATH_ENV], `the environment variable ${S3_BASE_PATH_ENV}`],
  ];
  const found = candidates.find(([value]) => value !== undefined && value.trim() !== '');
  if (!found) throw new UpshiftConfigError(`No S3 base path for staging loads. ${WAYS}`);
  const [raw, source] = found as [string, string];
  const value = raw.trim();
  const parsed = parseS3Uri(value);
  if (!parsed) {
    throw new UpshiftConfigError(
      `The S3 base path ${JSON.stringify(raw)} (from ${source}) is malformed: it must look like s3://bucket or s3://bucket/prefix, ` +
        `with a valid bucket name (3-63 characters: a-z, 0-9, '.', '-'). ${WAYS}`,
    );
  }
  const prefix = parsed.key.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && prefix.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) {
    throw new UpshiftConfigError(
      `The S3 base path ${JSON.stringify(raw)} (from ${source}) is malformed: its prefix has an empty, '.' or '..' segment. ${WAYS}`,
    );
  }
  return { bucket: parsed.bucket, prefix };
}
