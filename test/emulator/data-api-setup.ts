// Shared by the Data API tests: an emulator with its AWS endpoint over the test Postgres and
// s3rver, and the real RedshiftDataClient pointed at it (never at AWS: `endpoint` always set).
import { randomBytes } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  RedshiftDataClient,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  type DescribeStatementCommandOutput,
  type ExecuteStatementCommandInput,
  type Field,
} from '@aws-sdk/client-redshift-data';
import {
  startRedshiftEmulator,
  type RedshiftEmulator,
  type RedshiftEmulatorOptions,
} from '../../src/emulator/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { TEST_BUCKET, testS3Client } from '../helpers/s3.js';

export const CLUSTER = 'sweets';

export interface DataApiFixture {
  emulator: RedshiftEmulator;
  schema: TestSchema;
  /** The test schema, quoted, to qualify table names with. */
  s: string;
  client: RedshiftDataClient;
  clientFor(accessKeyId: string, maxAttempts?: number): RedshiftDataClient;
  /** ExecuteStatement on the cluster, then DescribeStatement until the statement has ended. */
  run(sql: string, extra?: Partial<ExecuteStatementCommandInput>): Promise<DescribeStatementCommandOutput>;
  waitFor(id: string): Promise<DescribeStatementCommandOutput>;
  /** Every row of a finished statement's result, all pages read. */
  rows(id: string): Promise<Field[][]>;
  /** Puts an object into the test bucket; returns its s3:// URL. */
  put(key: string, body: string): Promise<string>;
  close(): Promise<void>;
}

export async function startDataApiFixture(
  name: string,
  dataApi: Exclude<RedshiftEmulatorOptions['dataApi'], boolean | undefined> = {},
): Promise<DataApiFixture> {
  const schema = await createTestSchema(`emu_${name}`);
  const s3 = testS3Client();
  const emulator = await startRedshiftEmulator({
    postgres: schema.url,
    s3: { client: s3 },
    dataApi: { clusters: [CLUSTER], ...dataApi },
  });
  const clients: RedshiftDataClient[] = [];
  const clientFor = (accessKeyId: string, maxAttempts = 3): RedshiftDataClient => {
    const c = new RedshiftDataClient({
      endpoint: emulator.dataApiEndpoint!,
      region: 'us-east-1',
      credentials: { accessKeyId, secretAccessKey: 'secret' },
      maxAttempts,
    });
    clients.push(c);
    return c;
  };
  const client = clientFor(`tester_${name}_${randomBytes(3).toString('hex')}`);
  const prefix = `data-api/${name}-${randomBytes(4).toString('hex')}/`;
  const waitFor = async (id: string): Promise<DescribeStatementCommandOutput> => {
    for (;;) {
      const d = await client.send(new DescribeStatementCommand({ Id: id }));
      if (d.Status === 'FINISHED' || d.Status === 'FAILED' || d.Status === 'ABORTED') return d;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    emulator,
    schema,
    s: `"${schema.schema}"`,
    client,
    clientFor,
    waitFor,
    async run(sql, extra = {}) {
      const r = await client.send(
        new ExecuteStatementCommand({ ClusterIdentifier: CLUSTER, Database: 'test', Sql: sql, ...extra }),
      );
      return waitFor(r.Id!);
    },
    async rows(id) {
      const out: Field[][] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new GetStatementResultCommand({ Id: id, NextToken: token }));
        out.push(...page.Records!);
        token = page.NextToken;
      } while (token);
      return out;
    },
    async put(key, body) {
      const data = Buffer.from(body);
      await s3.send(
        new PutObjectCommand({ Bucket: TEST_BUCKET, Key: prefix + key, Body: data, ContentLength: data.length }),
      );
      return `s3://${TEST_BUCKET}/${prefix}${key}`;
    },
    async close() {
      for (const c of clients) c.destroy();
      await emulator.close();
      await schema.drop();
    },
  };
}
