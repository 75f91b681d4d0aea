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
            if (!isLiteral(port)) continue;
            const slash = port.indexOf('/');
            if (slash === -1) continue;
            const end = port.indexOf('/', slash + 1);
            const proto = port.slice(slash + 1, end === -1 ? undefined : end);
            if (proto !== proto.toLowerCase()) {
              ctx.report(node.loc, `EXPOSE ${port}: write the protocol in lower case (${proto.toLowerCase()}).`);
            }
          }
        },
      },
    };
  },
});
