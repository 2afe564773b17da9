// The pure parts of the Redshift connections: host names read for IAM logins, the exact-integer
// rewrite of Data API answers, and Data API fields read as the wire path types them.
import { describe, expect, it } from 'vitest';
import { RedshiftDatabase, S3Stage } from '../../src/index.js';
import { isServerlessHost, parseRedshiftHost } from '../../src/warehouse/index.js';
import { resolveIamLogin } from '../../src/warehouse/redshift-iam.js';
import { EXACT_LONG, exactLongValues, recordReader } from '../../src/warehouse/data-api-values.js';
import { S3Client } from '@aws-sdk/client-s3';

describe('Redshift host names', () => {
  it('give the cluster or workgroup and the region', () => {
    expect(parseRedshiftHost('sweets.abc123xyz.us-east-1.redshift.amazonaws.com')).toEqual({
      name: 'sweets',
      region: 'us-east-1',
      serverless: false,
    });
    expect(parseRedshiftHost('analytics.123456789012.eu-west-1.redshift-serverless.amazonaws.com')).toEqual({
      name: 'analytics',
      region: 'eu-west-1',
      serverless: true,
    });
    expect(parseRedshiftHost('127.0.0.1')).toBeUndefined();
    expect(isServerlessHost('analytics.123456789012.eu-west-1.redshift-serverless.amazonaws.com')).toBe(true);
    expect(isServerlessHost('sweets.abc.us-east-1.redshift.amazonaws.com')).toBe(false);
  });

  it('complete an iam login; a host they are not read from needs them given', () => {
    expect(resolveIamLogin(true, 'sweets.abc.us-east-1.redshift.amazonaws.com')).toEqual({
      clusterIdentifier: 'sweets',
      region: 'us-east-1',
    });
    expect(resolveIamLogin({ dbUser: 'u' }, 'wg.1.us-west-2.redshift-serverless.amazonaws.com')).toEqual({
      dbUser: 'u',
      workgroupName: 'wg',
      region: 'us-west-2',
    });
    expect(resolveIamLogin({ clusterIdentifier: 'c', region: 'x' }, '127.0.0.1')).toEqual({
      clusterIdentifier: 'c',
      region: 'x',
    });
    expect(() => resolveIamLogin(true, '127.0.0.1')).toThrow(/need iam.clusterIdentifier or iam.workgroupName/);
  });

  it('a Serverless host reads load errors from sys_load_error_detail without serverless: true', () => {
    const stage = new S3Stage({ basePath: 's3://bucket/prefix', client: new S3Client({ region: 'us-east-1' }) });
    const serverless = new RedshiftDatabase({
      host: 'analytics.123456789012.eu-west-1.redshift-serverless.amazonaws.com',
      password: 'x',
      stage,
    });
    expect(serverless.loadErrorQuery()).toMatch(/sys_load_error_detail WHERE query_id = pg_last_copy_id\(\)/);
    expect(serverless.loadErrorQuery(42)).toMatch(/WHERE query_id = 42 /);
    const cluster = new RedshiftDatabase({ host: 'sweets.abc.us-east-1.redshift.amazonaws.com', password: 'x', stage });
    expect(cluster.loadErrorQuery()).toMatch(/stl_load_errors/);
    const forced = new RedshiftDatabase({
      host: 'sweets.abc.us-east-1.redshift.amazonaws.com',
      serverless: true,
      stage,
    });
    expect(forced.loadErrorQuery()).toMatch(/sys_load_error_detail/);
    return Promise.all([serverless.close(), cluster.close(), forced.close()]);
  });
});

describe('Data API answers', () => {
  it('integers are renamed to text outside strings only, whatever their size', () => {
    const json = `{"Records":[[{"longValue":9007199254740993},{"stringValue":"\\"longValue\\":5"},{"longValue" : -3}]],"TotalNumRows":1}`;
    expect(JSON.parse(exactLongValues(json))).toEqual({
      Records: [[{ [EXACT_LONG]: '9007199254740993' }, { stringValue: '"longValue":5' }, { [EXACT_LONG]: '-3' }]],
      TotalNumRows: 1,
    });
  });

  it('fields are read with the wire path’s parsers, by type name', () => {
    const read = recordReader([
      { name: 'big', typeName: 'int8' },
      { name: 'i', typeName: 'int4' },
      { name: 'n', typeName: 'numeric' },
      { name: 'ts', typeName: 'timestamp' },
      { name: 'd', typeName: 'date' },
      { name: 'b', typeName: 'bool' },
      { name: 'f', typeName: 'float8' },
      { name: 'x', typeName: 'super' },
      { name: 'none', typeName: 'varchar' },
    ]);
    expect(
      read([
        { $unknown: [EXACT_LONG, '9007199254740993'] },
        { $unknown: [EXACT_LONG, '7'] },
        { stringValue: '12.50' },
        { stringValue: '2026-11-24 10:00:00.5' },
        { stringValue: '2026-11-24' },
        { booleanValue: true },
        { doubleValue: 1.5 },
        { stringValue: '{"a":1}' },
        { isNull: true },
      ]),
    ).toEqual({
      big: 9007199254740993n,
      i: 7,
      n: '12.50',
      ts: new Date('2026-11-24T10:00:00.500Z'),
      d: new Date('2026-11-24T00:00:00Z'),
      b: true,
      f: 1.5,
      x: '{"a":1}',
      none: null,
    });
  });
});
