import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files of dockwright's caches (compiled definitions modules, V8's code cache): written whole
 * or not at all, best effort (a cache that cannot be written costs the next run only the work),
 * and kept from growing for ever: each write also removes the folder's entries that nothing has
 * written for a month (a file edited since, a dockwright upgraded since). An entry still in use is
 * made again the next time it is missed.
 */
export function writeCacheFile(dir: string, name: string, data: string | NodeJS.ArrayBufferView): void {
  const path = join(dir, name);
  const temporary = `${path}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(temporary, data, { flag: 'wx' });
    renameSync(temporary, path);
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written there either
    }
    return;
  }
  pruneStale(dir, Date.now() - STALE_AFTER_MS);
}

const STALE_AFTER_MS = 30 * 24 * 60 * 60 * 1000;

/** Entries older than `before` (and temporaries a killed write left); another run may be removing them too. */
function pruneStale(dir: string, before: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      if (statSync(path).mtimeMs < before) rmSync(path, { force: true });
    } catch {
      // gone already
    }
  }
}
