import type { Text } from '../text.js';
import type { BaseNode } from './node.js';

/** `STOPSIGNAL SIGTERM` */
export interface StopsignalNode extends BaseNode<'stopsignal'> {
  readonly signal: Text;
}
