import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DockwrightError } from 'dockwright';

/** A Dockerfile named on the command line: a folder means the Dockerfile in it, as `docker build` reads one. */
export function readDockerfile(file: string, cwd: string): { readonly path: string; readonly text: string } {
  let path = resolve(cwd, file);
  if (!existsSync(path)) throw new DockwrightError('definitions.notFound', `No Dockerfile at ${file}.`);
  if (statSync(path).isDirectory()) {
    path = join(path, 'Dockerfile');
    if (!existsSync(path)) throw new DockwrightError('definitions.notFound', `${file} is a folder with no Dockerfile in it.`);
  }
  return { path, text: readFileSync(path, 'utf8') };
}
