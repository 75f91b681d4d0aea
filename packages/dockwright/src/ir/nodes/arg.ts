import type { Text } from '../text.js';
import type { TriviaNode } from './trivia.js';
import type { BaseNode } from './node.js';

/** `ARG NAME[=default]` */
export interface ArgNode extends BaseNode<'arg'> {
  readonly name: string;
  readonly default?: Text | undefined;
  /** A global ARG that declares a name again, on purpose (a Dockerfile's chain, `arg(previous, ...)`). */
  readonly redeclares?: boolean | undefined;
  /** For a global ARG: the comments and blank lines before it, in place of the default separation. */
  readonly before?: readonly TriviaNode[] | undefined;
}
