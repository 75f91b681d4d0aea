import type { TriviaNode } from '../ir/nodes/index.js';
import { node } from '../ir/nodes/index.js';
import { DockwrightError } from '../errors/errors.js';

/**
 * Lines written as they appear in a Dockerfile (`''` blank, `'# text'` a comment), as trivia
 * nodes; anything else is refused at the call, since it would be an instruction.
 */
// Not from refs.ts, which needs this module: no import cycle.
const invalidArgument = (message: string): DockwrightError => new DockwrightError('builder.invalidArgument', message);
const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;

export function triviaLines(lines: readonly string[] | undefined, what: string): readonly TriviaNode[] | undefined {
  if (lines === undefined) return undefined;
  if (!Array.isArray(lines)) throw invalidArgument(`${what} must be an array of lines, got ${describe(lines)}`);
  return Object.freeze(
    lines.map((line: unknown): TriviaNode => {
      if (typeof line !== 'string') throw invalidArgument(`${what}: each line must be a string, got ${describe(line)}`);
      const text = line.trim();
      if (text === '') return node({ kind: 'blank' });
      if (!text.startsWith('#')) throw invalidArgument(`${what}: ${JSON.stringify(line)} is neither blank nor a comment ('# ...')`);
      return node({ kind: 'comment', text: text.slice(1).replace(/^ /, '') });
    }),
  );
}
