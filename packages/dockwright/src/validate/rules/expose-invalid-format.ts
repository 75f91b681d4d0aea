import { isLiteral } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';

/** `EXPOSE 8080:80` or an IP address: publishing is decided at run time, not in the image. */
export const ExposeInvalidFormat = defineRule({
  name: 'ExposeInvalidFormat',
  severity: 'warning',
  description: 'EXPOSE names a host port or IP address.',
  url: buildkitUrl('ExposeInvalidFormat'),
  create(ctx) {
    return {
      instruction: {
        expose: (node) => {
          for (const port of node.ports) {
            if (isLiteral(port) && port.includes(':')) {
              ctx.report(node.loc, `EXPOSE ${port} names a host port or address: expose the container port only (publish with docker run -p).`);
            }
          }
        },
      },
    };
  },
});
