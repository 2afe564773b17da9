// Models, files and S3 objects shared by the source tests. Compressed fixtures are made by the
// real tools (gzip in Node, the zstd and bzip2 command-line programs), not by our own decoders.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineTable, t } from '../../src/index.js';

export function candyModel(schema: string, name: string) {
  return defineTable(
    `${schema}.${name}`,
    {
      id: t.bigint().notNull(),
      name: t.varchar(64),
      price: t.decimal(10, 2),
      active: t.boolean(),
      tags: t.super(),
      updated_at: t.timestamptz().notNull(),
    },
    { upsertKey: ['id'] },
  );
}

export const compress = {
  gzip: (text: string | Buffer): Buffer => gzipSync(text),
  zstd: (text: string | Buffer): Buffer => execFileSync('zstd', ['-q', '-c'], { input: text }),
  bzip2: (text: string | Buffer): Buffer => execFileSync('bzip2', ['-c'], { input: text }),
};

export function writeLocal(dir: string, name: string, body: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

export async function putObject(client: S3Client, bucket: string, key: string, body: string | Buffer): Promise<string> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return `s3://${bucket}/${key}`;
}

/** A CSV in a model's shape (header in another order than the model, to prove matching by name). */
export const CANDY_CSV = [
  'updated_at,ID,name,price,active,tags',
  '2026-11-24T10:00:00Z,1,"plain",1.50,true,"[""a""]"',
  '2026-11-24 10:00:01+02:00,2,"comma, ""quoted""\nand a newline",2.00,f,"{""k"":1}"',
  '2026-11-24T10:00:02.123456Z,3,"",,,',
  '2026-11-24T10:00:03Z,1,"last wins",9.99,yes,null',
  '',
].join('\n');

/** What CANDY_CSV leaves in the table (timestamps as the warehouse returns them). */
export const CANDY_ROWS = [
  { id: 1n, name: 'last wins', price: '9.99', active: true, tags: null, updated_at: new Date('2026-11-24T10:00:03Z') },
  {
    id: 2n,
    name: 'comma, "quoted"\nand a newline',
    price: '2.00',
    active: false,
    tags: { k: 1 },
    updated_at: new Date('2026-11-24T08:00:01Z'),
  },
  { id: 3n, name: '', price: null, active: null, tags: null, updated_at: new Date('2026-11-24T10:00:02.123Z') },
];
