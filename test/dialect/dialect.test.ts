// The dialect objects: one per name, recognised from the server's version text, and the public
// DDL functions the same whether given the name or the object.
import { describe, expect, it } from 'vitest';
import {
  DIALECTS,
  createTableSql,
  dialectOfServer,
  postgresDialect,
  redshiftDialect,
  sqlDialect,
  sqlType,
} from '../../src/dialect/index.js';
import { defineTable, t } from '../../src/model/index.js';

const candy = defineTable(
  'candy.names',
  { id: t.bigint().notNull(), blob: t.varbyte(16), doc: t.super().default({ a: 1 }) },
  { upsertKey: ['id'], distKey: 'id' },
);

describe('dialects', () => {
  it('one object per name, each named as it is keyed', () => {
    expect(Object.keys(DIALECTS).sort()).toEqual(['postgres', 'redshift']);
    for (const [name, d] of Object.entries(DIALECTS)) expect(d.name).toBe(name);
    expect(sqlDialect('redshift')).toBe(redshiftDialect);
    expect(sqlDialect(postgresDialect)).toBe(postgresDialect);
  });

  it('refuses a name it does not know, with a UsageError; names inherited from Object are unknown too', () => {
    expect(() => sqlDialect('mysql' as 'postgres')).toThrow(
      `unknown SQL dialect "mysql": use 'redshift' or 'postgres'`,
    );
    for (const name of ['toString', 'constructor', '__proto__'])
      expect(() => sqlDialect(name as 'postgres')).toThrow(expect.objectContaining({ code: 'USAGE_INVALID' }));
  });

  it("recognises Redshift from version(), and takes every other server for Postgres's", () => {
    expect(
      dialectOfServer(
        'PostgreSQL 8.0.2 on i686-pc-linux-gnu, compiled by GCC gcc (GCC) 3.4.2 20041017, Redshift 1.0.77467',
      ),
    ).toBe(redshiftDialect);
    expect(dialectOfServer('PostgreSQL 15.6 on x86_64-pc-linux-gnu')).toBe(postgresDialect);
    expect(dialectOfServer('')).toBe(postgresDialect);
  });

  it('the DDL functions give the same for the name and the object', () => {
    for (const d of [redshiftDialect, postgresDialect]) {
      expect(createTableSql(candy, d)).toBe(createTableSql(candy, d.name));
      expect(sqlType(candy.columns.blob.spec, d)).toBe(sqlType(candy.columns.blob.spec, d.name));
    }
    expect(createTableSql(candy)).toBe(createTableSql(candy, 'redshift'));
  });

  it('states each capability once, as the warehouses and codegen read it', () => {
    expect(redshiftDialect.capabilities).toEqual({
      binaryFormat: 'redshift',
      copiesFromS3: true,
      encodings: true,
      distAndSortKeys: true,
      alterInPlace: false,
      explicitIdentityValues: false,
      renamesConstraints: false,
    });
    expect(postgresDialect.capabilities).toEqual({
      binaryFormat: 'postgres',
      copiesFromS3: false,
      encodings: false,
      distAndSortKeys: false,
      alterInPlace: true,
      explicitIdentityValues: true,
      renamesConstraints: true,
    });
  });

  it('spells the load fragments of each dialect', () => {
    expect(redshiftDialect.lockTableSql('"a"."b"')).toBe('LOCK "a"."b"');
    expect(postgresDialect.lockTableSql('"a"."b"')).toBe('LOCK TABLE "a"."b" IN SHARE ROW EXCLUSIVE MODE');
    expect(redshiftDialect.createIndexSql('i', '"a"."b"', ['x'])).toBeNull();
    expect(postgresDialect.createIndexSql('i', '"a"."b"', ['x'])).toBe(
      'CREATE INDEX IF NOT EXISTS "i" ON "a"."b" ("x")',
    );
    expect(redshiftDialect.vacuumSql('"a"."b"', 'sort only')).toBe('VACUUM SORT ONLY "a"."b"');
    expect(postgresDialect.vacuumSql('"a"."b"', 'sort only')).toBeNull();
    expect(redshiftDialect.tempTableClauses(candy, ['id'])).toEqual(['DISTKEY ("id")']);
    expect(redshiftDialect.tempTableClauses(candy, ['blob'])).toEqual([]);
    expect(redshiftDialect.literals.text('a\\b')).toBe("'a\\\\b'");
    expect(postgresDialect.literals.text('a\\b')).toBe("'a\\b'");
  });
});
