import { isLiteral } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';

/** A constant `--platform` pins the stage to one platform even in a multi-platform build. */
export const FromPlatformFlagConstDisallowed = defineRule({
  name: 'FromPlatformFlagConstDisallowed',
  severity: 'warning',
  description: 'FROM --platform is a constant instead of a build argument.',
  url: buildkitUrl('FromPlatformFlagConstDisallowed'),
  create(ctx) {
    return {
      instruction: {
        from: (node) => {
          if (node.platform === undefined || !isLiteral(node.platform)) return;
          // BuildKit allows a constant when the stage is named after its platform (e.g. "build-arm64").
          const [os, arch] = node.platform.split('/');
          const name = node.name ?? '';
          if ((os && name.includes(os)) || (arch && name.includes(arch))) return;
          ctx.report(
            node.loc,
            `FROM --platform=${node.platform} is a constant: use a build argument such as ${ctx.origin === 'code' ? 'platformArgs.BUILDPLATFORM' : '$BUILDPLATFORM'}.`,
          );
        },
      },
    };
  },
});
