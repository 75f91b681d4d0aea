import type { Text } from '../text.js';
import type { BaseNode } from './node.js';

export interface KeyValue {
  readonly key: string;
  readonly value: Text;
}

/** `ENV KEY=value ...` */
export interface EnvNode extends BaseNode<'env'> {
  readonly pairs: readonly KeyValue[];
}
