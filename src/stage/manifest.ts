// Redshift's manifest format: {"entries":[{"url":"s3://b/k","mandatory":true,"meta":{"content_length":N}}]}.
// `mandatory: true` makes COPY fail if a file is missing instead of loading a partial set;
// content_length is required for columnar formats and harmless for CSV; record_count (rows per
// file, as UNLOAD's MANIFEST VERBOSE writes it) lets audit and replay see rows without reading.
// The `upshift` key beside the entries (ManifestLoad) is upshift's own: COPY needs only url
// and mandatory and ignores other keys, as it does for UNLOAD's MANIFEST VERBOSE keys.
import { UpshiftError } from '../errors.js';
import type { Manifest, ManifestLoad, StagedFile } from './types.js';

/** A manifest that is not in Redshift's manifest format; names the manifest and what is wrong. */
export class ManifestError extends UpshiftError {
  declare readonly code: 'MANIFEST_INVALID';
  override name = 'ManifestError';
  constructor(message: string, options?: ErrorOptions) {
    super('MANIFEST_INVALID', message, options);
  }
}

export function buildManifest(files: readonly StagedFile[], load?: ManifestLoad): Manifest {
  return {
    entries: files.map((f) => ({
      url: f.uri,
      mandatory: true,
      meta: { content_length: f.bytes, ...(f.rows !== undefined ? { record_count: f.rows } : {}) },
    })),
    ...(load ? { upshift: load } : {}),
  };
}

/** Parses and checks a manifest's shape; `where` names it in errors. */
export function parseManifest(text: string, where: string): Manifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`manifest ${where} is not JSON: ${(e as Error).message}`, { cause: e });
  }
  const entries = (doc as Manifest | null)?.entries;
  if (!Array.isArray(entries))
    throw new ManifestError(
      `manifest ${where} has no "entries" list: expected Redshift's manifest format {"entries":[{"url":...,"mandatory":true}]}`,
    );
  entries.forEach((e, i) => {
    if (typeof e?.url !== 'string' || e.url === '')
      throw new ManifestError(`manifest ${where}: entry ${i} has no "url"`);
    if (e.mandatory !== undefined && typeof e.mandatory !== 'boolean')
      throw new ManifestError(`manifest ${where}: entry ${i} has a non-boolean "mandatory"`);
    const len = e.meta?.content_length;
    if (len !== undefined && !(Number.isSafeInteger(len) && len >= 0))
      throw new ManifestError(`manifest ${where}: entry ${i} has an invalid meta.content_length`);
  });
  const load = (doc as Manifest).upshift;
  if (load !== undefined && (typeof load !== 'object' || load === null || Array.isArray(load)))
    throw new ManifestError(`manifest ${where} has an "upshift" entry that is not an object`);
  return {
    entries: entries.map((e) => ({ url: e.url, mandatory: e.mandatory ?? false, ...(e.meta ? { meta: e.meta } : {}) })),
    ...(load ? { upshift: load } : {}),
  };
}
