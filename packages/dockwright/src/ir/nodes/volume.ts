import type { Text } from '../text.js';
import type { BaseNode } from './node.js';

/** `VOLUME ["/data"]` */
export interface VolumeNode extends BaseNode<'volume'> {
  readonly paths: readonly Text[];
}
