// An S3 client for the local s3rver started by global-setup, with the settings it needs:
// path-style addressing, and checksums only when required (else streamed uploads are
// silently corrupted by aws-chunked encoding).
import { S3Client } from '@aws-sdk/client-s3';

export const TEST_BUCKET = 'upshift-test';

export function testS3Endpoint(): string {
  const endpoint = process.env.UPSHIFT_TEST_S3_ENDPOINT;
  if (!endpoint) throw new Error('UPSHIFT_TEST_S3_ENDPOINT is not set: the vitest global setup starts s3rver');
  return endpoint;
}

/** A client for the suite's s3rver, or for another local S3 at `endpoint` (a fault proxy, a bench's own). */
export function testS3Client(endpoint = testS3Endpoint()): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
