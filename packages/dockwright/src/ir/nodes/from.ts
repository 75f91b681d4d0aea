import type { Text } from '../text.js';
import type { TriviaNode } from './trivia.js';
import type { BaseNode } from './node.js';

/** `FROM [--platform=p] image [AS name]`; `image` may be the name of an earlier stage. */
export interface FromNode extends BaseNode<'from'> {
  readonly image: Text;
  readonly platform?: Text | undefined;
  readonly name?: string | undefined;
  /**
   * Set by the builder: `'image'` when it was given a string (an image reference), `'stage'` when
   * it was given a stage value. Absent in parsed files, where Docker decides by the name.
   */
  readonly imageRefersTo?: RefersTo | undefined;
  /**
   * The comments and blank lines before the FROM line, in place of the one blank line that
   * separates stages by default; absent means that default.
   */
  readonly before?: readonly TriviaNode[] | undefined;
}

/** What a builder-made reference means; see `FromNode.imageRefersTo`. */
export type RefersTo = 'image' | 'stage';
