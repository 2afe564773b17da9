// Where unloaded files go: an S3 prefix (any s3:// URI, or a path under an S3Stage's base path)
// or, with a LocalStage, a folder under the stage's directory. Both write streams, so an unload
// never holds a file in memory.
import { UsageError } from '../../errors.js';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PassThrough, type Writable } from 'node:stream';
import { listPages, putObject } from '../../s3/objects.js';
import { objectLocation, resolveS3Path } from '../../s3/paths.js';
import { S3Client } from '../../s3/sdk.js';
import { openUpload, STREAMED_UPLOAD_PART } from '../../s3/upload.js';
import { LocalStage } from '../../stage/local.js';
import { S3Stage } from '../../stage/s3.js';
import type { Stage } from '../../stage/types.js';

export interface OutputFile {
  uri: string;
  stream: Writable;
  /** After `stream` ended: resolves when the object is complete. */
  done(): Promise<void>;
  abort(): Promise<void>;
}

export interface OutputLocation {
  /** The folder/prefix URI, ending with '/'. */
  readonly uri: string;
  open(name: string): OutputFile;
  putText(name: string, text: string): Promise<string>;
  /** URIs of objects already under the prefix (S3 prefix semantics) or in the folder. */
  existing(): Promise<string[]>;
}

/** An unload target as a URI: s3:// stays; a relative path resolves under the stage's base. */
export function resolveUnloadTarget(stage: Stage, target: string): string {
  if (target.startsWith('s3://')) return withSlash(resolveS3Path(target));
  if (target.startsWith('file://'))
    throw new UsageError(`unload target ${target}: give an s3:// URI or a path relative to the stage's base path`);
  const rel = target.replace(/^\/+/, '').replace(/\/+$/, '');
  if (rel === '' || rel.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new UsageError(
      `unload target ${JSON.stringify(target)} must be an s3:// URI or a relative path like 'exports/candy' (no empty, '.' or '..' segments)`,
    );
  }
  if (stage instanceof S3Stage) return withSlash(resolveS3Path(rel, stage.basePath));
  if (stage instanceof LocalStage) return withSlash(pathToFileURL(join(stage.dir, ...rel.split('/'))).href);
  throw new UsageError(`unload to a relative path needs an S3Stage or a LocalStage; give an s3:// URI instead`);
}

const withSlash = (uri: string): string => (uri.endsWith('/') ? uri : `${uri}/`);

export function openOutput(stage: Stage, targetUri: string, s3Client?: S3Client): OutputLocation {
  if (targetUri.startsWith('s3://')) {
    const client = s3Client ?? (stage instanceof S3Stage ? stage.client : new S3Client({}));
    return s3Output(client, targetUri);
  }
  const dir = new URL(targetUri).pathname;
  if (!(stage instanceof LocalStage))
    throw new UsageError(`unload target ${targetUri} is a local folder, but the stage is not a LocalStage`);
  const rel = relative(stage.dir, dir);
  if (rel.startsWith('..') || isAbsolute(rel))
    throw new UsageError(`unload target ${targetUri} is outside the stage folder ${stage.dir}`);
  return localOutput(resolve(dir));
}

function s3Output(client: S3Client, prefix: string): OutputLocation {
  return {
    uri: prefix,
    open: (name) => {
      const { bucket, key } = objectLocation(prefix + name);
      const sink = openUpload(client, bucket, key, { partBytes: STREAMED_UPLOAD_PART });
      return { uri: sink.uri, stream: sink.stream, done: () => sink.done(), abort: () => sink.abort() };
    },
    putText: async (name, text) => {
      const { bucket, key, uri } = objectLocation(prefix + name);
      await putObject(client, bucket, key, text, 'application/json');
      return uri;
    },
    existing: async () => {
      // One object is enough to know the prefix is not empty.
      const { bucket, key } = objectLocation(prefix, false);
      for await (const page of listPages(client, { bucket, prefix: key, pageSize: 10 })) {
        if (page.objects.length > 0) return [`s3://${bucket}/${page.objects[0]!.key}`];
      }
      return [];
    },
  };
}

function localOutput(dir: string): OutputLocation {
  return {
    uri: pathToFileURL(dir).href + '/',
    open: (name) => {
      const path = join(dir, name);
      const temp = join(dir, `.${name}.tmp`);
      let stream: Writable | undefined;
      const ready = mkdir(dir, { recursive: true });
      // Created lazily after mkdir: a write stream opens its file at once.
      const pass = new PassThrough({ highWaterMark: 64 * 1024 });
      const written = ready.then(
        () =>
          new Promise<void>((ok, bad) => {
            stream = createWriteStream(temp);
            pass.pipe(stream);
            stream.once('finish', () => ok());
            stream.once('error', bad);
            pass.once('error', bad);
          }),
      );
      written.catch(() => {});
      return {
        uri: pathToFileURL(path).href,
        stream: pass,
        done: async () => {
          await written;
          await rename(temp, path);
        },
        abort: async () => {
          pass.destroy();
          stream?.destroy();
          await rm(temp, { force: true });
        },
      };
    },
    putText: async (name, text) => {
      await mkdir(dir, { recursive: true });
      const path = join(dir, name);
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
      return pathToFileURL(path).href;
    },
    existing: async () => {
      const names = await readdir(dir).catch(() => [] as string[]);
      return names.filter((n) => !n.startsWith('.')).map((n) => pathToFileURL(join(dir, n)).href);
    },
  };
}
