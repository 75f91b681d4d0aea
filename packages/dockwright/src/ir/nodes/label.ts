import type { KeyValue } from './env.js';
import type { BaseNode } from './node.js';

/** `LABEL key=value ...` */
export interface LabelNode extends BaseNode<'label'> {
  readonly pairs: readonly KeyValue[];
}
