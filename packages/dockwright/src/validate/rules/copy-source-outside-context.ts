import type { CopyFields } from '../../ir/nodes/index.js';
import type { SourceLocation } from '../../ir/location.js';
import { isLiteral } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@)/i;

/** A context source that climbs out (`../x`) or is absolute cannot be sent to the builder. */
export const CopySourceOutsideContext = defineRule({
  name: 'CopySourceOutsideContext',
  severity: 'error',
  description: 'A COPY or ADD source from the build context is absolute or climbs out of it.',
  url: dockwrightUrl('CopySourceOutsideContext'),
  create(ctx) {
    const check = (node: CopyFields & { loc?: SourceLocation | undefined }, name: string): void => {
      for (const source of node.sources) {
        // A URL has "://" and a git address "@": only those need the expression.
        if (!isLiteral(source) || ((source.includes(':') || source.includes('@')) && REMOTE.test(source))) continue;
        if (source.startsWith('/')) {
          ctx.report(node.loc, `${name} source "${source}" is absolute: sources are relative to the build context; write it without the leading "/".`);
        } else if (climbsOut(source)) {
          ctx.report(node.loc, `${name} source "${source}" climbs out of the build context: move the file into the context, or widen the context.`);
        }
      }
    };
    return {
      instruction: {
        copy: (node) => {
          if (node.from === undefined) check(node, 'COPY');
        },
        add: (node) => check(node, 'ADD'),
      },
    };
  },
});

function climbsOut(path: string): boolean {
  if (!path.includes('..')) return false;
  let depth = 0;
  for (const segment of path.split(/[\\/]+/)) {
    if (segment === '..') depth--;
    else if (segment !== '.' && segment !== '') depth++;
    if (depth < 0) return true;
  }
  return false;
}
