// `npm run demo`: a real load into embedded PGlite, no services needed.
// Creates the table, upserts a batch, upserts again with changes and duplicates (last write
// wins), tries a bad row (refused before anything is staged), and shows the table and the audit log.
import { PgliteDatabase, RowValidationError, createTableSql, type InsertRow } from '../src/index.js';
import { candyNames } from './candy.js';

type Candy = InsertRow<typeof candyNames>;

const firstBatch: Candy[] = [
  { id: 1n, name: 'Gummy Bears', price: '2.49', tags: ['gummy', 'classic'], updated_at: '2026-11-24T09:00:00Z' },
  { id: 2n, name: 'Sour Worms', price: 1.99, tags: ['sour'], updated_at: '2026-11-24T09:00:00Z' },
  { id: 3n, name: 'Licorice', price: null, updated_at: '2026-11-24T09:00:00Z' },
  { id: 4n, name: '', tags: { note: 'empty name is not NULL' }, updated_at: new Date('2026-11-24T09:00:00Z') },
];
const secondBatch: Candy[] = [
  { id: 2n, name: 'Sour Worms', price: '2.19', tags: ['sour', 'price-up'], updated_at: '2026-11-25T08:00:00Z' },
  { id: 5n, name: 'Caramel Chews', price: '3.00', updated_at: '2026-11-25T08:00:00Z' },
  { id: 5n, name: 'Caramel Chews (sea salt)', price: '3.25', updated_at: '2026-11-25T08:05:00Z' }, // same key: the last row wins
];

const db = new PgliteDatabase();
try {
  console.log('Redshift DDL for the model:\n');
  console.log(createTableSql(candyNames, 'redshift'), '\n');

  const CandyNames = db.table(candyNames);
  await CandyNames.create();

  const first = await CandyNames.upsert(firstBatch);
  console.log(
    `upsert #1: staged ${first.staged}, inserted ${first.inserted}, updated ${first.updated} (${first.durationMs} ms)`,
  );
  const second = await CandyNames.upsert(secondBatch);
  console.log(
    `upsert #2: staged ${second.staged}, inserted ${second.inserted}, updated ${second.updated}, duplicates dropped ${second.duplicates}`,
  );

  try {
    await CandyNames.upsert([{ id: 6n, name: 'x'.repeat(70), updated_at: new Date() }]);
  } catch (err) {
    if (!(err instanceof RowValidationError)) throw err;
    console.log(`upsert #3 refused: ${err.message}`);
  }

  console.log('\ncandy.candy_names:');
  console.table(
    await db.query(`select id, name, price, tags::text as tags, updated_at from candy.candy_names order by id`),
  );
  console.log('upshift.load_audit:');
  console.table(
    await db.query(
      `select load_id, mode, status, rows_staged, rows_inserted, rows_updated, left(coalesce(error, ''), 60) as error from upshift.load_audit order by started_at`,
    ),
  );
} finally {
  await db.close();
}
