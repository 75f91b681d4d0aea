/**
 * Writes every example's Dockerfiles: for each examples/<name>/dockwright.ts, each exported
 * image with a `dockerfile` path is synthesized next to it. (The CLI's `dockwright synth` does
 * this for any repository; this script keeps the examples' main job independent of it.)
 */
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { collectImages, synth } from 'dockwright';

const root = join(dirname(new URL(import.meta.url).pathname), '..', 'examples');
let written = 0;
for (const entry of readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory())) {
  const name = entry.name;
  const definitions = join(root, name, 'dockwright.ts');
  const module = (await import(pathToFileURL(definitions).href)) as Record<string, unknown>;
  for (const { image } of collectImages(module)) {
    if (!image.meta.dockerfile) continue;
    const target = join(root, name, image.meta.dockerfile);
    const temporary = `${target}.${process.pid}.tmp`;
    writeFileSync(temporary, synth(image));
    renameSync(temporary, target);
    console.log(`wrote ${relative(process.cwd(), target)}`);
    written++;
  }
}
console.log(`${written} Dockerfiles written`);
