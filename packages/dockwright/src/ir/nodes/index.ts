import type { DockerfileNode } from './dockerfile.js';
import type { NodeFields } from './node.js';
import type { AnyInstructionKind, AnyInstructionNode, StageNode } from './tree.js';
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
export type * from './run.js';
export type * from './shell.js';
export type * from './tree.js';
export type * from './trivia.js';
export type * from './stopsignal.js';
export type * from './user.js';
export type * from './volume.js';
export type * from './workdir.js';
export { execForm, isSkippedLine, scriptForm, shellForm, shellLines } from './command.js';
export { frozen } from './node.js';
export type { BaseNode, NodeFields } from './node.js';

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
