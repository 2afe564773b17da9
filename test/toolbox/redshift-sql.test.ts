// Golden SQL of Redshift's UNLOAD, VACUUM, ANALYZE and the stl_load_commits step (no cluster
// here; test/toolbox/redshift-emulator.test.ts runs them through the local Redshift emulator).
import { describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { RedshiftDatabase, S3Stage, defineTable, t } from '../../src/index.js';
import { buildLoadPlan } from '../../src/engine/index.js';
import { type PreparedSource } from '../../src/sources/index.js';
import { compileUnloadQuery } from '../../src/warehouse/index.js';
import { redshiftLiteral, redshiftLiterals } from '../../src/sql/index.js';

const stage = new S3Stage({ basePath: 's3://bucket/base', client: new S3Client({ region: 'us-east-1' }) });
const role = new RedshiftDatabase({ host: 'h', stage, iamRole: 'arn:aws:iam::123456789012:role/Unload' });
const keys = new RedshiftDatabase({
  host: 'h',
  stage,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: "se\\cr'et", sessionToken: 'tok' },
});
const fallback = new RedshiftDatabase({ host: 'h', stage });
const target = 's3://bucket/base/exports/candy/';

describe('Redshift UNLOAD (golden)', () => {
  it('CSV, parallel, manifest: the query quoted as a Redshift literal, IAM role', () => {
    expect(role.unloadSql('select * from candy.candy_names', target)).toBe(
      [
        "UNLOAD ('select * from candy.candy_names')",
        `TO '${target}'`,
        "IAM_ROLE 'arn:aws:iam::123456789012:role/Unload'",
        'FORMAT AS CSV',
        "DELIMITER AS ','",
        "NULL AS '\\\\N'",
        'MANIFEST VERBOSE',
        'PARALLEL ON',
      ].join('\n'),
    );
  });

  it('quotes and backslashes inside the query survive two levels of quoting; parameters inlined first', () => {
    const query = compileUnloadQuery(
      "select name from candy.candy_names where name = $1 or note like 'a\\_%' or name = 'it''s'",
      ["O'Brien \\ co"],
      { ...redshiftLiterals, text: (s) => role.literal(s) },
    );
    // Inner literals are Redshift literals (backslash doubled), then the whole query becomes one.
    expect(query).toBe(
      "select name from candy.candy_names where name = 'O''Brien \\\\ co' or note like 'a\\_%' or name = 'it''s'",
    );
    const sql = role.unloadSql(query, target);
    expect(sql.split('\n')[0]).toBe(
      "UNLOAD ('select name from candy.candy_names where name = ''O''''Brien \\\\\\\\ co'' or note like ''a\\\\_%'' or name = ''it''''s''')",
    );
    // Reading the UNLOAD literal back (as Redshift does) gives the query text exactly.
    const inner = sql.split('\n')[0]!.slice('UNLOAD ('.length, -1);
    expect(inner).toBe(redshiftLiteral(query));
  });

  it('access keys (+ session token) and REGION; redacted for logs', () => {
    const sql = keys.unloadSql('select 1', target, {
      parallel: false,
      gzip: true,
      header: true,
      delimiter: '|',
      allowOverwrite: true,
      maxFileSize: 100 * 1024 ** 2,
    });
    expect(sql).toBe(
      [
        "UNLOAD ('select 1')",
        `TO '${target}'`,
        "ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'se\\\\cr''et' SESSION_TOKEN 'tok'",
        'FORMAT AS CSV',
        "DELIMITER AS '|'",
        "NULL AS '\\\\N'",
        'HEADER',
        'GZIP',
        'MANIFEST VERBOSE',
        'ALLOWOVERWRITE',
        'PARALLEL OFF',
        'MAXFILESIZE 100 MB',
        "REGION 'eu-west-1'",
      ].join('\n'),
    );
    const redacted = keys.unloadSql('select 1', target, {}, true);
    expect(redacted).toContain("ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***'");
    expect(redacted).not.toMatch(/AKIA|cr''et|tok'/);
  });

  it('Parquet: no CSV options; the default IAM role when none is configured', () => {
    expect(fallback.unloadSql('select 1', target, { format: 'parquet', maxFileSize: 5.5 * 1024 ** 2 })).toBe(
      [
        "UNLOAD ('select 1')",
        `TO '${target}'`,
        'IAM_ROLE default',
        'FORMAT AS PARQUET',
        'MANIFEST VERBOSE',
        'PARALLEL ON',
        'MAXFILESIZE 5.5 MB',
      ].join('\n'),
    );
    expect(() => fallback.unloadSql('select 1', target, { format: 'parquet', header: true })).toThrow(/CSV only/);
    expect(() => fallback.unloadSql('select 1', target, { maxFileSize: 1024 })).toThrow(/5 MB to 6.2 GB/);
  });

  it('resolves a relative target under the stage base path', async () => {
    const { resolveUnloadTarget } = await import('../../src/warehouse/unload/output.js');
    expect(resolveUnloadTarget(stage, 'exports/candy')).toBe(target);
    expect(resolveUnloadTarget(stage, 's3://other-bucket/x')).toBe('s3://other-bucket/x/');
  });
});

describe('Redshift maintenance and load commits (golden)', () => {
  const model = defineTable(
    'candy.candy_names',
    { id: t.bigint().notNull(), name: t.varchar(64) },
    { upsertKey: ['id'] },
  );

  it('VACUUM kinds and ANALYZE', () => {
    expect(role.vacuumSql(model, 'delete only')).toBe('VACUUM DELETE ONLY "candy"."candy_names"');
    expect(role.vacuumSql(model, 'sort only')).toBe('VACUUM SORT ONLY "candy"."candy_names"');
    expect(role.vacuumSql(model, 'full')).toBe('VACUUM FULL "candy"."candy_names"');
    expect(role.analyzeSql(model)).toBe('ANALYZE "candy"."candy_names"');
  });

  it('the plan reads stl_load_commits right after COPY, in the same transaction', () => {
    const prepared: PreparedSource = {
      staged: {
        loadId: 'L1',
        target: model,
        files: [{ uri: 's3://bucket/base/x/part-00000.csv.gz', bytes: 1 }],
        manifestUri: 's3://bucket/base/x/manifest.json',
        bytes: 1,
        compression: 'gzip',
      },
      format: { kind: 'csv', gzip: true },
      ordered: true,
    };
    const seen: unknown[] = [];
    const plan = buildLoadPlan({
      warehouse: role,
      model,
      mode: 'upsert',
      loadId: 'L1',
      prepared,
      onLoadCommits: (rows) => seen.push(rows),
    });
    const copyAt = plan.steps.findIndex((st) => st.kind === 'copy');
    const next = plan.steps[copyAt + 1]!;
    expect(next).toMatchObject({
      kind: 'sql',
      sql: 'SELECT TRIM(filename) AS filename, SUM(lines_scanned) AS lines_scanned, SUM(errors) AS errors\nFROM stl_load_commits WHERE query = pg_last_copy_id() GROUP BY TRIM(filename) ORDER BY 1',
    });
    (next as { onRows: (r: unknown[]) => void }).onRows([{ filename: 'f' }]);
    expect(seen).toEqual([[{ filename: 'f' }]]);
    const serverless = new RedshiftDatabase({ host: 'h', stage, serverless: true });
    expect(serverless.loadCommitsSql()).toMatch(/FROM sys_load_detail WHERE query_id = pg_last_copy_id\(\)/);
    // Postgres-family warehouses have no load commits: no extra step.
    expect(
      buildLoadPlan({
        warehouse: Object.assign(Object.create(role), { loadCommitsSql: () => null }),
        model,
        mode: 'upsert',
        loadId: 'L1',
        prepared,
        onLoadCommits: () => undefined,
      }).steps.length,
    ).toBe(plan.steps.length - 1);
  });
});
