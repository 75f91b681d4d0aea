import { isAutomaticArg, type Text } from '../../ir/text.js';
import { buildkitUrl, defineRule } from '../rule.js';
import { isImageReference } from '../reference.js';

/** With its ARG defaults, a FROM must still name a valid image (a build without --build-arg would fail). */
export const InvalidDefaultArgInFrom = defineRule({
  name: 'InvalidDefaultArgInFrom',
  severity: 'warning',
  description: 'With the default values of its ARGs, a FROM names no valid image.',
  url: buildkitUrl('InvalidDefaultArgInFrom'),
  create(ctx) {
    const defaults = new Map<string, string>();
    for (const arg of ctx.file.globalArgs) {
      if (typeof arg.default === 'string') defaults.set(arg.name, arg.default);
    }
    const stageNames = new Set<string>();
    return {
      instruction: {
        from: (node) => {
          const image = node.image;
          if (typeof image !== 'string') {
            const expanded = expandDefaults(image, defaults);
            if (expanded !== undefined && !stageNames.has(expanded) && !isImageReference(expanded)) {
              ctx.report(node.loc, `With the default ARG values, FROM names "${expanded}", which is not a valid image: give the ARG a default.`);
            }
          }
          if (node.name !== undefined) stageNames.add(node.name);
        },
      },
    };
  },
});

/** The text with each variable replaced by its default (empty when it has none); raw text is left alone. */
function expandDefaults(text: Exclude<Text, string>, defaults: Map<string, string>): string | undefined {
  let out = '';
  for (const part of text.parts) {
    if (typeof part === 'string') out += part;
    else if (part.kind === 'raw') return undefined;
    else if (isAutomaticArg(part.name)) return undefined;
    else out += defaults.get(part.name) ?? '';
  }
  return out;
}
