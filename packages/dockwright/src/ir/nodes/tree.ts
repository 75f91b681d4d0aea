// The recursive part of the IR in one file: the unions of instructions, and the nodes that hold
// instructions (ONBUILD, a stage). Each other node's file stands alone.
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
import type { RunNode } from './run.js';
import type { ShellNode } from './shell.js';
import type { StopsignalNode } from './stopsignal.js';
import type { UserNode } from './user.js';
import type { VolumeNode } from './volume.js';
import type { WorkdirNode } from './workdir.js';
import type { BaseNode } from './node.js';

/** `ONBUILD <instruction>`: a trigger that runs when another build starts FROM this image. */
export interface OnbuildNode extends BaseNode<'onbuild'> {
  /** A FROM, ONBUILD or MAINTAINER trigger is representable so the validator can refuse it. */
  readonly trigger: AnyInstructionNode;
}

/** One build stage: its FROM and the instructions after it. */
export interface StageNode extends BaseNode<'stage'> {
  readonly from: FromNode;
  readonly instructions: readonly InstructionNode[];
}

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

/** The node of a kind, for `Record<InstructionKind, ...>` dispatch tables. */
export type NodeOfKind<K extends AnyInstructionKind> = Extract<AnyInstructionNode, { kind: K }>;
