/** The paths of every object or array reachable from `root` that is not frozen (`[]` when all are). */
export function unfrozenIn(root: unknown, name = 'ir'): string[] {
  const found: string[] = [];
  const seen = new Set<object>();
  const visit = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (!Object.isFrozen(value)) found.push(path);
    for (const [key, child] of Object.entries(value)) visit(child, `${path}.${key}`);
  };
  visit(root, name);
  return found;
}

/** How many distinct objects and arrays are reachable from `root`: a check that a walk saw something. */
export function objectsIn(root: unknown): number {
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    for (const child of Object.values(value)) visit(child);
  };
  visit(root);
  return seen.size;
}
