import { isLiteral } from '../../ir/text.js';
import { dockwrightUrl, defineRule } from '../rule.js';

// [registry[:port]/]path[:tag][@digest], as distribution/reference accepts (lower-case path).
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?';
const REFERENCE = new RegExp(
  `^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

/** True for a valid image reference such as `alpine`, `node:20-alpine`, `ghcr.io/org/app@sha256:...`. */
export function isImageReference(value: string): boolean {
  return value.length <= 255 + 128 + 80 && REFERENCE.test(value);
}

/** FROM names an image that no registry could resolve (upper case, spaces, a stray colon). */
export const InvalidImageReference = defineRule({
  name: 'InvalidImageReference',
  severity: 'error',
  description: 'FROM or --from names an invalid image reference.',
  url: dockwrightUrl('InvalidImageReference'),
  create(ctx) {
    const stages = new Set<string>();
    return {
      instruction: {
        from: (node) => {
          const image = node.image;
          if (isLiteral(image) && image !== '' && !stages.has(image) && !isImageReference(image)) {
            ctx.report(node.loc, `FROM ${JSON.stringify(image)} is not a valid image reference (expected e.g. alpine:3.20 or registry.example.com/team/app:1.0).`);
          }
          if (node.name !== undefined) stages.add(node.name);
        },
      },
    };
  },
});
