import { dockwrightUrl, defineRule } from '../rule.js';

const REFUSED = new Set(['onbuild', 'from', 'maintainer']);

/** Docker refuses `ONBUILD ONBUILD`, `ONBUILD FROM` and `ONBUILD MAINTAINER`. */
export const InvalidOnbuildTrigger = defineRule({
  name: 'InvalidOnbuildTrigger',
  severity: 'error',
  description: 'ONBUILD wraps ONBUILD, FROM or MAINTAINER.',
  url: dockwrightUrl('InvalidOnbuildTrigger'),
  fatal: true,
  create(ctx) {
    return {
      instruction: {
        onbuild: (node) => {
          if (REFUSED.has(node.trigger.kind)) {
            ctx.report(node.trigger.loc ?? node.loc, `ONBUILD ${node.trigger.kind.toUpperCase()} is not allowed.`);
          }
        },
      },
    };
  },
});
