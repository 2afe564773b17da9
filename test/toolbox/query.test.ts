// Parameter inlining for UNLOAD / COPY TO: placeholders found by a lexer, values as literals.
import { describe, expect, it } from 'vitest';
import { compileUnloadQuery } from '../../src/warehouse/index.js';
import { QueryParameterError } from '../../src/index.js';
import { inlineParameters, postgresLiterals, redshiftLiterals } from '../../src/sql/index.js';

const pg = (sql: string, params: unknown[]) => inlineParameters(sql, params, postgresLiterals);
const rs = (sql: string, params: unknown[]) => inlineParameters(sql, params, redshiftLiterals);

describe('inlineParameters', () => {
  it('inlines every value kind as a literal of the dialect', () => {
    expect(
      pg('select $1, $2, $3, $4, $5, $6, $7', [
        null,
        42,
        -1.5,
        2n ** 64n,
        true,
        "O'Brien \\",
        new Date('2026-11-24T10:00:00.123Z'),
      ]),
    ).toBe("select NULL, '42', '-1.5', '18446744073709551616', 'true', 'O''Brien \\', '2026-11-24T10:00:00.123Z'");
    expect(rs('select $1', ["O'Brien \\"])).toBe("select 'O''Brien \\\\'");
    expect(pg('select $1, $2', [new Uint8Array([0, 255, 39]), { a: [1, "q'"] }])).toBe(
      `select '\\x00ff27', '{"a":[1,"q''"]}'`,
    );
    expect(rs('select $1', [new Uint8Array([0, 255])])).toBe("select FROM_HEX('00ff')");
  });

  it('leaves $n inside strings, quoted identifiers, dollar quotes and comments alone', () => {
    const sql = `select '$1', "$1", E'\\'$1', $tag$ $1 $tag$, $$ $1 $$ /* $1 */, $1 -- $1\nfrom t where x = $2`;
    expect(pg(sql, ['a', 'b'])).toBe(
      `select '$1', "$1", E'\\'$1', $tag$ $1 $tag$, $$ $1 $$ /* $1 */, 'a' -- $1\nfrom t where x = 'b'`,
    );
    const ten = Array.from({ length: 10 }, (_, i) => `$${10 - i}`).join(', ');
    expect(
      pg(
        `select ${ten}`,
        Array.from({ length: 10 }, (_, i) => i + 1),
      ),
    ).toBe("select '10', '9', '8', '7', '6', '5', '4', '3', '2', '1'");
  });

  it('refuses missing, unused and non-inlinable parameters with clear errors', () => {
    expect(() => pg('select $2', [1])).toThrow('the query uses $2 but 1 parameter(s) were given');
    expect(() => pg('select $1', [1, 2])).toThrow('parameter(s) $2 given but not used in the query');
    expect(() => pg('select $1', [NaN])).toThrow(/\$1 is NaN: only finite numbers/);
    expect(() => pg('select $1', [Symbol('s')])).toThrow(/\$1 is a symbol: only strings, numbers/);
    expect(() => pg('select $1', [{ big: 1n }])).toThrow(/\$1 has no JSON form/);
    expect(() => pg('select $1', [new Date(NaN)])).toThrow('parameter $1 is an invalid Date');
    expect(() => pg('select $1', [[1]])).toThrow(/\$1 is an array/);
    expect(() => pg('select $1', [[1]])).toThrow(QueryParameterError);
  });

  // The toolbox's inliner once ended a comment at its first */ (and inlined the $1 after it, or
  // threw for a missing parameter); Postgres and Redshift nest block comments.
  it('a nested block comment hides its $n to the end of the outer comment', () => {
    expect(pg('select 1 /* /* */ $1 */', [])).toBe('select 1 /* /* */ $1 */');
    expect(pg('select /* a /* b */ c */ $1', ['x'])).toBe("select /* a /* b */ c */ 'x'");
  });

  // The toolbox's inliner once wrote numbers and booleans bare (42, TRUE) where the source's
  // wrote them quoted: both now write what a bind parameter is, an untyped literal.
  it('a number is an untyped literal, as a bind parameter is: $1 = 42 compares as the context says', () => {
    expect(pg('select * from t where id = $1', [42])).toBe("select * from t where id = '42'");
    expect(rs('select $1, $2', [true, 7n])).toBe("select 'true', '7'");
  });

  it('compileUnloadQuery takes SQL + params, { sql, parameters } or a compilable query, and drops a trailing semicolon', () => {
    expect(compileUnloadQuery('select $1;  ', [1], postgresLiterals)).toBe("select '1'");
    expect(compileUnloadQuery({ sql: 'select $1', parameters: ['x'] }, undefined, postgresLiterals)).toBe("select 'x'");
    expect(
      compileUnloadQuery({ compile: () => ({ sql: 'select $1', parameters: [true] }) }, undefined, postgresLiterals),
    ).toBe("select 'true'");
    expect(() => compileUnloadQuery({ sql: 'select 1' }, [1], postgresLiterals)).toThrow(/not both/);
    expect(() => compileUnloadQuery(' ; ', undefined, postgresLiterals)).toThrow(/empty/);
  });
});
