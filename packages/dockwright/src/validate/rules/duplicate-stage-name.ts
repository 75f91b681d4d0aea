import { buildkitUrl, defineRule } from '../rule.js';

/** Two stages with one name: `--from` and `--target` could not tell them apart. */
export const DuplicateStageName = defineRule({
  name: 'DuplicateStageName',
  severity: 'error',
  description: 'Two stages have the same name.',
  url: buildkitUrl('DuplicateStageName'),
  create(ctx) {
    // Made at the first named stage: most files name none.
    let names: Set<string> | undefined;
    return {
      file: () => {
        names = undefined;
      },
      instruction: {
        from: (node) => {
          if (node.name === undefined) return;
          const name = node.name.toLowerCase();
          names ??= new Set();
          if (names.has(name)) ctx.report(node.loc, `Duplicate stage name "${node.name}": stage names must be unique.`);
          names.add(name);
        },
      },
    };
  },
});
