import { type AnyInstructionKind, ONCE_PER_STAGE } from '../../ir/nodes/index.js';
import { buildkitUrl, defineRule } from '../rule.js';

/** Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect: a second one is a mistake. */
export const MultipleInstructionsDisallowed = defineRule({
  name: 'MultipleInstructionsDisallowed',
  severity: 'error',
  // In code a second one is a mistake the types already refuse; a hand-written file gets BuildKit's warning.
  fileSeverity: 'warning',
  description: 'A stage has more than one CMD, ENTRYPOINT or HEALTHCHECK.',
  url: buildkitUrl('MultipleInstructionsDisallowed'),
  create(ctx) {
    // The kinds seen in this stage: at most three, so a list (a set per stage cost more).
    let seen: AnyInstructionKind[] = [];
    const visit =
      (kind: AnyInstructionKind) =>
      (node: { loc?: import('../../ir/location.js').SourceLocation | undefined; overridden?: boolean | undefined }, where: { trigger: boolean }) => {
        // One kept on purpose where a file had it (`$overridden`) is not the mistake this catches.
        if (where.trigger || node.overridden) return;
        if (seen.includes(kind)) {
          ctx.report(node.loc, `Multiple ${kind.toUpperCase()} instructions in one stage: only the last one takes effect. Remove this one or the earlier one.`);
        } else seen.push(kind);
      };
    return {
      stage: () => {
        if (seen.length > 0) seen = [];
      },
      instruction: Object.fromEntries([...ONCE_PER_STAGE].map((kind) => [kind, visit(kind)])),
    };
  },
});
