import type { BaseNode } from './node.js';

/** `# text`, one line per line of `text`. */
export interface CommentNode extends BaseNode<'comment'> {
  readonly text: string;
}
