import type { ImageMeta } from '../builder/options.js';
import type { SourceLocation } from '../ir/location.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { tagProblem } from './reference.js';
import { dockwrightUrl } from './rule.js';

/** The rule for image metadata: names and tags a build would tag an image with. */
export const InvalidTag = Object.freeze({
  name: 'InvalidTag',
  severity: 'error' as const,
  description: "A $meta() tag or name is not a valid image reference (Docker's reference grammar).",
  url: dockwrightUrl('InvalidTag'),
});

/**
 * Tags and the name of an image, checked against Docker's reference grammar at the `$meta()`
 * call, so that a bad tag is refused before anything builds instead of by the engine after.
 * The name counts as the repository of the default tag `name:latest` when no tags are given.
 */
export function checkMeta(meta: ImageMeta, loc: SourceLocation | undefined): Diagnostic[] {
  const found: Diagnostic[] = [];
  const report = (message: string): void =>
    void found.push(Object.freeze({ rule: InvalidTag.name, severity: InvalidTag.severity, message, url: InvalidTag.url, loc }));
  for (const tag of meta.tags ?? []) {
    const problem = typeof tag === 'string' ? tagProblem(tag) : 'it is not a string';
    if (problem) report(`The tag ${JSON.stringify(tag)} is not a valid tag: ${problem}.`);
  }
  if (meta.tags === undefined && meta.name !== undefined) {
    const problem = tagProblem(meta.name);
    if (problem)
      report(
        `The name ${JSON.stringify(meta.name)} would tag the image ${meta.name.includes(':') ? meta.name : `${meta.name}:latest`}, which is not a valid tag: ${problem}. Give it valid tags with $meta({ tags }).`,
      );
  }
  return found;
}
