import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import dockerignoreModule, { type Ignore } from '@balena/dockerignore';
import tar from 'tar-fs';
import { buildError } from './errors.js';

/** What goes to the engine: the context folder as filtered by .dockerignore, plus the Dockerfile. */
export interface ContextSpec {
  /** Absolute path of the build context folder. */
  readonly dir: string;
  /** The synthesized Dockerfile text. */
  readonly dockerfile: string;
  /**
   * A Dockerfile-specific ignore file (`<Dockerfile>.dockerignore`, BuildKit's convention): when
   * it exists it replaces the context's `.dockerignore`.
   */
  readonly dockerfileIgnore?: string | undefined;
}

/** The filter of a context: Docker's .dockerignore semantics, `!` exceptions included. */
export interface ContextFilter {
  /** The ignore file's lines, or none. */
  readonly patterns: readonly string[];
  /** True when `path` (relative, `/`-separated) is left out. */
  excludes(path: string): boolean;
  /** True when some `!` exception could bring back a file under an excluded folder. */
  readonly hasExceptions: boolean;
}

// The package is CommonJS (`module.exports = factory`); its types describe an ES default export.
const dockerignore = dockerignoreModule as unknown as (options?: { ignorecase?: boolean }) => Ignore;

export function contextFilter(spec: ContextSpec): ContextFilter {
  if (!existsSync(spec.dir) || !lstatSync(spec.dir).isDirectory()) {
    throw buildError('build.context', `The build context ${spec.dir} is not a folder.`);
  }
  const file = spec.dockerfileIgnore && existsSync(spec.dockerfileIgnore) ? spec.dockerfileIgnore : join(spec.dir, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#'))
    : [];
  const ignore = dockerignore({ ignorecase: false }).add(patterns);
  return {
    patterns,
    excludes: (path) => path !== '' && ignore.ignores(path),
    hasExceptions: patterns.some((p) => p.trim().startsWith('!')),
  };
}

/** The files (and links) of the context that would be sent, sorted, relative with `/`. */
export function contextEntries(dir: string, filter: ContextFilter): string[] {
  const entries: string[] = [];
  const walk = (folder: string): void => {
    for (const name of readdirSync(folder).sort()) {
      const path = join(folder, name);
      const rel = relative(dir, path).split(sep).join('/');
      const stat = lstatSync(path);
      if (stat.isDirectory()) {
        if (filter.excludes(rel) && !filter.hasExceptions) continue;
        walk(path);
      } else if (!filter.excludes(rel)) {
        if (stat.isSocket()) continue; // a tar holds no sockets: docker leaves them out too
        if (!stat.isFile() && !stat.isSymbolicLink()) {
          // Reading a named pipe waits for a writer for ever; a device never ends.
          const kind = stat.isFIFO() ? 'a named pipe (FIFO)' : 'a device file';
          throw buildError('build.context', `${rel} in the build context (${dir}) is ${kind}, which cannot be sent: add it to .dockerignore.`);
        }
        entries.push(rel);
      }
    }
  };
  walk(dir);
  return entries;
}

/**
 * A digest of everything that decides the image: the Dockerfile, the build arguments and options,
 * and every file that would be sent (path, mode, content; a link's target, never followed).
 */
export function contextDigest(spec: ContextSpec, filter: ContextFilter, settings: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  hash.update(spec.dockerfile).update('\0').update(JSON.stringify(settings, Object.keys(settings).sort())).update('\0');
  for (const rel of contextEntries(spec.dir, filter)) {
    const path = join(spec.dir, ...rel.split('/'));
    const stat = lstatSync(path);
    hash.update(rel).update('\0').update(String(stat.mode)).update('\0');
    hash.update(stat.isSymbolicLink() ? `link:${readlinkSync(path)}` : readFileSync(path)).update('\0');
  }
  return hash.digest('hex');
}

export interface PackedContext {
  readonly stream: Readable;
  /** The Dockerfile's name inside the upload: random, and listed in the uploaded .dockerignore. */
  readonly dockerfileName: string;
}

/**
 * Streams the context as a tar, never holding it whole: the filtered folder, the Dockerfile under
 * a random name that cannot collide with the user's files, and a .dockerignore that also lists
 * that name (as the docker CLI does), so `COPY . .` never copies it into the image.
 */
export function packContext(spec: ContextSpec, filter: ContextFilter): PackedContext {
  const dockerfileName = `.dockerfile.${randomBytes(10).toString('hex')}`;
  const ignoreText = [...filter.patterns, dockerfileName, ''].join('\n');
  const stream = tar.pack(spec.dir, {
    dereference: false,
    ignore: (path: string) => {
      const rel = relative(spec.dir, path).split(sep).join('/');
      if (rel === '.dockerignore') return true; // replaced below
      if (!filter.excludes(rel)) return false;
      // An excluded folder is still walked when an exception may bring back files inside it.
      return !(filter.hasExceptions && lstatSync(path).isDirectory());
    },
    finalize: false,
    finish: (pack) => {
      pack.entry({ name: dockerfileName, mode: 0o644 }, spec.dockerfile);
      pack.entry({ name: '.dockerignore', mode: 0o644 }, ignoreText);
      pack.finalize();
    },
  });
  return { stream, dockerfileName };
}
