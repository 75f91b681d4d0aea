import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What dockwright built, kept outside the images: for each digest of build inputs, the ids of the
 * images built from them. An image is up to date when every tag points at one of those ids. The
 * record lives on this machine (the images carry no label of ours, so an image is exactly what
 * `docker build` makes, and its id does not change when nothing it uses changed); an image id is
 * a digest of the image's content, so a record can only be matched by the image it describes.
 */
export interface BuildRecords {
  /** The image ids built from these inputs. */
  imagesFor(digest: string): readonly string[];
  /** Records that `imageId` was built from these inputs. Never throws: a record is only a shortcut. */
  add(digest: string, imageId: string): void;
}

/** Records as one small file per digest under `dir` (written whole: a temporary file, then a rename). */
export function fileRecords(dir: string): BuildRecords {
  const fileOf = (digest: string): string => join(dir, `${digest}.json`);
  const read = (digest: string): string[] => {
    try {
      const parsed = JSON.parse(readFileSync(fileOf(digest), 'utf8')) as { images?: unknown };
      return Array.isArray(parsed.images) ? parsed.images.filter((id): id is string => typeof id === 'string') : [];
    } catch {
      return [];
    }
  };
  return {
    imagesFor: read,
    add(digest, imageId) {
      const images = [imageId, ...read(digest).filter((id) => id !== imageId)].slice(0, 8);
      const temporary = `${fileOf(digest)}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        mkdirSync(dir, { recursive: true });
        writeFileSync(temporary, JSON.stringify({ images }) + '\n');
        renameSync(temporary, fileOf(digest));
      } catch {
        rmSync(temporary, { force: true });
      }
    },
  };
}

/** Where records live: `$XDG_CACHE_HOME/dockwright/builds`, else `~/.cache/dockwright/builds`. */
export function defaultRecordsDir(env: Readonly<Record<string, string | undefined>>, home: string): string {
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'dockwright', 'builds');
}
