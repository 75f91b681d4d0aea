import type { DockerfileNode, StageNode } from './nodes/index.js';
import { resolveStage } from './stage-graph.js';

/**
 * Whether two Dockerfiles are the same build, as Docker reads them: the same parser directives,
 * global ARGs, stages and instructions with the same flags and values. What does not change the
 * build is left out: comments and blank lines, line layout, where a node came from, LABEL pair
 * order (a LABEL is a map), `$X` against `${X}`, and whether a stage is referred to by name or by
 * index. Returns the first difference, said for people, or undefined when they are the same.
 */
export function buildDifference(a: DockerfileNode, b: DockerfileNode): string | undefined {
  if (key(a.directives) !== key(b.directives)) return `the parser directives differ (${key(a.directives)} against ${key(b.directives)})`;
  const argsA = a.globalArgs.map((g) => key([g.name, g.default]));
  const argsB = b.globalArgs.map((g) => key([g.name, g.default]));
  if (argsA.join('\n') !== argsB.join('\n')) return 'the ARGs before the first FROM differ';
  if (a.stages.length !== b.stages.length) return `one has ${a.stages.length} stages, the other ${b.stages.length}`;
  for (let i = 0; i < a.stages.length; i++) {
    const stageA = a.stages[i]!;
    const stageB = b.stages[i]!;
    const label = `stage ${i}${stageA.from.name ? ` (${stageA.from.name})` : ''}`;
    if (key(meaningOf(stageA.from, a.stages, i)) !== key(meaningOf(stageB.from, b.stages, i))) return `${label}: the FROM lines differ`;
    if (!sameStageName(stageA.from.name, stageB.from.name))
      return `${label}: the stage names differ (${stageA.from.name ?? 'none'} against ${stageB.from.name ?? 'none'})`;
    const nodesA = instructions(stageA);
    const nodesB = instructions(stageB);
    for (let n = 0; n < Math.max(nodesA.length, nodesB.length); n++) {
      const x = nodesA[n];
      const y = nodesB[n];
      if (x === undefined || y === undefined) return `${label}: one has ${nodesA.length} instructions, the other ${nodesB.length}`;
      if (key(meaningOf(x, a.stages, i)) !== key(meaningOf(y, b.stages, i))) return `${label}, instruction ${n + 1} (${x.kind.toUpperCase()}): they differ`;
    }
  }
  return undefined;
}

function instructions(stage: StageNode) {
  return stage.instructions.filter((node) => node.kind !== 'comment' && node.kind !== 'blank');
}

/** Fields that are layout or bookkeeping, not meaning. */
const LAYOUT = new Set(['loc', 'before', 'lines', 'overridden', 'imageRefersTo', 'fromRefersTo', 'redeclares']);

/** A stage named `stage-N` where the other had no name is one referred to by index (`--from=N`): the same stage. */
function sameStageName(a: string | undefined, b: string | undefined): boolean {
  if (a === b) return true;
  return (a === undefined && /^stage-\d+$/.test(b ?? '')) || (b === undefined && /^stage-\d+$/.test(a ?? ''));
}

/** A node's meaning as plain data: layout dropped, stage references as positions, LABEL pairs sorted. */
function meaningOf(node: { readonly kind: string }, stages: readonly StageNode[], stage: number): unknown {
  const subject = node.kind === 'from' ? { ...node, name: undefined } : node; // FROM names: sameStageName
  return JSON.parse(
    JSON.stringify(subject, (field, value: unknown) => {
      if (LAYOUT.has(field)) return undefined;
      if (field === 'from' && typeof value === 'string') {
        const target = resolveStage(stages, value);
        return target !== undefined && target < stages.length && (target < stage || !/^\d+$/.test(value)) ? `#stage${target}` : value;
      }
      if (field === 'image' && typeof value === 'string') {
        const target = resolveStage(stages, value);
        return target !== undefined && target < stage && !/^\d+$/.test(value) ? `#stage${target}` : value;
      }
      if (field === 'text' && typeof value === 'string') return value.replace(/^\$([A-Za-z_][A-Za-z0-9_]*)$/, '${$1}');
      if (field === 'pairs' && Array.isArray(value) && node.kind === 'label') {
        return [...(value as { key: string }[])].sort((p, q) => (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
      }
      return value;
    }),
  );
}

function key(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}
