import { isLiteral } from '../../ir/text.js';
import { isImageReference } from '../reference.js';
import { dockwrightUrl, defineRule } from '../rule.js';

/** FROM names an image that no registry could resolve (upper case, spaces, a stray colon). */
export const InvalidImageReference = defineRule({
  name: 'InvalidImageReference',
  severity: 'error',
  description: 'FROM or --from names an invalid image reference.',
  url: dockwrightUrl('InvalidImageReference'),
  create(ctx) {
    // Made at the first named stage: most files name none.
    let stages: Set<string> | undefined;
    return {
      file: () => {
        stages = undefined;
      },
      instruction: {
        from: (node) => {
          const image = node.image;
          if (isLiteral(image) && image !== '' && !stages?.has(image) && !isImageReference(image)) {
            ctx.report(
              node.loc,
              `FROM ${JSON.stringify(image)} is not a valid image reference (expected e.g. alpine:3.20 or registry.example.com/team/app:1.0).`,
            );
          }
          if (node.name !== undefined) (stages ??= new Set()).add(node.name);
        },
      },
    };
  },
});
