import type { Text } from '../text.js';
import type { BaseNode } from './node.js';

/** `ARG NAME[=default]` */
export interface ArgNode extends BaseNode<'arg'> {
  readonly name: string;
  readonly default?: Text | undefined;
}
