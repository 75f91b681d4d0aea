import type { BaseNode } from './node.js';

/** `MAINTAINER name` (deprecated: use the `org.opencontainers.image.authors` label). */
export interface MaintainerNode extends BaseNode<'maintainer'> {
  readonly name: string;
}
