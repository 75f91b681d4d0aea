import type { Text } from '../text.js';
import type { BaseNode } from './node.js';

/** `FROM [--platform=p] image [AS name]`; `image` may be the name of an earlier stage. */
export interface FromNode extends BaseNode<'from'> {
  readonly image: Text;
  readonly platform?: Text | undefined;
  readonly name?: string | undefined;
}
