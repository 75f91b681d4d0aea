import type { BaseNode } from './node.js';

/** An empty line: layout only, as a person wrote it (kept by import). */
export type BlankNode = BaseNode<'blank'>;
