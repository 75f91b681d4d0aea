import { DockwrightError } from 'dockwright';
import type { DefinedImage } from './definitions.js';

/** The images named on the command line (by name or export name), or all of them. */
export function selectImages(images: readonly DefinedImage[], names: readonly string[]): DefinedImage[] {
  if (names.length === 0) return [...images];
  const unknown = names.filter((n) => !images.some((i) => i.name === n || i.exportName === n));
  if (unknown.length > 0) {
    const known = [...new Set(images.map((i) => i.name))].join(', ');
    throw new DockwrightError('cli.unknownImage', `No image named ${unknown.join(', ')}: the definitions define ${known}.`);
  }
  return images.filter((i) => names.includes(i.name) || names.includes(i.exportName));
}
