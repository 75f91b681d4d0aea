import type { AnyInstructionNode } from './index.js';
import type { BaseNode } from './node.js';

/** `ONBUILD <instruction>`: a trigger that runs when another build starts FROM this image. */
export interface OnbuildNode extends BaseNode<'onbuild'> {
  /** A FROM, ONBUILD or MAINTAINER trigger is representable so the validator can refuse it. */
  readonly trigger: AnyInstructionNode;
}
