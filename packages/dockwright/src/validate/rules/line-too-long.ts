import type { AnyInstructionKind, AnyInstructionNode } from '../../ir/nodes/index.js';
import { longLine, MAX_LINE_BYTES } from '../../ir/encodability.js';
import { printInstruction } from '../../print/print.js';
import { dockwrightUrl, defineRule, type Where } from '../rule.js';

/**
 * An instruction that would print a line longer than Docker reads (65535 bytes): Docker refuses
 * the whole file ("dockerfile line greater than max allowed size"). Only instructions whose
 * values are long enough to get there are printed to measure them.
 */
export const LineTooLong = defineRule({
  name: 'LineTooLong',
  severity: 'error',
  description: `An instruction would print a line longer than ${MAX_LINE_BYTES} bytes, which Docker cannot read.`,
  url: dockwrightUrl('LineTooLong'),
  fatal: true,
  printerRefuses: true,
  create(ctx) {
    const measure = (node: AnyInstructionNode, where?: Where): void => {
      if (where?.trigger) return; // measured with its ONBUILD
      // Escaping at most doubles a character and UTF-8 takes at most 3 bytes for one.
      if (valueLength(node) * 6 + 1024 <= MAX_LINE_BYTES) return;
      let text: string;
      try {
        text = printInstruction(node, { escape: ctx.escape });
      } catch {
        return; // UnencodableValue reports it
      }
      const long = longLine(text);
      if (long === undefined) return;
      const multiline = text.includes('\n') ? `line ${long.line} of ` : '';
      ctx.report(
        node.loc,
        `${node.kind.toUpperCase()} would print ${multiline}${long.bytes} bytes on one line; Docker reads lines of up to ${MAX_LINE_BYTES} bytes. ` +
          (node.kind === 'run'
            ? 'Split the command into lines (a multi-line script), or move it into a file the image copies.'
            : 'Shorten the value, or move it into a file the image copies.'),
      );
    };
    const kinds: readonly AnyInstructionKind[] = [
      'from',
      'run',
      'cmd',
      'entrypoint',
      'healthcheck',
      'shell',
      'stopsignal',
      'user',
      'workdir',
      'volume',
      'expose',
      'env',
      'label',
      'arg',
      'onbuild',
      'comment',
      'maintainer',
      'copy',
      'add',
    ];
    return {
      file: (file) => file.globalArgs.forEach((arg) => measure(arg)),
      instruction: Object.fromEntries(kinds.map((kind) => [kind, measure])),
    };
  },
});

/** The characters of every string a node holds (its location aside): a bound on what it prints. */
function valueLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 0;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) total += valueLength(item);
    return total;
  }
  for (const key in value) if (key !== 'loc') total += valueLength((value as Record<string, unknown>)[key]);
  return total;
}
