import type { DockerfileNode } from './dockerfile.js';
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
export { execForm, frozenForm, isSkippedLine, scriptForm, shellForm, shellLines } from './command.js';
export { freezeTree, frozen } from './node.js';
export type { BaseNode } from './node.js';

/** Every node of the IR. */
export type AnyNode = AnyInstructionNode | StageNode | DockerfileNode;
export type NodeKind = AnyNode['kind'];

/**
 * Freezes a node written as a literal (`node({ kind: 'run', ... })`); arrays in it must already be
 * frozen copies (see `frozen`). The parser makes its nodes this way; the builder writes them as
 * plain literals and freezes its IR as it hands it out (`freezeTree`). Either way, not through a
 * factory that spreads its fields into a new object: that would be one spread site fed every node
 * shape, which V8 handles slowly (it was much of the parser's time).
 */
export function node<N extends AnyNode>(literal: N): N {
  return Object.freeze(literal);
}

/** The instructions of which a stage keeps one: only the last takes effect (a stage value holds one). */
export const ONCE_PER_STAGE: ReadonlySet<AnyInstructionKind> = new Set<AnyInstructionKind>(['cmd', 'entrypoint', 'healthcheck']);
