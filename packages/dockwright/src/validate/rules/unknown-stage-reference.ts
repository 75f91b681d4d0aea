import { dockwrightUrl, defineRule } from '../rule.js';
import { resolveStage } from '../../ir/stage-graph.js';

/** `--from=3` in a file with three stages, or a stage referring to itself by number. */
export const UnknownStageReference = defineRule({
  name: 'UnknownStageReference',
  severity: 'error',
  description: 'A --from names a stage index that does not exist.',
  url: dockwrightUrl('UnknownStageReference'),
  create(ctx) {
    return {
      end: (file) => {
        for (const ref of ctx.stageReferences()) {
          if (!/^\d+$/.test(ref.to)) continue;
          const index = resolveStage(file.stages, ref.to)!;
          if (index >= ref.from) {
            ctx.report(ref.loc, `${ref.via}=${ref.to} names stage ${index}, but only stages 0 to ${ref.from - 1} come before this one.`);
          }
        }
      },
    };
  },
});
