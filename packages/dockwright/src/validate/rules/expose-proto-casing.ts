import { isLiteral } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';

/** `EXPOSE 80/TCP`: protocols are lower case. */
export const ExposeProtoCasing = defineRule({
  name: 'ExposeProtoCasing',
  severity: 'warning',
  description: 'An EXPOSE protocol is not lower case.',
  url: buildkitUrl('ExposeProtoCasing'),
  create(ctx) {
    return {
      instruction: {
        expose: (node) => {
          for (const port of node.ports) {
            const proto = isLiteral(port) ? port.split('/')[1] : undefined;
            if (proto !== undefined && proto !== proto.toLowerCase()) {
              ctx.report(node.loc, `EXPOSE ${port}: write the protocol in lower case (${proto.toLowerCase()}).`);
            }
          }
        },
      },
    };
  },
});
