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

/**
 * Freezes a tree of IR values in place, all the way down, and returns it. The builder makes its
 * nodes and arrays unfrozen, for `synth()` to read (V8 reads frozen arrays several times slower),
 * and freezes them here as the IR leaves it (`toIR()`). The walk stops at what is frozen already:
 * whatever the SDK freezes holds only frozen values (a text, a location, a parsed node).
 */
export function freezeTree<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  Object.freeze(value);
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) freezeTree(fields[key]);
  return value;
}
