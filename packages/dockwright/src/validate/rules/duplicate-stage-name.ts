import { buildkitUrl, defineRule } from '../rule.js';

/** Two stages with one name: `--from` and `--target` could not tell them apart. */
export const DuplicateStageName = defineRule({
  name: 'DuplicateStageName',
  severity: 'error',
  description: 'Two stages have the same name.',
  url: buildkitUrl('DuplicateStageName'),
  create(ctx) {
    let names = new Set<string>();
    return {
      file: () => {
        names = new Set();
      },
      instruction: {
        from: (node) => {
          if (node.name === undefined) return;
          const name = node.name.toLowerCase();
          if (names.has(name)) ctx.report(node.loc, `Duplicate stage name "${node.name}": stage names must be unique.`);
          names.add(name);
        },
      },
    };
  },
});
