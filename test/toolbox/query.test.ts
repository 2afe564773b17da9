// Parameter inlining for UNLOAD / COPY TO: placeholders found by a lexer, values as literals.
import { describe, expect, it } from 'vitest';
import { compileUnloadQuery, inlineParameters, redshiftLiteral } from '../../src/warehouse/index.js';
import { quoteLiteral } from '../../src/index.js';

const pg = (sql: string, params: unknown[]) => inlineParameters(sql, params, quoteLiteral);
const rs = (sql: string, params: unknown[]) => inlineParameters(sql, params, redshiftLiteral);

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
    ).toBe("select NULL, 42, -1.5, 18446744073709551616, TRUE, 'O''Brien \\', '2026-11-24T10:00:00.123Z'");
    expect(rs('select $1', ["O'Brien \\"])).toBe("select 'O''Brien \\\\'");
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
    ).toBe('select 10, 9, 8, 7, 6, 5, 4, 3, 2, 1');
  });

  it('refuses missing, unused and non-inlinable parameters with clear errors', () => {
    expect(() => pg('select $2', [1])).toThrow('the query uses $2 but 1 parameter(s) were given');
    expect(() => pg('select $1', [1, 2])).toThrow('parameter(s) $2 given but not used in the query');
    expect(() => pg('select $1', [NaN])).toThrow(/\$1 is NaN: only finite numbers/);
    expect(() => pg('select $1', [{ a: 1 }])).toThrow(/\$1 is a object: unload inlines only/);
    expect(() => pg('select $1', [[1]])).toThrow(/\$1 is an array/);
  });

  it('compileUnloadQuery takes SQL + params, { sql, parameters } or a compilable query, and drops a trailing semicolon', () => {
    expect(compileUnloadQuery('select $1;  ', [1], quoteLiteral)).toBe('select 1');
    expect(compileUnloadQuery({ sql: 'select $1', parameters: ['x'] }, undefined, quoteLiteral)).toBe("select 'x'");
    expect(
      compileUnloadQuery({ compile: () => ({ sql: 'select $1', parameters: [true] }) }, undefined, quoteLiteral),
    ).toBe('select TRUE');
    expect(() => compileUnloadQuery({ sql: 'select 1' }, [1], quoteLiteral)).toThrow(/not both/);
    expect(() => compileUnloadQuery(' ; ', undefined, quoteLiteral)).toThrow(/empty/);
  });
});
