// S3 paths as users give them: an `s3://bucket/key` URI, or a path under a base path.
import { parseS3Uri, resolveS3BasePath, type UpshiftConfig } from '../config.js';
import { UsageError } from '../errors.js';

/**
 * `s3://...` as it is; anything else is a path under the base path (no leading slash needed):
 * `basePath`, else `config.s3BasePath`, else env UPSHIFT_S3_BASE_PATH. Without one this throws
 * the same UpshiftConfigError as S3Stage, naming every way to set one.
 */
export function resolveS3Path(path: string, basePath?: string, config?: UpshiftConfig): string {
  if (path.startsWith('s3://')) {
    if (!parseS3Uri(path))
      throw new UsageError(`${JSON.stringify(path)} is not an s3://bucket/key URI with a valid bucket name`);
    return path;
  }
  const base = resolveS3BasePath(basePath, config);
  const rel = path.replace(/^\/+/, '');
  if (rel.split('/').some((seg) => seg === '.' || seg === '..'))
    throw new UsageError(
      `path ${JSON.stringify(path)} has a '.' or '..' segment; S3 keys are not resolved like file paths`,
    );
  return `s3://${base.bucket}/${base.prefix ? `${base.prefix}/` : ''}${rel}`;
}

/** A resolved URI's bucket and key; `needKey` refuses a bare bucket. */
export function objectLocation(uri: string, needKey = true): { bucket: string; key: string; uri: string } {
  const loc = parseS3Uri(uri);
  if (!loc) throw new UsageError(`${JSON.stringify(uri)} is not an s3://bucket/key URI with a valid bucket name`);
  if (needKey && loc.key === '') throw new UsageError(`${uri} names a bucket, not an object`);
  return { ...loc, uri };
}
