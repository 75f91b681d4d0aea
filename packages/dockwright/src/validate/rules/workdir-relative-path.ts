import { isLiteral } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';

/** A relative WORKDIR depends on the base image's working directory, which may change. */
export const WorkdirRelativePath = defineRule({
  name: 'WorkdirRelativePath',
  severity: 'warning',
  description: 'A relative WORKDIR comes before any absolute one in its stage.',
  url: buildkitUrl('WorkdirRelativePath'),
  create(ctx) {
    let absoluteSeen = false;
    return {
      stage: () => {
        absoluteSeen = false;
      },
      instruction: {
        workdir: (node, where) => {
          if (where.trigger || !isLiteral(node.path) || node.path === '') return;
          if (node.path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(node.path)) absoluteSeen = true;
          else if (!absoluteSeen) {
            ctx.report(node.loc, `Relative WORKDIR "${node.path}" depends on the base image's working directory: use an absolute path.`);
          }
        },
      },
    };
  },
});
