// Codegen into a folder that already holds models: a run for one schema keeps the other
// schemas' models in index.ts and db.ts (the app still compiles), `--check` reports an index or
// db file that lacks a model, and tables whose names collide with what model files import
// (`t`, `define_table`) or with reserved words get export names that import cleanly.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDrift, codegen, formatDrift, importModule } from '../../codegen/index.js';
import { isTableModel } from '../../src/model/index.js';
import { createTestSchema, type TestSchema } from '../helpers/pg.js';
import { createProject, type TempProject } from './project.js';

const SLOW = 180_000;
let main: TestSchema;
let extra: TestSchema;
let project: TempProject;
let out: string;

beforeAll(async () => {
  [main, extra, project] = await Promise.all([
    createTestSchema('cg_main'),
    createTestSchema('cg_extra'),
    createProject(),
  ]);
  out = path.join(project.dir, 'models');
  await main.pool.query(`
    create table ${main.schema}.orders (id bigint primary key, total numeric(10,2));
    create table ${main.schema}.t (id bigint primary key, label varchar(10));
    create table ${main.schema}.define_table (id bigint primary key);
    create table ${main.schema}."enum" (id bigint primary key);
    create table ${extra.schema}.extra_items (id bigint primary key, qty integer not null);
  `);
});
afterAll(async () => {
  await Promise.all([main?.drop(), extra?.drop(), project?.remove()]);
});

describe('codegen into a folder with models', () => {
  it(
    'names tables that collide with its imports or reserved words so the modules import',
    async () => {
      const result = await codegen(main.pool, { schemas: [main.schema], outDir: out });
      // before the fix: "cannot import .../t.ts: Cannot access 't' before initialization"
      const t = await importModule(path.join(out, main.schema, 't.ts'));
      expect(result.tables.map((t) => t.exportName).sort()).toEqual([
        'defineTableTable',
        'enumTable',
        'orders',
        'tTable',
      ]);
      expect(Object.keys(t)).toEqual(['tTable']);
      expect(isTableModel(t.tTable)).toBe(true);
      expect((t.tTable as { qualifiedName: string }).qualifiedName).toBe(`${main.schema}.t`);
      const defined = await importModule(path.join(out, main.schema, 'define_table.ts'));
      expect(isTableModel(defined.defineTableTable)).toBe(true);
    },
    SLOW,
  );

  it(
    'a run for another schema keeps the first schema in index.ts and db.ts; the app compiles and --check is clean',
    async () => {
      await codegen(extra.pool, { schemas: [extra.schema], outDir: out });
      const index = await readFile(path.join(out, 'index.ts'), 'utf8');
      for (const line of [
        `export { orders } from './${main.schema}/orders.js';`,
        `export { tTable } from './${main.schema}/t.js';`,
        `export { extraItems } from './${extra.schema}/extra_items.js';`,
      ]) {
        expect(index).toContain(line);
      }
      const db = await readFile(path.join(out, 'db.ts'), 'utf8');
      expect(db).toContain(`'${main.schema}.orders': OrdersTable;`);
      expect(db).toContain(`'${extra.schema}.extra_items': ExtraItemsTable;`);
      await writeFile(
        path.join(project.dir, 'app.ts'),
        `import type { Kysely } from 'kysely';
import { orders, extraItems, tTable, type DB } from './models/index.js';
export const tables = [orders, extraItems, tTable];
export const totals = (db: Kysely<DB>) => db.selectFrom('${main.schema}.orders').select(['id', 'total']).execute();
export const qty = (db: Kysely<DB>) => db.selectFrom('${extra.schema}.extra_items').select(['qty']).execute();
`,
      );
      const compiled = await project.typecheck(['app.ts', 'models/**/*.ts']);
      expect(compiled.output).toBe('');
      expect(compiled.ok).toBe(true);
      const report = await checkDrift(main.pool, out, { schemas: [main.schema, extra.schema] });
      expect(formatDrift(report)).toBe('no drift: 5 table(s) match their models\n');
    },
    SLOW,
  );

  it(
    '--check reports an index.ts or db.ts that lacks a model',
    async () => {
      const indexFile = path.join(out, 'index.ts');
      const dbFile = path.join(out, 'db.ts');
      const [index, db] = await Promise.all([readFile(indexFile, 'utf8'), readFile(dbFile, 'utf8')]);
      // what the old codegen left after `codegen --schema extra`: only that schema's exports
      await writeFile(
        indexFile,
        index
          .split('\n')
          .filter((l) => !l.includes(`./${main.schema}/`))
          .join('\n'),
      );
      const report = await checkDrift(main.pool, out, { schemas: [main.schema, extra.schema] });
      expect(report.clean).toHaveLength(5);
      expect(report.drift.map((d) => [d.table, d.stale])).toEqual([
        [
          'index.ts',
          expect.stringMatching(
            new RegExp(
              `^not what codegen writes for the 5 model\\(s\\) beside it \\(lacks export \\{ defineTableTable \\} from '\\./${main.schema}/define_table\\.js'; .*\\): run upshift codegen$`,
            ),
          ),
        ],
      ]);
      expect(formatDrift(report, project.dir)).toMatch(
        /^drift in 1 table\(s\):\n {2}models\/index\.ts: not what codegen writes/,
      );
      await writeFile(indexFile, index);
      await writeFile(dbFile, db.replace(/\n {2}'[^']+\.orders': OrdersTable;/, ''));
      const stale = await checkDrift(main.pool, out, { schemas: [main.schema] });
      expect(stale.drift.map((d) => d.table)).toEqual(['db.ts']);
      expect(stale.drift[0]!.stale).toContain(`lacks '${main.schema}.orders': OrdersTable;`);
      await writeFile(dbFile, db);
      expect((await checkDrift(main.pool, out)).drift).toEqual([]);
    },
    SLOW,
  );
});
