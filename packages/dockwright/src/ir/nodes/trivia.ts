import type { BlankNode } from './blank.js';
import type { CommentNode } from './comment.js';

/**
 * Lines that are not instructions, printed where they stand: before a FROM or a global ARG
 * (`before`), or among a stage's instructions.
 */
export type TriviaNode = CommentNode | BlankNode;
