// The one S3 access layer against a scripted client: listing follows every continuation token,
// deletes go 1000 keys a request and name the key that failed, and a failed streamed upload
// aborts its multipart upload. (test/s3/files.test.ts and test/stage/s3.test.ts run the same
// code against a local S3 server.)
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it, vi } from 'vitest';
import { deleteKeys, listPages, S3DeleteError } from '../../src/s3/objects.js';
import type { S3Client } from '../../src/s3/sdk.js';
import { S3Files } from '../../src/toolbox/index.js';

interface Sent {
  command: string;
  input: Record<string, unknown>;
}

/** A client whose answers come from `answer`, recording every command sent. */
function scriptedClient(answer: (sent: Sent, n: number) => unknown): { client: S3Client; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const s = { command: command.constructor.name, input: command.input };
      const n = sent.push(s) - 1;
      await Promise.resolve();
      return answer(s, n);
    },
  };
  return { client: client as unknown as S3Client, sent };
}

describe('the S3 access layer', () => {
  it('lists every page of a prefix, with sub-folders when delimited', async () => {
    const { client, sent } = scriptedClient((_s, n) =>
      n < 2
        ? {
            Contents: [{ Key: `p/k${n}`, Size: n }],
            CommonPrefixes: [{ Prefix: `p/d${n}/` }],
            IsTruncated: true,
            NextContinuationToken: `t${n}`,
          }
        : { Contents: [{ Key: 'p/k2', Size: 2 }], IsTruncated: false },
    );
    const pages = [];
    for await (const page of listPages(client, { bucket: 'b', prefix: 'p/', delimited: true, pageSize: 1 }))
      pages.push(page);
    expect(pages.map((p) => p.objects.map((o) => o.key))).toEqual([['p/k0'], ['p/k1'], ['p/k2']]);
    expect(pages.flatMap((p) => p.folders)).toEqual(['p/d0/', 'p/d1/']);
    expect(sent.map((s) => s.input.ContinuationToken)).toEqual([undefined, 't0', 't1']);
    expect(sent[0]!.input).toMatchObject({ Bucket: 'b', Prefix: 'p/', Delimiter: '/', MaxKeys: 1 });
  });

  it('deletes 1000 keys a request; a refused key fails naming it, a failed request names its batch', async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
    const ok = scriptedClient(() => ({}));
    await deleteKeys(ok.client, 'b', keys);
    expect(ok.sent.map((s) => (s.input.Delete as { Objects: unknown[] }).Objects.length)).toEqual([1000, 1000, 500]);
    expect(ok.sent.every((s) => s.command === 'DeleteObjectsCommand')).toBe(true);

    const refused = scriptedClient((_s, n) =>
      n === 1 ? { Errors: [{ Key: 'k1500', Code: 'AccessDenied', Message: 'Access Denied' }] } : {},
    );
    const err = await deleteKeys(refused.client, 'b', keys).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(S3DeleteError);
    expect(err).toMatchObject({ key: 'k1500', uri: 's3://b/k1500' });
    expect((err as Error).message).toBe('S3 delete of s3://b/k1500 failed: AccessDenied: Access Denied');
    expect(refused.sent).toHaveLength(2);

    const lost = scriptedClient((_s, n) => {
      if (n === 2) throw Object.assign(new Error('socket hang up'), { name: 'ECONNRESET' });
      return {};
    });
    const err2 = await deleteKeys(lost.client, 'b', keys).catch((e: unknown) => e);
    expect(err2).toMatchObject({ key: 'k2000', cause: { name: 'ECONNRESET' } });
  });

  it('a streamed upload that fails aborts its multipart upload, and done() says which object', async () => {
    const { client, sent } = scriptedClient((s) => {
      if (s.command === 'CreateMultipartUploadCommand') return { UploadId: 'u1' };
      if (s.command === 'UploadPartCommand') throw new Error('part refused');
      return {};
    });
    const files = new S3Files({ client, uploadPartBytes: 5 * 1024 * 1024 });
    const sink = files.openUpload('s3://bkt/big.bin', { contentType: 'application/octet-stream' });
    const body = Readable.from([Buffer.alloc(6 * 1024 * 1024)]);
    await expect(pipeline(body, sink.stream)).rejects.toThrow('S3 upload of s3://bkt/big.bin failed: part refused');
    await expect(sink.done()).rejects.toThrow('S3 upload of s3://bkt/big.bin failed: part refused');
    // Nobody calls sink.abort(): the failure alone aborts the upload.
    await vi.waitFor(() =>
      expect(sent.map((s) => s.command)).toEqual([
        'CreateMultipartUploadCommand',
        'UploadPartCommand',
        'AbortMultipartUploadCommand',
      ]),
    );
    expect(sent[0]!.input).toMatchObject({ Bucket: 'bkt', Key: 'big.bin', ContentType: 'application/octet-stream' });
    expect(sent[2]!.input).toMatchObject({ Bucket: 'bkt', Key: 'big.bin', UploadId: 'u1' });
  });

  it('refuses an upload part size under S3 minimum', () => {
    expect(() => new S3Files({ client: scriptedClient(() => ({})).client, uploadPartBytes: 1024 })).toThrow(
      /uploadPartBytes must be an integer of at least 5 MiB/,
    );
  });
});
