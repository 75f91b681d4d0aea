import { textToDisplay } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';

/** `--platform=$TARGETPLATFORM` is what FROM does anyway. */
export const RedundantTargetPlatform = defineRule({
  name: 'RedundantTargetPlatform',
  severity: 'warning',
  description: 'FROM sets --platform to $TARGETPLATFORM, the default.',
  url: buildkitUrl('RedundantTargetPlatform'),
  create(ctx) {
    return {
      instruction: {
        from: (node) => {
          if (node.platform === undefined) return;
          const shown = textToDisplay(node.platform);
          if (shown === '${TARGETPLATFORM}' || shown === '$TARGETPLATFORM') {
            ctx.report(node.loc, '--platform=$TARGETPLATFORM is the default: remove it.');
          }
        },
      },
    };
  },
});
