import type { CopyFields } from '../../ir/nodes/index.js';
import type { SourceLocation } from '../../ir/location.js';
import { isLiteral } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

/** With several sources Docker requires the destination to be a folder written with a trailing `/`. */
export const MultipleSourcesNeedDirectory = defineRule({
  name: 'MultipleSourcesNeedDirectory',
  severity: 'error',
  description: 'COPY or ADD has several sources but its destination does not end with "/".',
  url: dockwrightUrl('MultipleSourcesNeedDirectory'),
  create(ctx) {
    const check = (node: CopyFields & { loc?: SourceLocation | undefined }, name: string): void => {
      if (node.sources.length < 2 || !isLiteral(node.dest)) return;
      if (!node.dest.endsWith('/')) {
        ctx.report(node.loc, `${name} has ${node.sources.length} sources, so its destination must be a folder ending with "/": write "${node.dest}/".`);
      }
    };
    return { instruction: { copy: (node) => check(node, 'COPY'), add: (node) => check(node, 'ADD') } };
  },
});
