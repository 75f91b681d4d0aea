import type { Text } from '../text.js';
import type { BaseNode } from './node.js';

/** `USER user[:group]` */
export interface UserNode extends BaseNode<'user'> {
  readonly user: Text;
  readonly group?: Text | undefined;
}
