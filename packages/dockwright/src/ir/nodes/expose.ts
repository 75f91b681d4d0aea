import type { Text } from '../text.js';
import type { BaseNode } from './node.js';

/** `EXPOSE 80 443/tcp 8000-8010/udp`; each entry exactly as it will be printed. */
export interface ExposeNode extends BaseNode<'expose'> {
  readonly ports: readonly Text[];
}
