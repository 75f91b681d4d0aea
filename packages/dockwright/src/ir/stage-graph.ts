import type { DockerfileNode, StageNode } from './nodes/index.js';
import { isLiteral, type Text } from './text.js';
import type { SourceLocation } from './location.js';

/** A reference from one stage to another, by name or index, as FROM, COPY --from or --mount from. */
export interface StageReference {
  readonly from: number;
  readonly to: string;
  readonly loc: SourceLocation | undefined;
  readonly via: 'FROM' | 'COPY --from' | '--mount from';
}

/** Every literal stage reference of a file; a FROM name counts only when an earlier stage has it. */
export function stageReferences(file: DockerfileNode): StageReference[] {
  const refs: StageReference[] = [];
  // Names of the stages before: only a later FROM can refer to one (most files have one stage).
  let earlier: Set<string> | undefined;
  for (let index = 0; index < file.stages.length; index++) {
    const stage = file.stages[index]!;
    const image = stage.from.image;
    if (earlier !== undefined && isLiteral(image) && earlier.has(image)) refs.push({ from: index, to: image, loc: stage.from.loc, via: 'FROM' });
    for (const node of stage.instructions) {
      const target = node.kind === 'onbuild' ? node.trigger : node;
      if (target.kind === 'copy') {
        if (target.from !== undefined) push(refs, index, target.from, target.loc, 'COPY --from');
      } else if (target.kind === 'run') {
        for (const mount of target.mounts) {
          if ((mount.type === 'bind' || mount.type === 'cache') && mount.from !== undefined) push(refs, index, mount.from, target.loc, '--mount from');
        }
      }
    }
    if (stage.from.name !== undefined) (earlier ??= new Set()).add(stage.from.name);
  }
  return refs;
}

function push(refs: StageReference[], from: number, to: Text, loc: SourceLocation | undefined, via: StageReference['via']): void {
  if (isLiteral(to)) refs.push({ from, to, loc, via });
}

/** The index of the stage a reference names (by name, or a number as BuildKit allows), if any. */
export function resolveStage(stages: readonly StageNode[], name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  const index = stages.findIndex((s) => s.from.name?.toLowerCase() === name.toLowerCase());
  return index === -1 ? undefined : index;
}
