import { buildkitUrl, defineRule } from '../rule.js';

export const MaintainerDeprecated = defineRule({
  name: 'MaintainerDeprecated',
  severity: 'warning',
  description: 'MAINTAINER is deprecated.',
  url: buildkitUrl('MaintainerDeprecated'),
  create(ctx) {
    return {
      instruction: {
        maintainer: (node) => ctx.report(node.loc, "MAINTAINER is deprecated: use label('org.opencontainers.image.authors', ...)."),
      },
    };
  },
});
