// The AWS SDK classes upshift uses, loaded when one is first constructed rather than when
// 'upshift' is imported: the SDK's import is ~100 ms of a ~60 ms bare node start (measured with
// bench/startup.bench.ts), paid by every Postgres-only load and Lambda cold start otherwise.
// The SDK's Node entry is CommonJS, so `require` returns the very module `import()` would:
// instances made here are the SDK's own, and a caller's own S3Client works with them.
import { createRequire } from 'node:module';
import type * as ClientS3 from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';

const requireHere = createRequire(import.meta.url);

type AnyClass = abstract new (...args: never[]) => unknown;

/**
 * Stands in for a class until it is first used (`new`, a static, `instanceof`): a Proxy that
 * forwards each of those to the real class, required then. Call sites read as plain SDK code.
 */
function lazyClass<C extends AnyClass>(load: () => C): C {
  let real: C | undefined;
  const target = () => (real ??= load()) as unknown as new (...args: unknown[]) => object;
  const proxy: C = new Proxy(function lazySdkClass() {} as unknown as C, {
    // new.target is the real class, unless a subclass of this stand-in is being constructed
    construct: (_stub, args, newTarget) => Reflect.construct(target(), args, newTarget === proxy ? target() : newTarget),
    get: (_stub, key) => Reflect.get(target(), key),
    has: (_stub, key) => Reflect.has(target(), key),
  });
  return proxy;
}

const clientS3 = () => requireHere('@aws-sdk/client-s3') as typeof ClientS3;

export type S3Client = ClientS3.S3Client;
export const S3Client = lazyClass(() => clientS3().S3Client);
export const AbortMultipartUploadCommand = lazyClass(() => clientS3().AbortMultipartUploadCommand);
export const DeleteObjectsCommand = lazyClass(() => clientS3().DeleteObjectsCommand);
export const GetObjectCommand = lazyClass(() => clientS3().GetObjectCommand);
export const HeadObjectCommand = lazyClass(() => clientS3().HeadObjectCommand);
export const ListObjectsV2Command = lazyClass(() => clientS3().ListObjectsV2Command);
export const PutObjectCommand = lazyClass(() => clientS3().PutObjectCommand);
export type Upload = LibStorage.Upload;
export const Upload = lazyClass(() => (requireHere('@aws-sdk/lib-storage') as typeof LibStorage).Upload);
