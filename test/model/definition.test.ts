// Every Redshift limit is checked when a model is defined, with an error that says what to do:
// a model Redshift would refuse fails at startup, not in the middle of a load.
import { describe, expect, it } from 'vitest';
import { ModelDefinitionError, defineTable, sql, t, type Encoding } from '../../src/index.js';

/** Runs fn and returns the ModelDefinitionError it throws (failing if it throws nothing else). */
function definitionError(fn: () => unknown): ModelDefinitionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelDefinitionError);
    return e as ModelDefinitionError;
  }
  throw new Error('expected a ModelDefinitionError, but nothing was thrown');
}

describe('column type limits', () => {
  it('VARCHAR(n): 1 to 65535 bytes, or MAX', () => {
    expect(t.varchar(1).spec.length).toBe(1);
    expect(t.varchar(65535).spec.length).toBe(65535);
    expect(t.varchar('max').spec.length).toBe('max');
    expect(definitionError(() => t.varchar(65536)).message).toBe(
      "VARCHAR(65536) is out of range: Redshift allows 1 to 65535 bytes. For the largest size use t.varchar('max'); for documents use t.super()",
    );
    expect(definitionError(() => t.varchar(0)).message).toMatch(
      /^VARCHAR\(0\) is out of range: Redshift allows 1 to 65535 bytes/,
    );
    expect(definitionError(() => t.varchar(10.5)).message).toMatch(/^VARCHAR\(10.5\) is out of range/);
  });

  it('CHAR(n): 1 to 4096 bytes', () => {
    expect(t.char(4096).spec.length).toBe(4096);
    expect(definitionError(() => t.char(4097)).message).toBe(
      'CHAR(4097) is out of range: Redshift allows 1 to 4096 bytes. For longer or multi-byte text use t.varchar(n)',
    );
    expect(definitionError(() => t.char(0)).message).toMatch(/^CHAR\(0\) is out of range/);
  });

  it('DECIMAL(p, s): precision 1 to 38, scale 0 to p', () => {
    expect(t.decimal(38, 38).spec).toMatchObject({ precision: 38, scale: 38 });
    expect(t.numeric().spec).toMatchObject({ precision: 18, scale: 0 });
    expect(definitionError(() => t.decimal(39, 2)).message).toBe(
      'DECIMAL(39, 2): precision must be 1 to 38. For larger numbers use t.double() or t.varchar()',
    );
    expect(definitionError(() => t.decimal(0)).message).toMatch(/^DECIMAL\(0, 0\): precision must be 1 to 38/);
    expect(definitionError(() => t.decimal(10, 11)).message).toBe(
      'DECIMAL(10, 11): scale must be 0 to the precision (10): lower the scale or raise the precision',
    );
    expect(definitionError(() => t.numeric(10, -1)).message).toMatch(/scale must be 0 to the precision/);
  });

  it('VARBYTE(n): 1 to 1,024,000 bytes, 64,000 by default', () => {
    expect(t.varbyte().spec.length).toBe(64_000);
    expect(t.varbyte(1_024_000).spec.length).toBe(1_024_000);
    expect(definitionError(() => t.varbyte(1_024_001)).message).toBe(
      'VARBYTE(1024001) is out of range: Redshift allows 1 to 1024000 bytes. For larger binary values store a reference (an S3 key) instead',
    );
  });

  it('IDENTITY only on INTEGER and BIGINT, with whole numbers, a non-zero step, and never with DEFAULT', () => {
    for (const make of [() => t.smallint(), () => t.decimal(), () => t.varchar()] as unknown as (() => ReturnType<
      typeof t.bigint
    >)[]) {
      expect(definitionError(() => make().identity()).message).toMatch(
        /^IDENTITY is only allowed on INTEGER or BIGINT columns, not \w+: use t.bigint\(\).identity\(\)$/,
      );
    }
    expect(definitionError(() => t.bigint().identity(1, 0)).message).toBe(
      'IDENTITY(seed, step) needs whole numbers and a non-zero step, got (1, 0)',
    );
    expect(definitionError(() => t.bigint().identity(1.5)).message).toMatch(/needs whole numbers/);
    expect(definitionError(() => t.integer().identity(2 ** 31)).message).toBe(
      'IDENTITY(2147483648, 1) does not fit an INTEGER column: use t.bigint().identity(...)',
    );
    expect(definitionError(() => t.bigint().default(1).identity()).message).toBe(
      'a column cannot have both DEFAULT and IDENTITY: drop one',
    );
    // identity() returns a generated column; a JS caller can still chain default() after it
    expect(
      definitionError(() => (t.bigint().identity() as unknown as ReturnType<typeof t.bigint>).default(1)).message,
    ).toBe('a column cannot have both DEFAULT and IDENTITY: drop one');
  });

  it('DEFAULT: a valid value of the column, checked at definition; sql() not empty', () => {
    expect(definitionError(() => defineTable('s.t', { v: t.varchar(3).default('abcd') })).message).toBe(
      'column "v": DEFAULT "abcd" is 4 UTF-8 bytes, longer than VARCHAR(3) allows (3 bytes) (rule: varchar length)',
    );
    expect(definitionError(() => defineTable('s.t', { v: t.decimal(5, 2).default('1.234') })).message).toMatch(
      /^column "v": DEFAULT "1.234" has 3 decimal places; DECIMAL\(5,2\) keeps 2/,
    );
    expect(definitionError(() => defineTable('s.t', { v: t.smallint().default(40000) })).message).toMatch(
      /SMALLINT's range -32768 to 32767/,
    );
    expect(definitionError(() => defineTable('s.t', { v: t.date().default('2026-02-30') })).message).toMatch(
      /is not a real calendar date/,
    );
    expect(definitionError(() => t.integer().default(null as unknown as number)).message).toMatch(
      /DEFAULT needs a value/,
    );
    expect(definitionError(() => t.integer().default(sql('  '))).message).toMatch(/DEFAULT sql\(...\) is empty/);
  });

  it('ENCODE: a Redshift encoding that applies to the column type', () => {
    expect(t.varchar().encode('lzo').spec.encode).toBe('lzo');
    expect(t.timestamptz().encode('az64').spec.encode).toBe('az64');
    expect(t.super().encode('zstd').spec.encode).toBe('zstd');
    expect(definitionError(() => t.integer().encode('text255')).message).toBe(
      'ENCODE text255 does not apply to INTEGER columns on Redshift: use one of raw, az64, bytedict, delta, delta32k, lzo, mostly8, mostly16, runlength, zstd',
    );
    expect(definitionError(() => t.varchar().encode('az64')).message).toMatch(
      /^ENCODE az64 does not apply to VARCHAR columns on Redshift: use one of raw, bytedict, lzo, runlength, text255, text32k, zstd$/,
    );
    expect(definitionError(() => t.boolean().encode('delta')).message).toMatch(
      /^ENCODE delta does not apply to BOOLEAN/,
    );
    expect(definitionError(() => t.smallint().encode('mostly16')).message).toMatch(
      /^ENCODE mostly16 does not apply to SMALLINT/,
    );
    expect(definitionError(() => t.varchar().encode('gzip' as Encoding)).message).toMatch(
      /^ENCODE gzip is not a Redshift encoding: use one of auto, raw, az64/,
    );
  });
});

describe('identifiers', () => {
  const cols = { id: t.integer() };
  it('a table name must be schema-qualified', () => {
    expect(definitionError(() => defineTable('candy_names', cols)).message).toBe(
      `table name "candy_names" must be schema-qualified, like "candy.candy_names" (Redshift's search_path differs between sessions; explicit is safer)`,
    );
    expect(definitionError(() => defineTable('db.candy.names', cols)).message).toMatch(/must be schema-qualified/);
    expect(definitionError(() => defineTable('.names', cols)).message).toMatch(/must be schema-qualified/);
  });

  it('upper case is refused (Redshift folds it), with the names to use instead', () => {
    expect(definitionError(() => defineTable('s.t', { updatedAt: t.timestamp() })).message).toBe(
      'column name "updatedAt" has upper-case letters: Redshift folds identifiers to lower case, so it would read back as "updatedat". Use "updated_at" or "updatedat"',
    );
    expect(definitionError(() => defineTable('Sales.t', cols)).message).toMatch(
      /^schema name "Sales" has upper-case letters/,
    );
    expect(definitionError(() => defineTable('s.Orders', cols)).message).toMatch(
      /^table name "Orders" has upper-case letters/,
    );
  });

  it('at most 127 bytes of UTF-8', () => {
    expect(defineTable(`s.${'a'.repeat(127)}`, cols).name).toHaveLength(127);
    expect(definitionError(() => defineTable(`s.${'a'.repeat(128)}`, cols)).message).toMatch(
      /^table name "a{40}…" is 128 bytes: Redshift allows at most 127 bytes of UTF-8; shorten it$/,
    );
    // 'é' is 2 bytes: 64 of them are 128 bytes in 64 characters
    expect(definitionError(() => defineTable('s.t', { ['é'.repeat(64)]: t.integer() })).message).toMatch(
      /is 128 bytes/,
    );
  });

  it('bad characters: spaces, quotes, a leading digit or dollar', () => {
    for (const name of ['my col', 'a"b', '1st', '$x', 'a-b', 'a.b']) {
      const e = definitionError(() => defineTable('s.t', { [name]: t.integer() }));
      expect(e.message).toBe(
        `column name "${name}" is not a valid identifier: start with a letter or underscore, then letters, digits, _ or $`,
      );
    }
    expect(defineTable('s.t', { _a$1: t.integer(), café: t.integer() }).columnNames).toEqual(['_a$1', 'café']);
  });

  it('empty names and the reserved __upshift prefix', () => {
    expect(definitionError(() => defineTable('s.t', { '': t.integer() })).message).toBe(
      'column name is empty: give it a name like "candy_names"',
    );
    expect(definitionError(() => defineTable('s.t', { __upshift_ordinal: t.integer() })).message).toBe(
      'column name "__upshift_ordinal" starts with "__upshift", which upshift reserves for its own columns: rename it',
    );
  });
});

describe('table options', () => {
  const cols = { id: t.bigint().notNull(), at: t.timestamp(), doc: t.super(), seq: t.bigint().identity() };
  it('a table needs columns, built with t.*', () => {
    expect(definitionError(() => defineTable('s.t', {})).message).toBe(
      'table s.t has no columns: give at least one, like { id: t.bigint().notNull() }',
    );
    expect(definitionError(() => defineTable('s.t', { id: 'bigint' as never })).message).toBe(
      'column "id" is not a column builder: use t.varchar(64), t.bigint(), ...',
    );
  });

  it('at most 1600 columns', () => {
    const many = Object.fromEntries(Array.from({ length: 1601 }, (_, i) => [`c${i}`, t.integer()]));
    expect(definitionError(() => defineTable('s.t', many)).message).toBe(
      'table s.t has 1601 columns: Redshift allows 1600; split it, or move sparse fields into a t.super() column',
    );
  });

  it('distribution: a distKey needs DISTSTYLE KEY; KEY needs a distKey', () => {
    expect(definitionError(() => defineTable('s.t', cols, { distKey: 'id', distStyle: 'even' })).message).toBe(
      "distKey \"id\" needs distStyle 'key' (or no distStyle), not 'even'",
    );
    expect(definitionError(() => defineTable('s.t', cols, { distStyle: 'key' })).message).toBe(
      "distStyle 'key' needs a distKey column",
    );
    expect(defineTable('s.t', cols, { distKey: 'id' }).options).toMatchObject({ distStyle: 'key', distKey: 'id' });
  });

  it('sort keys: interleaved at most 8 columns, compound at most 400; no SUPER dist or sort key', () => {
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`c${i}`, t.integer()]));
    expect(
      definitionError(() => defineTable('s.t', nine, { sortKey: { interleaved: Object.keys(nine) } })).message,
    ).toBe('an interleaved sort key allows at most 8 columns, got 9: drop some, or use a compound sort key');
    const wide = Object.fromEntries(Array.from({ length: 401 }, (_, i) => [`c${i}`, t.integer()]));
    expect(defineTable('s.t', wide, { sortKey: Object.keys(wide).slice(0, 400) }).options.sortKey).toMatchObject({
      style: 'compound',
    });
    expect(definitionError(() => defineTable('s.t', wide, { sortKey: Object.keys(wide) })).message).toBe(
      'a compound sort key allows at most 400 columns, got 401: keep the leading columns your queries filter on',
    );
    expect(definitionError(() => defineTable('s.t', cols, { sortKey: ['doc'] })).message).toBe(
      'column "doc" is SUPER, which Redshift can\'t use as a distribution or sort key: pick another column',
    );
    expect(definitionError(() => defineTable('s.t', cols, { distKey: 'doc' })).message).toMatch(/is SUPER/);
  });

  it('key lists: non-empty, no duplicates', () => {
    expect(definitionError(() => defineTable('s.t', cols, { upsertKey: [] })).message).toBe(
      'upsertKey must be a non-empty list of column names: name at least one column, or leave upsertKey out',
    );
    expect(definitionError(() => defineTable('s.t', cols, { sortKey: ['id', 'id'] })).message).toBe(
      'sortKey lists a column twice: id, id; name each column once',
    );
  });

  it('an upsert key must be comparable and written by loads', () => {
    expect(definitionError(() => defineTable('s.t', cols, { upsertKey: ['seq'] })).message).toBe(
      'upsertKey column "seq" is an IDENTITY column: loads never write it, so it can\'t identify incoming rows',
    );
    expect(definitionError(() => defineTable('s.t', cols, { upsertKey: ['doc'] })).message).toBe(
      'upsertKey column "doc" is super, which Redshift can\'t compare with =: pick another key',
    );
  });
});

describe('model options name own columns only', () => {
  it('refuses an upsertKey named like an Object.prototype member', async () => {
    const { defineTable, ModelDefinitionError } = await import('../../src/index.js');
    for (const name of ['toString', 'constructor', '__proto__']) {
      expect(() => defineTable('s.t', { id: t.integer() }, { upsertKey: [name as never] }), name).toThrow(
        ModelDefinitionError,
      );
    }
  });
});
