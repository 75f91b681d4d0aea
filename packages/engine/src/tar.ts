import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import type { ContextEntry, ContextSpec } from './context.js';

/** What the classic builder gets: the context as a tar, with the Dockerfile inside it under this name. */
export interface PackedContext {
  readonly stream: Readable;
  readonly dockerfileName: string;
}

/**
 * The Dockerfile's name in the upload. Fixed, not random: the uploaded `.dockerignore` lists it
 * (so the engine leaves it out of the context, as it does for the docker CLI's), and a
 * `.dockerignore` that changed at every build would change `COPY . .` at every build.
 */
export const UPLOADED_DOCKERFILE = '.dockerfile.dockwright';

/**
 * Streams the context to the classic builder as a tar, one file at a time (never whole in
 * memory), as the docker CLI sends it: the entries of `walkContext`, owned by root (the CLI's
 * ChownOpts), plus the Dockerfile. The engine reads the uploaded `.dockerignore` and removes the
 * files it names from the context: it names the Dockerfile, and itself when the context had no
 * `.dockerignore`, so that the image gets exactly the context's files. (When the context has a
 * `.dockerignore` of its own that does not name itself, `COPY .` copies it, as `docker build`
 * does, with the one line naming the Dockerfile added.)
 */
export function packContext(spec: ContextSpec, entries: readonly ContextEntry[], hasDockerignore: boolean): PackedContext {
  let dockerfileName = UPLOADED_DOCKERFILE;
  for (let n = 1; entries.some((e) => e.rel === dockerfileName); n++) dockerfileName = `${UPLOADED_DOCKERFILE}-${n}`;
  const own = join(spec.dir, '.dockerignore');
  const original = hasDockerignore && existsSync(own) ? readFileSync(own, 'utf8') : undefined;
  const ignoreText = original === undefined
    ? `.dockerignore\n${dockerfileName}\n`
    : `${original}${original === '' || original.endsWith('\n') ? '' : '\n'}${dockerfileName}\n`;
  const ignoreEntry = entries.find((e) => e.rel === '.dockerignore');

  const pack = tarStream.pack();
  const write = async (): Promise<void> => {
    for (const entry of entries) {
      if (entry.rel === '.dockerignore') continue; // written below, with the Dockerfile's name
      const header = { name: entry.rel, mode: entry.mode, mtime: new Date(entry.mtimeMs), uid: 0, gid: 0, uname: '', gname: '' };
      if (entry.type === 'directory') pack.entry({ ...header, type: 'directory' });
      else if (entry.type === 'symlink') pack.entry({ ...header, type: 'symlink', linkname: entry.linkname ?? '' });
      else await pipeline(createReadStream(entry.path), pack.entry({ ...header, type: 'file', size: entry.size }));
    }
    const now = new Date();
    pack.entry({ name: dockerfileName, mode: 0o600, mtime: now, uid: 0, gid: 0 }, spec.dockerfile);
    pack.entry({ name: '.dockerignore', mode: ignoreEntry?.mode ?? 0o644, mtime: ignoreEntry ? new Date(ignoreEntry.mtimeMs) : now, uid: 0, gid: 0 }, ignoreText);
    pack.finalize();
  };
  write().catch((error: unknown) => pack.destroy(error as Error));
  return { stream: pack as unknown as Readable, dockerfileName };
}
