import type { BaseNode } from './node.js';

/** `SHELL ["/bin/bash", "-c"]` (JSON form only). */
export interface ShellNode extends BaseNode<'shell'> {
  readonly args: readonly string[];
}
