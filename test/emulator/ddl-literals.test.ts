// Redshift reads a backslash in a string literal as an escape, so DDL upshift writes for Redshift
// (DEFAULT values, COMMENTs, JSON_PARSE of a SUPER default) must double it. Before, the dialect
// quoted them Postgres's way: `DEFAULT 'C:\temp'` stored "C:<tab>emp" on Redshift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTableStatements } from '../../src/dialect/index.js';
import { defineTable, t } from '../../src/index.js';
import { startFixture, type EmulatorFixture } from './setup.js';

let f: EmulatorFixture;
beforeAll(async () => {
  f = await startFixture('ddl_literals', 2);
});
afterAll(async () => {
  await f?.close();
});

describe('Redshift DDL literals', () => {
  it('keeps backslashes in defaults, comments and a SUPER default exactly', async () => {
    const path = String.raw`C:\temp\new`;
    const json = String.raw`{"quote":"a\"b","slash":"c\\d"}`;
    const model = defineTable(
      `${f.schema.schema}.literal_defaults`,
      {
        id: t.integer().notNull(),
        dir: t
          .varchar(64)
          .default(path)
          .comment(String.raw`where \files go`),
        doc: t.super().default(JSON.parse(json)),
      },
      { upsertKey: ['id'], comment: String.raw`table \comment` },
    );
    for (const statement of createTableStatements(model, 'redshift')) await f.client.query(statement);
    await f.client.query(`insert into ${f.schema.schema}.literal_defaults (id) values (1)`);
    const row = (
      await f.client.query(`select dir, json_serialize(doc) as doc from ${f.schema.schema}.literal_defaults`)
    ).rows[0];
    expect(row.dir).toBe(path);
    expect(JSON.parse(row.doc)).toEqual(JSON.parse(json));
    const comments = await f.client.query(
      `select obj_description(c.oid, 'pg_class') as t, col_description(c.oid, 2) as c
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relname = 'literal_defaults'`,
      [f.schema.schema],
    );
    expect(comments.rows[0]).toEqual({ t: String.raw`table \comment`, c: String.raw`where \files go` });
  });
});
