import type { SourceLocation } from '../location.js';

/** Fields every node has. */
export interface BaseNode<K extends string> {
  readonly kind: K;
  /** The user's call site (builder) or line range (parser); absent for synthesized nodes. */
  readonly loc?: SourceLocation | undefined;
}

/** A frozen copy of an array, so a caller's later mutation cannot reach the IR. */
export function frozen<T>(items: readonly T[]): readonly T[] {
  return Object.freeze(items.slice());
}
