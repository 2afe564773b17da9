// Redshift introspection against recorded catalog rows (no cluster is reachable here): the rows
// in fixtures/redshift-catalog.json have the shapes of svv_columns, svv_table_info, pg_class,
// pg_attribute (with format_encoding) and information_schema key usage. The generated files are
// compared with golden files; set UPDATE_GOLDEN=1 to rewrite them after an intended change.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  buildRedshiftTables,
  liveToModel,
  planCodegen,
  redshiftCatalogQueries,
  type RedshiftCatalog,
} from '../../codegen/index.js';
import { createTableStatements } from '../../src/dialect/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const catalog = JSON.parse(
  await readFile(path.join(here, 'fixtures/redshift-catalog.json'), 'utf8'),
) as RedshiftCatalog;
const built = buildRedshiftTables(catalog, { schemas: ['candy'] });
const table = (name: string) => built.tables.find((t) => t.name === name)!;

async function golden(name: string, text: string) {
  const file = path.join(here, 'golden', `${name}.golden`);
  if (process.env.UPDATE_GOLDEN) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  expect(text).toBe(await readFile(file, 'utf8'));
}

describe('Redshift introspection from catalog rows', () => {
  it('keeps only the selected schemas, in a stable order', () => {
    expect(built.tables.map((t) => t.name)).toEqual(['auto_table', 'candy_names', 'empty_table', 'events']);
    expect(built.warnings).toEqual([]);
  });

  it('reads types with length, precision and scale, defaults, identity, comments and encodings', () => {
    const c = Object.fromEntries(table('candy_names').columns.map((col) => [col.name, col.spec]));
    expect(c.row_id).toEqual({ kind: 'bigint', notNull: true, identity: { seed: 1, step: 1 }, encode: 'az64' });
    expect(c.name).toEqual({
      kind: 'varchar',
      length: 64,
      notNull: true,
      default: { kind: 'value', value: 'unnamed' },
      encode: 'lzo',
      comment: 'display name',
    });
    expect(c.price).toEqual({
      kind: 'decimal',
      precision: 10,
      scale: 2,
      notNull: false,
      default: { kind: 'value', value: '0.00' },
      encode: 'az64',
    });
    expect(c.note).toMatchObject({ kind: 'varchar', length: 'max', encode: 'zstd' });
    expect(c.created_by).toMatchObject({
      kind: 'char',
      length: 8,
      default: { kind: 'value', value: 'system' },
      encode: 'bytedict',
    });
    expect(c.active).toMatchObject({
      kind: 'boolean',
      notNull: true,
      default: { kind: 'value', value: true },
      encode: 'runlength',
    });
    expect(c.updated_at).toMatchObject({
      kind: 'timestamptz',
      default: { kind: 'sql', sql: 'getdate()' },
      encode: 'raw',
    });
    expect(c.photo).toMatchObject({ kind: 'varbyte', length: 1000 });
    expect(['shape', 'place', 'visitors', 'shelf_life', 'ratio'].map((n) => c[n]!.kind)).toEqual([
      'geometry',
      'geography',
      'hllsketch',
      'interval_ds',
      'double',
    ]);
  });

  it('reads dist style, dist key and sort keys, including interleaved, AUTO and empty tables', () => {
    expect(table('candy_names').options).toEqual({
      primaryKey: ['id'],
      distStyle: 'key',
      distKey: 'id',
      sortKey: { style: 'compound', columns: ['updated_at', 'id'] },
      comment: "Candy's names",
    });
    expect(table('events').options).toEqual({
      primaryKey: [],
      distStyle: 'all',
      sortKey: { style: 'interleaved', columns: ['event_id', 'kind'] },
      autoEncoding: true,
    });
    expect(table('auto_table').options).toEqual({
      primaryKey: ['id'],
      distStyle: 'auto',
      sortKey: 'auto',
      autoEncoding: true,
    });
    // svv_table_info has no row for an empty table: pg_class.reldiststyle still tells
    expect(table('empty_table').options).toEqual({ primaryKey: [], distStyle: 'all' });
    // under ENCODE AUTO, Redshift owns the encodings: the model leaves them out
    expect(table('events').columns.every((c) => c.spec.encode === undefined)).toBe(true);
  });

  // They were once Postgres literals: Redshift reads a backslash in '...' as an escape, so a\b named another schema.
  it('doubles a backslash in a schema name, which a Redshift literal reads as an escape', () => {
    expect(redshiftCatalogQueries(['a\\b']).columns).toContain("c.table_schema in ('a\\\\b')");
  });

  it('inlines schema names as escaped literals (Redshift has no array parameters)', () => {
    const q = redshiftCatalogQueries(['candy', "o'brien"]);
    expect(q.columns).toContain("c.table_schema in ('candy', 'o''brien')");
    expect(Object.keys(q)).toEqual([
      'columns',
      'tableInfo',
      'classes',
      'attributes',
      'primaryKeys',
      'constraints',
      'constraintColumns',
    ]);
    expect(q.constraints).toContain("(n.nspname in ('candy', 'o''brien') or fn.nspname in ('candy', 'o''brien'))");
  });

  it('generates the golden model files and Kysely DB interface', async () => {
    const plan = planCodegen({ dialect: 'redshift', tables: built.tables, warnings: [] });
    expect(plan.files.map((f) => f.path)).toEqual([
      'candy/auto_table.ts',
      'candy/candy_names.ts',
      'candy/empty_table.ts',
      'candy/events.ts',
      'db.ts',
      'index.ts',
    ]);
    for (const f of plan.files) await golden(`redshift/${f.path}`, f.text);
  });

  it('round-trips: the model built from the catalog creates the same Redshift table (golden DDL)', async () => {
    const ddl = built.tables.map((t) => createTableStatements(liveToModel(t), 'redshift').join(';\n')).join(';\n\n');
    expect(ddl).toContain('"row_id" BIGINT IDENTITY(1,1) ENCODE az64 NOT NULL');
    expect(ddl).toContain('DISTKEY ("id")\nCOMPOUND SORTKEY ("updated_at", "id")');
    expect(ddl).toContain('INTERLEAVED SORTKEY ("event_id", "kind")');
    await golden('redshift/ddl.sql', `${ddl};\n`);
  });
});
