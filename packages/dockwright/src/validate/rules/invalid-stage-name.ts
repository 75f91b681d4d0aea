import { dockwrightUrl, defineRule } from '../rule.js';

const STAGE_NAME = /^[a-z][a-z0-9\-_.]*$/;

/** BuildKit accepts stage names that start with a letter and hold letters, digits, `-`, `_`, `.`. */
export const InvalidStageName = defineRule({
  name: 'InvalidStageName',
  severity: 'error',
  description: 'A stage name is not a lower-case letter followed by letters, digits, "-", "_" or ".".',
  url: dockwrightUrl('InvalidStageName'),
  create(ctx) {
    return {
      instruction: {
        from: (node) => {
          if (node.name !== undefined && !STAGE_NAME.test(node.name)) {
            ctx.report(
              node.loc,
              `Invalid stage name ${JSON.stringify(node.name)}: it must start with a lower-case letter and hold only a-z, 0-9, "-", "_" and ".".`,
            );
          }
        },
      },
    };
  },
});
