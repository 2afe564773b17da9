// How the warehouses compare key values, reduced to a JS value that orders them.
//
// The loader may skip its dedupe pass when the upsert key strictly increases through a batch:
// such keys can't repeat. That is only true if two values the DATABASE calls equal can never
// look increasing in JS. JS distinctness is not SQL distinctness: decimal '1.5' = '1.50', CHAR
// and (on Redshift) VARCHAR ignore trailing blanks, REAL compares as float4 (16777216 =
// 16777217), -0 = 0, a case-insensitive collation makes 'A' = 'a'. So the comparison runs on a
// canonical form for which SQL-equal values are always JS-equal; values that are SQL-distinct
// but canonically equal merely cost the dedupe pass. Kinds whose equality is subtler (interval
// '1 day' = '24 hours', timetz by instant, time, timestamps in several spellings, SUPER) get
// no canonical form: their batches are always deduped.
import type { ColumnSpec } from './columns.js';
import type { NormalizedValue } from './validate.js';

/** A value whose JS `<` order implies SQL distinctness; undefined where none is known. */
export type KeyCanonical = (v: NormalizedValue) => number | bigint | string | undefined;

const TRAILING_BLANKS = / +$/;

/** The canonical form of a column's key values, or undefined when batches keyed on it must always be deduped. */
export function keyCanonical(spec: ColumnSpec): KeyCanonical | undefined {
  switch (spec.kind) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return (v) => (typeof v === 'number' || typeof v === 'bigint' ? v : undefined);
    case 'double':
      // -0 = 0 in SQL (adding 0 folds -0 into 0); NaN compares false both ways, so it never passes for increasing.
      return (v) => (typeof v === 'number' ? v + 0 : undefined);
    case 'real':
      return (v) => (typeof v === 'number' ? Math.fround(v) + 0 : undefined);
    case 'decimal':
      // Equal decimals are one number, so they round to one double; distinct ones may collide (harmless).
      return (v) => (typeof v === 'string' || typeof v === 'number' ? Number(v) + 0 : undefined);
    case 'char':
    case 'varchar':
      // Trailing blanks are insignificant for CHAR everywhere and for VARCHAR on Redshift; folding
      // case keeps case-insensitive collations safe too.
      return (v) => (typeof v === 'string' ? v.replace(TRAILING_BLANKS, '').toLowerCase() : undefined);
    default:
      return undefined;
  }
}
