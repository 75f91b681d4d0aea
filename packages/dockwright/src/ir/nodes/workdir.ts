import type { Text } from '../text.js';
import type { BaseNode } from './node.js';

/** `WORKDIR /path` */
export interface WorkdirNode extends BaseNode<'workdir'> {
  readonly path: Text;
}
