import type { AddNode } from './add.js';
import type { ArgNode } from './arg.js';
import type { BlankNode } from './blank.js';
import type { CmdNode } from './cmd.js';
import type { CommentNode } from './comment.js';
import type { CopyNode } from './copy.js';
import type { EntrypointNode } from './entrypoint.js';
import type { EnvNode } from './env.js';
import type { ExposeNode } from './expose.js';
import type { FromNode } from './from.js';
import type { HealthcheckNode } from './healthcheck.js';
import type { LabelNode } from './label.js';
import type { MaintainerNode } from './maintainer.js';
import type { OnbuildNode } from './onbuild.js';
import type { RunNode } from './run.js';
import type { ShellNode } from './shell.js';
import type { StopsignalNode } from './stopsignal.js';
import type { UserNode } from './user.js';
import type { VolumeNode } from './volume.js';
import type { WorkdirNode } from './workdir.js';
import type { StageNode } from './stage.js';
import type { DockerfileNode } from './dockerfile.js';
import type { NodeFields } from './node.js';

export type * from './add.js';
export type * from './arg.js';
export type * from './blank.js';
export type * from './cmd.js';
export type * from './command.js';
export type * from './comment.js';
export type * from './copy.js';
export type * from './dockerfile.js';
export type * from './entrypoint.js';
export type * from './env.js';
export type * from './expose.js';
export type * from './from.js';
export type * from './healthcheck.js';
export type * from './label.js';
export type * from './maintainer.js';
export type * from './onbuild.js';
export type * from './run.js';
export type * from './shell.js';
export type * from './stage.js';
export type * from './stopsignal.js';
export type * from './user.js';
export type * from './volume.js';
export type * from './workdir.js';
export { execForm, isSkippedLine, scriptForm, shellForm, shellLines } from './command.js';
export { frozen } from './node.js';
export type { BaseNode, NodeFields } from './node.js';

/** Every instruction that may appear inside a stage (FROM starts the stage and is not one). */
export type InstructionNode =
  | RunNode
  | CmdNode
  | EntrypointNode
  | HealthcheckNode
  | ShellNode
  | StopsignalNode
  | UserNode
  | WorkdirNode
  | VolumeNode
  | ExposeNode
  | EnvNode
  | LabelNode
  | ArgNode
  | OnbuildNode
  | CommentNode
  | BlankNode
  | MaintainerNode
  | CopyNode
  | AddNode;

export type InstructionKind = InstructionNode['kind'];

/** Every node an ONBUILD trigger or a visitor may meet, FROM included. */
export type AnyInstructionNode = InstructionNode | FromNode;
export type AnyInstructionKind = AnyInstructionNode['kind'];

/**
 * Lines that are not instructions, printed where they stand: before a FROM or a global ARG
 * (`before`), or among a stage's instructions.
 */
export type TriviaNode = CommentNode | BlankNode;

/** The node of a kind, for `Record<InstructionKind, ...>` dispatch tables. */
export type NodeOfKind<K extends AnyInstructionKind> = Extract<AnyInstructionNode, { kind: K }>;

/** Every node of the IR. */
export type AnyNode = AnyInstructionNode | StageNode | DockerfileNode;
export type NodeKind = AnyNode['kind'];

/**
 * Freezes a node written as a literal (`node({ kind: 'run', ... })`); arrays in it must already be
 * frozen copies (see `frozen`). Cheaper than `makeNode`, which copies: for the builder's hot paths.
 */
export function node<N extends AnyNode>(literal: N): N {
  return Object.freeze(literal);
}

/** Creates a frozen node of a kind; arrays in `fields` must already be frozen copies (see `frozen`). */
export function makeNode<K extends NodeKind>(kind: K, fields: NodeFields<Extract<AnyNode, { kind: K }>>): Extract<AnyNode, { kind: K }> {
  return Object.freeze({ kind, ...fields }) as unknown as Extract<AnyNode, { kind: K }>;
}

/** The instructions of which a stage keeps one: only the last takes effect (a stage value holds one). */
export const ONCE_PER_STAGE: ReadonlySet<AnyInstructionKind> = new Set<AnyInstructionKind>(['cmd', 'entrypoint', 'healthcheck']);
