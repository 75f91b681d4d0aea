import type { DockerfileNode, FromNode, InstructionNode, StageNode } from './nodes/index.js';
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
    earlier = fromReference(stage.from, index, earlier, refs);
    for (const node of stage.instructions) instructionReferences(node, index, refs);
  }
  return refs;
}

/**
 * The reference a FROM line makes to an earlier stage (`earlier`: their names), pushed onto `refs`;
 * returns the names with this stage's added. A walk over the file calls it for each stage in order.
 */
export function fromReference(from: FromNode, index: number, earlier: Set<string> | undefined, refs: StageReference[]): Set<string> | undefined {
  const image = from.image;
  if (earlier !== undefined && isLiteral(image) && earlier.has(image)) refs.push({ from: index, to: image, loc: from.loc, via: 'FROM' });
  if (from.name !== undefined) (earlier ??= new Set()).add(from.name);
  return earlier;
}

/** The references an instruction of stage `index` makes (COPY --from, a mount's from; in an ONBUILD trigger too), pushed onto `refs`. */
export function instructionReferences(node: InstructionNode, index: number, refs: StageReference[]): void {
  const target = node.kind === 'onbuild' ? node.trigger : node;
  if (target.kind === 'copy') {
    if (target.from !== undefined) push(refs, index, target.from, target.loc, 'COPY --from');
  } else if (target.kind === 'run') {
    for (const mount of target.mounts) {
      if ((mount.type === 'bind' || mount.type === 'cache') && mount.from !== undefined) push(refs, index, mount.from, target.loc, '--mount from');
    }
  }
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
