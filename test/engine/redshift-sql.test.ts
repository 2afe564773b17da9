// Golden tests of the exact SQL the Redshift plan sends, and of load-error decoding from
// stl_load_errors rows (no cluster is reachable here; the emulator tests execute this path).
import { describe, expect, it } from 'vitest';
import { S3Client } from '@aws-sdk/client-s3';
import { LoadError, RedshiftDatabase, S3Stage, defineTable, t } from '../../src/index.js';
import { buildLoadPlan } from '../../src/engine/index.js';
import { type PreparedSource } from '../../src/sources/index.js';
import type { CopyStep, LoadPlan, PgSession } from '../../src/warehouse/index.js';
import { scriptedPgSession } from '../helpers/scripted-session.js';

const model = defineTable(
  'candy.candy_names',
  {
    id: t.bigint().notNull(),
    name: t.varchar(64),
    price: t.decimal(10, 2),
    created_at: t.timestamptz().notNull().default({ kind: 'upshift.rawSql', sql: 'getdate()' }),
  },
  { upsertKey: ['id'], distKey: 'id', sortKey: ['created_at'] },
);

const stage = new S3Stage({ basePath: 's3://bucket/base', client: new S3Client({ region: 'us-east-1' }) });
const manifestUri = 's3://bucket/base/candy.candy_names/2026/11/25/L1/manifest.json';
const prepared: PreparedSource = {
  staged: {
    loadId: 'L1',
    target: model,
    files: [{ uri: 's3://bucket/base/candy.candy_names/2026/11/25/L1/part-00000.csv.gz', bytes: 10 }],
    manifestUri,
    bytes: 10,
    compression: 'gzip',
  },
  format: { kind: 'csv', gzip: true, delimiter: ',', quote: '"', nullAs: '\\N' },
  ordered: true,
};

const sqlOf = (plan: LoadPlan, db: RedshiftDatabase) =>
  plan.steps.map((s) => (s.kind === 'copy' ? db.copySql(s as CopyStep, true) : s.sql));

describe('Redshift load plan (golden)', () => {
  const db = new RedshiftDatabase({
    host: 'example.redshift.amazonaws.com',
    stage,
    iamRole: "arn:aws:iam::123456789012:role/Load'er",
  });

  it('upsert: lock, temp table distributed like the target, COPY from the manifest, dedupe, merge, drop', () => {
    const plan = buildLoadPlan({ warehouse: db, model, mode: 'upsert', loadId: 'L1', prepared });
    expect(sqlOf(plan, db)).toEqual([
      'LOCK "candy"."candy_names"',
      'CREATE TEMP TABLE "upshift_stage_l1" ("id" BIGINT, "name" VARCHAR(64), "price" DECIMAL(10,2), "created_at" TIMESTAMPTZ, "__upshift_ord" BIGINT) DISTKEY ("id")',
      [
        'COPY "upshift_stage_l1" ("id", "name", "price", "created_at", "__upshift_ord")',
        `FROM '${manifestUri}'`,
        "IAM_ROLE 'arn:aws:iam::123456789012:role/Load''er'",
        'MANIFEST',
        "FORMAT AS CSV QUOTE AS '\"' DELIMITER ','",
        "NULL AS '\\\\N'",
        'GZIP',
        "TIMEFORMAT 'auto' DATEFORMAT 'auto'",
        'COMPUPDATE OFF STATUPDATE OFF',
      ].join('\n'),
      'DELETE FROM "upshift_stage_l1" WHERE EXISTS (SELECT 1 FROM "upshift_stage_l1" AS d WHERE d."id" = "upshift_stage_l1"."id" AND d."__upshift_ord" > "upshift_stage_l1"."__upshift_ord")',
      'DELETE FROM "candy"."candy_names" USING "upshift_stage_l1" WHERE "candy"."candy_names"."id" = "upshift_stage_l1"."id"',
      'INSERT INTO "candy"."candy_names" ("id", "name", "price", "created_at") SELECT "id", "name", "price", COALESCE("created_at", getdate()) FROM "upshift_stage_l1"',
      'DROP TABLE "upshift_stage_l1"',
    ]);
  });

  it('replace deletes everything (never TRUNCATE, which commits on Redshift); append only inserts', () => {
    const replace = sqlOf(buildLoadPlan({ warehouse: db, model, mode: 'replace', loadId: 'L1', prepared }), db);
    expect(replace.slice(3, 5)).toEqual([
      'DELETE FROM "candy"."candy_names"',
      expect.stringMatching(/^INSERT INTO "candy"."candy_names"/),
    ]);
    expect(replace.join('\n')).not.toMatch(/TRUNCATE/i);
    const append = sqlOf(buildLoadPlan({ warehouse: db, model, mode: 'append', loadId: 'L1', prepared }), db);
    expect(append.filter((s) => s.startsWith('DELETE'))).toEqual([]);
  });

  it('COPY with access keys (+ session token), redacted for logs, and REGION', () => {
    const keys = new RedshiftDatabase({
      host: 'h',
      stage,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'se\\cret', sessionToken: 'tok' },
    });
    const step = buildLoadPlan({ warehouse: keys, model, mode: 'append', loadId: 'L1', prepared }).steps[2] as CopyStep;
    expect(keys.copySql(step)).toContain(
      "ACCESS_KEY_ID 'AKIAEXAMPLE' SECRET_ACCESS_KEY 'se\\\\cret' SESSION_TOKEN 'tok'",
    );
    expect(keys.copySql(step)).toContain("REGION 'eu-west-1'");
    expect(keys.copySql(step, true)).toContain("ACCESS_KEY_ID '***' SECRET_ACCESS_KEY '***' SESSION_TOKEN '***'");
    expect(keys.copySql(step, true)).not.toContain('cret');
  });

  it('skips the dedupe pass when the source saw strictly increasing keys', () => {
    const plan = buildLoadPlan({
      warehouse: db,
      model,
      mode: 'upsert',
      loadId: 'L1',
      prepared: { ...prepared, distinctKeys: true },
    });
    expect(sqlOf(plan, db).filter((s) => s.includes('__upshift_ord" >'))).toEqual([]);
  });

  it('files without order: orderBy dedupe (a NULL loses to any value), then a duplicate check', () => {
    const plan = buildLoadPlan({
      warehouse: db,
      model,
      mode: 'upsert',
      loadId: 'L1',
      orderBy: 'created_at',
      prepared: { ...prepared, ordered: false },
    });
    const sql = sqlOf(plan, db);
    expect(sql[3]).toBe(
      'DELETE FROM "upshift_stage_l1" WHERE EXISTS (SELECT 1 FROM "upshift_stage_l1" AS d WHERE d."id" = "upshift_stage_l1"."id" AND (d."created_at" > "upshift_stage_l1"."created_at" OR (d."created_at" IS NOT NULL AND "upshift_stage_l1"."created_at" IS NULL)))',
    );
    expect(sql[4]).toBe(
      'SELECT "id", COUNT(*) AS copies FROM "upshift_stage_l1" GROUP BY "id" HAVING COUNT(*) > 1 LIMIT 5',
    );
  });

  it('partial upsert: dedupe, then UPDATE ... FROM the given columns and INSERT the new keys (no ON CONFLICT)', () => {
    const plan = buildLoadPlan({
      warehouse: db,
      model,
      mode: 'upsert',
      loadId: 'L1',
      prepared,
      partial: true,
      givenColumns: ['id', 'name', 'created_at'],
    });
    const sql = sqlOf(plan, db);
    expect(sql.slice(3)).toEqual([
      'DELETE FROM "upshift_stage_l1" WHERE EXISTS (SELECT 1 FROM "upshift_stage_l1" AS d WHERE d."id" = "upshift_stage_l1"."id" AND d."__upshift_ord" > "upshift_stage_l1"."__upshift_ord")',
      'UPDATE "candy"."candy_names" SET "name" = "upshift_stage_l1"."name", "created_at" = COALESCE("upshift_stage_l1"."created_at", getdate()) FROM "upshift_stage_l1" WHERE "candy"."candy_names"."id" = "upshift_stage_l1"."id"',
      'INSERT INTO "candy"."candy_names" ("id", "name", "price", "created_at") SELECT "upshift_stage_l1"."id", "upshift_stage_l1"."name", NULL, COALESCE("upshift_stage_l1"."created_at", getdate()) ' +
        'FROM "upshift_stage_l1" WHERE NOT EXISTS (SELECT 1 FROM "candy"."candy_names" WHERE "candy"."candy_names"."id" = "upshift_stage_l1"."id")',
      'DROP TABLE "upshift_stage_l1"',
    ]);
    // A column the source doesn't give takes its DEFAULT on insert and is never SET.
    const noDate = sqlOf(
      buildLoadPlan({
        warehouse: db,
        model,
        mode: 'upsert',
        loadId: 'L1',
        prepared,
        partial: true,
        givenColumns: ['id', 'price'],
      }),
      db,
    );
    expect(noDate[4]).toBe(
      'UPDATE "candy"."candy_names" SET "price" = "upshift_stage_l1"."price" FROM "upshift_stage_l1" WHERE "candy"."candy_names"."id" = "upshift_stage_l1"."id"',
    );
    expect(noDate[5]).toMatch(
      /^INSERT INTO "candy"."candy_names" \("id", "name", "price", "created_at"\) SELECT "upshift_stage_l1"."id", NULL, "upshift_stage_l1"."price", getdate\(\) FROM/,
    );
    // The whole-row upsert refuses files that carry some columns only.
    expect(() =>
      buildLoadPlan({
        warehouse: db,
        model,
        mode: 'upsert',
        loadId: 'L1',
        prepared: { ...prepared, columns: ['id', 'name'] },
      }),
    ).toThrow(/column "price": is missing \(missing: price, created_at; given: id, name\)/);
  });

  it('refuses a local stage: Redshift COPY reads S3 only', async () => {
    const { LocalStage } = await import('../../src/index.js');
    expect(() => new RedshiftDatabase({ host: 'h', stage: new LocalStage({ dir: '/tmp/x' }) })).toThrow(
      /needs an S3Stage/,
    );
  });
});

/** Runs plans against a scripted session: records SQL, fails the COPY as Redshift does. */
class ScriptedRedshift extends RedshiftDatabase {
  sent: string[] = [];
  constructor(
    private errorRows: Record<string, unknown>[],
    private serverlessMode = false,
  ) {
    super({ host: 'h', stage, iamRole: 'arn:role', serverless: serverlessMode });
  }
  protected override async withSession<T>(fn: (s: PgSession) => Promise<T>): Promise<T> {
    const session = scriptedPgSession((sql) => {
      this.sent.push(sql.split('\n')[0]!);
      if (sql.startsWith('COPY'))
        throw Object.assign(
          new Error("Load into table 'upshift_stage_l1' failed.  Check 'stl_load_errors' system table for details."),
          { code: 'XX000' },
        );
      if (/stl_load_errors|sys_load_error_detail/.test(sql))
        return { rows: this.errorRows, rowCount: this.errorRows.length };
      return { rows: [], rowCount: 0 };
    });
    return fn(session);
  }
}

describe('Redshift load errors', () => {
  it('decodes stl_load_errors rows (blank-padded char columns) into a LoadError', async () => {
    const db = new ScriptedRedshift([
      {
        filename: 's3://bucket/base/part-00000.csv.gz   ',
        line_number: 42n,
        colname: 'price      ',
        type: 'numeric   ',
        raw_line: '7,x,abc,2026',
        raw_field_value: 'abc      ',
        err_code: 1207,
        err_reason: "Invalid digit, Value 'a', Pos 0, Type: Decimal     ",
      },
    ]);
    const plan = buildLoadPlan({ warehouse: db, model, mode: 'upsert', loadId: 'L1', prepared });
    const err = (await db.runPlan(plan).catch((e: unknown) => e)) as LoadError;
    expect(err).toBeInstanceOf(LoadError);
    expect(err.details[0]).toEqual({
      file: 's3://bucket/base/part-00000.csv.gz',
      line: 42,
      column: 'price',
      type: 'numeric',
      value: 'abc',
      rawLine: '7,x,abc,2026',
      code: 1207,
      reason: "Invalid digit, Value 'a', Pos 0, Type: Decimal",
    });
    expect(err.message).toBe(
      'Load into candy.candy_names failed at file s3://bucket/base/part-00000.csv.gz, line 42, column "price", value "abc": Invalid digit, Value \'a\', Pos 0, Type: Decimal',
    );
    expect(db.sent).toEqual([
      'BEGIN',
      'LOCK "candy"."candy_names"',
      expect.stringMatching(/^CREATE TEMP TABLE/),
      expect.stringMatching(/^COPY/),
      'ROLLBACK',
      expect.stringMatching(/^SELECT TRIM\(filename\)/),
    ]);
  });

  it('reads sys_load_error_detail on Serverless', async () => {
    const db = new ScriptedRedshift(
      [
        {
          filename: 's3://b/p',
          line_number: 3,
          colname: 'id',
          type: 'int8',
          raw_line: null,
          raw_field_value: null,
          err_code: 1213,
          err_reason: 'Missing data for not-null field',
        },
      ],
      true,
    );
    const err = (await db
      .runPlan(buildLoadPlan({ warehouse: db, model, mode: 'append', loadId: 'L1', prepared }))
      .catch((e: unknown) => e)) as LoadError;
    expect(err.details[0]).toMatchObject({ file: 's3://b/p', line: 3, column: 'id', code: 1213 });
    expect(db.sent.at(-1)).toBe(
      'SELECT TRIM(file_name) AS filename, line_number, TRIM(column_name) AS colname, TRIM(column_type) AS type,',
    );
  });

  it('retries a Redshift 1023 serializable isolation violation (XX000) with the whole transaction', async () => {
    let copies = 0;
    class Conflicting extends RedshiftDatabase {
      protected override async withSession<T>(fn: (s: PgSession) => Promise<T>): Promise<T> {
        return fn(
          scriptedPgSession((sql) => {
            if (sql.startsWith('COPY') && ++copies < 3) {
              throw Object.assign(new Error('1023'), {
                code: 'XX000',
                detail:
                  'Serializable isolation violation on table - 100, transactions forming the cycle are: 1, 2 (pid:3)',
              });
            }
            return { rows: [], rowCount: sql.startsWith('COPY') ? 1 : 0 };
          }),
        );
      }
    }
    const db = new Conflicting({ host: 'h', stage, iamRole: 'arn', retry: { baseDelayMs: 1 } });
    const r = await db.runPlan(buildLoadPlan({ warehouse: db, model, mode: 'append', loadId: 'L1', prepared }));
    expect(r.attempts).toBe(3);
    expect(copies).toBe(3);
  });
});
