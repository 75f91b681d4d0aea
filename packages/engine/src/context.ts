import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import dockerignoreModule, { type Ignore } from '@balena/dockerignore';
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
  /** The ignore file's patterns, as written, or none. */
  readonly patterns: readonly string[];
  /** The context's own `.dockerignore`, if it has one (it is sent, and with `COPY .` copied, as docker does). */
  readonly hasDockerignore: boolean;
  /** True when `path` (relative, `/`-separated) is left out. */
  excludes(path: string): boolean;
  /**
   * For an excluded folder: true when an exception (`!pattern`) may bring back something inside it,
   * so the folder is walked (but not sent itself), as the docker CLI walks it.
   */
  mayHoldExceptions(folder: string): boolean;
}

/** One entry of the context as it is sent: a folder, a file or a symbolic link (never followed). */
export interface ContextEntry {
  /** Relative to the context, `/`-separated. */
  readonly rel: string;
  /** Absolute path on this machine. */
  readonly path: string;
  readonly type: 'directory' | 'file' | 'symlink';
  /** Permission bits with setuid, setgid and sticky (`mode & 0o7777`). */
  readonly mode: number;
  readonly size: number;
  readonly mtimeMs: number;
  /** A link's target, as written. */
  readonly linkname?: string | undefined;
}

// The package is CommonJS (`module.exports = factory`); its types describe an ES default export.
const dockerignore = dockerignoreModule as unknown as (options?: { ignorecase?: boolean }) => Ignore;

/** Reads the ignore file that applies to `spec`: `<Dockerfile>.dockerignore` when it exists, else the context's. */
export function contextFilter(spec: ContextSpec): ContextFilter {
  if (!existsSync(spec.dir) || !lstatSync(spec.dir).isDirectory()) {
    throw buildError('build.context', `The build context ${spec.dir} is not a folder.`);
  }
  const own = join(spec.dir, '.dockerignore');
  const file = spec.dockerfileIgnore && existsSync(spec.dockerfileIgnore) ? spec.dockerfileIgnore : own;
  const patterns = existsSync(file) ? parseIgnoreFile(readFileSync(file, 'utf8')) : [];
  return ignoreFilter(patterns, existsSync(own));
}

/** The lines of a .dockerignore that are patterns (comments and blank lines are not). */
export function parseIgnoreFile(text: string): string[] {
  return text.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('#'));
}

/** A filter from .dockerignore patterns (`@balena/dockerignore`, which follows moby's matcher). */
export function ignoreFilter(patterns: readonly string[], hasDockerignore = false): ContextFilter {
  const ignore = dockerignore({ ignorecase: false }).add([...patterns]);
  // moby's archive.TarWithOptions walks into an excluded folder only when the text of an
  // exception starts with the folder's path: `!logs/keep.log` opens `logs`, `!**/keep` opens nothing.
  const exceptions = patterns
    .map((p) => p.trim())
    .filter((p) => p.startsWith('!'))
    .map((p) => cleanPattern(p.slice(1)))
    .filter((p) => p !== '');
  return {
    patterns,
    hasDockerignore,
    excludes: patterns.length === 0 ? () => false : (path) => path !== '' && ignore.ignores(path),
    mayHoldExceptions: (folder) => exceptions.some((p) => `${p}/`.startsWith(`${folder}/`)),
  };
}

/** Go's filepath.Clean of a pattern, without a leading `/`, as moby keeps it. */
function cleanPattern(pattern: string): string {
  const cleaned = posix.normalize(pattern.trim()).replace(/\/+$/, '');
  return cleaned === '.' ? '' : cleaned.replace(/^\/+/, '');
}

/**
 * The entries of the context that the docker CLI would send, in its order (each folder's names
 * sorted, a folder before what it holds): excluded files and folders are left out; an excluded
 * folder is walked, without being sent, when an exception may bring back something inside it.
 * Sockets are left out as docker leaves them out; a named pipe or a device is refused by name
 * (reading one would wait for ever). Links are entries of their own, never followed.
 */
export function walkContext(dir: string, filter: ContextFilter): ContextEntry[] {
  const entries: ContextEntry[] = [];
  const walk = (folder: string, prefix: string): void => {
    for (const name of readdirSync(folder).sort(byBytes)) {
      const path = join(folder, name);
      const rel = prefix === '' ? name : `${prefix}/${name}`;
      const stat = lstatSync(path);
      const excluded = filter.excludes(rel);
      if (stat.isDirectory()) {
        if (!excluded) entries.push(entry(rel, path, 'directory', stat));
        if (!excluded || filter.mayHoldExceptions(rel)) walk(path, rel);
        continue;
      }
      if (excluded || stat.isSocket()) continue; // a tar holds no sockets: docker leaves them out too
      if (stat.isSymbolicLink()) entries.push({ ...entry(rel, path, 'symlink', stat), linkname: readlinkSync(path) });
      else if (stat.isFile()) entries.push(entry(rel, path, 'file', stat));
      else {
        const kind = stat.isFIFO() ? 'a named pipe (FIFO)' : 'a device file';
        throw buildError('build.context', `${rel} in the build context (${dir}) is ${kind}, which cannot be sent: add it to .dockerignore.`);
      }
    }
  };
  walk(dir, '');
  return entries;
}

/** The files and links of the context that would be sent, in order (folders left out). */
export function contextEntries(dir: string, filter: ContextFilter): string[] {
  return walkContext(dir, filter)
    .filter((e) => e.type !== 'directory')
    .map((e) => e.rel);
}

function entry(rel: string, path: string, type: ContextEntry['type'], stat: Stats): ContextEntry {
  return { rel, path, type, mode: stat.mode & 0o7777, size: type === 'file' ? stat.size : 0, mtimeMs: stat.mtimeMs };
}

/** Go compares strings byte by byte; so do the docker CLI's walk and BuildKit's receiver. */
function byBytes(a: string, b: string): number {
  if (a === b) return 0;
  // For ASCII, UTF-16 order is byte order: no buffers needed.
  if (ASCII.test(a) && ASCII.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

const ASCII = /^[\x00-\x7f]*$/;
