import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { array, call, chain, code, method, object, options, printExpr, str, template } from '../src/code.js';

// Evaluates a printed expression as JavaScript: the printer's output must mean what it was given.
const evaluate = (source: string, scope: Record<string, unknown> = {}): unknown =>
  new Function(...Object.keys(scope), `return (${source});`)(...Object.values(scope));

describe('the code printer', () => {
  test('a string literal reads back as the text, whatever it holds', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', "'", '"', '`', '\\', '$', '${', '\n', '\r', '\0', '\u2028', '\u2029', 'é', '\t') });
    fc.assert(
      fc.property(text, (value) => {
        expect(evaluate(printExpr(str(value)))).toBe(value);
      }),
      { numRuns: 3000 },
    );
  });

  test('a template keeps its literal parts literal and puts expressions between them', () => {
    const literal = fc.string({ unit: fc.constantFrom('a', '`', '\\', '${', '$', '}', '\n', '\r') });
    fc.assert(
      fc.property(literal, literal, (before, after) => {
        const tag = (strings: TemplateStringsArray, ...values: unknown[]): unknown[] => [strings.raw.length, [...strings], values];
        const source = printExpr(template('tag', [before, code('x'), after]));
        expect(evaluate(source, { tag, x: 42 })).toEqual([2, [before, after], [42]]);
      }),
      { numRuns: 2000 },
    );
  });

  test('objects quote keys that are not identifiers and leave out undefined entries', () => {
    const printed = printExpr(
      object([
        ['as', str('build')],
        ['weird key', code(1)],
        ['gone', undefined],
      ]),
    );
    expect(printed).toBe("{ as: 'build', 'weird key': 1 }");
    expect(evaluate(printed)).toEqual({ as: 'build', 'weird key': 1 });
  });

  test('trailing undefined arguments are left out, one in the middle is written; empty options vanish', () => {
    expect(printExpr(call('arg', [str('A'), undefined, options([['before', array([])]])]))).toBe("arg('A', undefined, { before: [] })");
    expect(printExpr(call('arg', [str('A'), undefined, options([['before', undefined]])]))).toBe("arg('A')");
  });

  test('a chain puts one call on a line, or all on one', () => {
    const calls = [method('run', [str('make')]), method('cmd', [array([str('app')])])];
    expect(printExpr(chain(call('from', [str('alpine')]), calls))).toBe("from('alpine')\n.run('make')\n.cmd(['app'])");
    expect(printExpr(chain(code('s'), calls, false))).toBe("s.run('make').cmd(['app'])");
  });
});
