import type { FromNode } from './from.js';
import type { InstructionNode } from './index.js';
import type { BaseNode } from './node.js';

/** One build stage: its FROM and the instructions after it. */
export interface StageNode extends BaseNode<'stage'> {
  readonly from: FromNode;
  readonly instructions: readonly InstructionNode[];
}
