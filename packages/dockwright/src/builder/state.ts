import type { InstructionNode, TriviaNode } from '../ir/nodes/index.js';
import type { SourceLocation } from '../ir/location.js';
import type { Text } from '../ir/text.js';
import type { DockerfileOptions, ImageMeta, StageLike } from './options.js';
import type { ArgRef } from './refs.js';

/**
 * The state of a stage value, apart from the class that carries it (impl.ts): what the IR
 * assembler (to-ir.ts) reads. impl.ts installs the reader when it loads, so that to-ir.ts needs
 * no import of impl.ts at run time and the two do not depend on each other.
 */

/** What a stage starts from: an image reference, another stage value, or nothing (an ONBUILD recorder). */
export type BaseSpec =
  | { readonly kind: 'image'; readonly image: Text; readonly args: readonly ArgRef[] }
  | { readonly kind: 'stage'; readonly stage: StageLike }
  | { readonly kind: 'trigger' };

/** Resolves a stage value to the name (or image reference) by which the Dockerfile refers to it. */
export type StageResolver = (stage: StageLike) => string;

/** An instruction that refers to other stages: made once the stage names are known. */
export class DeferredInstruction {
  constructor(
    readonly deps: readonly StageLike[],
    readonly make: (resolve: StageResolver) => InstructionNode,
  ) {
    Object.freeze(this);
  }
}

export type Entry = InstructionNode | DeferredInstruction;

/** The instructions of a stage as a persistent list: adding one shares everything before it. */
export interface EntryLink {
  readonly entry: Entry;
  readonly previous: EntryLink | null;
  /** Entries up to this one: the assembler makes the instruction array at its size at once. */
  readonly count: number;
}

/** What a stage is apart from its instructions; shared by every value of one chain. */
export interface StageHead {
  readonly base: BaseSpec;
  readonly platform: Text | undefined;
  readonly platformArgs: readonly ArgRef[];
  readonly fromLoc: SourceLocation | undefined;
  /** The blank and comment lines before the FROM line (`from(..., { before })`). */
  readonly before: readonly TriviaNode[] | undefined;
  readonly name: string | undefined;
  readonly meta: ImageMeta;
  /** Where `$meta()` was last called: tag and name problems are reported there. */
  readonly metaLoc: SourceLocation | undefined;
  readonly dockerfile: DockerfileOptions;
}

export interface StageState {
  readonly head: StageHead;
  readonly last: EntryLink | null;
}

/** The entries of a stage in the order they were added. */
export function entriesOf(state: StageState): Entry[] {
  const entries: Entry[] = [];
  for (let link = state.last; link; link = link.previous) entries.push(link.entry);
  return entries.reverse();
}

let reader: ((stage: StageLike) => StageState) | undefined;
let isStageValue: (value: unknown) => value is StageLike = (_value): _value is StageLike => false;

/** Called once by impl.ts. */
export function installStageAccess(read: (stage: StageLike) => StageState, isStage: (value: unknown) => value is StageLike): void {
  reader = read;
  isStageValue = isStage;
}

/** The state of a stage value. */
export function stateOf(stage: StageLike): StageState {
  if (reader === undefined) throw new Error('dockwright: the stage implementation is not loaded');
  return reader(stage);
}

/** True for a stage value made with from(). */
export function isStage(value: unknown): value is StageLike {
  return isStageValue(value);
}
