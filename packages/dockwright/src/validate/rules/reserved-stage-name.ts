import { buildkitUrl, defineRule } from '../rule.js';

const RESERVED = new Set(['scratch', 'context']);

/** `scratch` and `context` mean something else to the builder. */
export const ReservedStageName = defineRule({
  name: 'ReservedStageName',
  severity: 'error',
  description: 'A stage is named "scratch" or "context", which are reserved.',
  url: buildkitUrl('ReservedStageName'),
  create(ctx) {
    return {
      instruction: {
        from: (node) => {
          if (node.name !== undefined && RESERVED.has(node.name.toLowerCase())) {
            ctx.report(node.loc, `Stage name "${node.name}" is reserved: choose another name.`);
          }
        },
      },
    };
  },
});
