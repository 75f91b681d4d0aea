import { dockwrightUrl, defineRule } from '../rule.js';
import { resolveStage } from '../../ir/stage-graph.js';

/** Stages that need each other (through FROM, COPY --from or mounts) can never be built. */
export const CircularStageDependency = defineRule({
  name: 'CircularStageDependency',
  severity: 'error',
  description: 'Stages depend on each other in a cycle.',
  url: dockwrightUrl('CircularStageDependency'),
  create(ctx) {
    return {
      end: (file) => {
        const refs = ctx.stageReferences().filter((r) => !/^\d+$/.test(r.to));
        if (refs.length === 0) return;
        const edges = file.stages.map(() => [] as number[]);
        for (const ref of refs) {
          const to = resolveStage(file.stages, ref.to);
          if (to !== undefined) edges[ref.from]!.push(to);
        }
        const state = file.stages.map(() => 0); // 0 new, 1 on the path, 2 done
        const path: number[] = [];
        const visit = (i: number): number[] | undefined => {
          state[i] = 1;
          path.push(i);
          for (const j of edges[i]!) {
            if (state[j] === 1) return [...path.slice(path.indexOf(j)), j];
            if (state[j] === 0) {
              const cycle = visit(j);
              if (cycle) return cycle;
            }
          }
          path.pop();
          state[i] = 2;
          return undefined;
        };
        for (let i = 0; i < file.stages.length; i++) {
          if (state[i] !== 0) continue;
          const cycle = visit(i);
          if (cycle) {
            const names = cycle.map((s) => file.stages[s]!.from.name ?? String(s));
            ctx.report(file.stages[cycle[0]!]!.from.loc, `Stages depend on each other in a cycle: ${names.join(' -> ')}.`);
            return;
          }
        }
      },
    };
  },
});
