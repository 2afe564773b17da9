// The AWS SDK classes upshift uses, each loaded when first used rather than with 'upshift': the
// SDK's import was ~100 ms on top of a ~60 ms bare node start (bench/startup.bench.ts), paid by
// every Postgres-only load and Lambda cold start.
import type * as ClientS3 from '@aws-sdk/client-s3';
import { lazyClass, requireHere } from '../lazy.js';

const clientS3 = () => requireHere('@aws-sdk/client-s3') as typeof ClientS3;

export type S3Client = ClientS3.S3Client;
export const S3Client = lazyClass(() => clientS3().S3Client);
export const AbortMultipartUploadCommand = lazyClass(() => clientS3().AbortMultipartUploadCommand);
export const CompleteMultipartUploadCommand = lazyClass(() => clientS3().CompleteMultipartUploadCommand);
export const CreateMultipartUploadCommand = lazyClass(() => clientS3().CreateMultipartUploadCommand);
export const DeleteObjectsCommand = lazyClass(() => clientS3().DeleteObjectsCommand);
export const GetObjectCommand = lazyClass(() => clientS3().GetObjectCommand);
export const HeadObjectCommand = lazyClass(() => clientS3().HeadObjectCommand);
export const ListObjectsV2Command = lazyClass(() => clientS3().ListObjectsV2Command);
export const PutObjectCommand = lazyClass(() => clientS3().PutObjectCommand);
export const UploadPartCommand = lazyClass(() => clientS3().UploadPartCommand);
