import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import * as sdk from 'dockwright';
import { DockwrightError, type Image, type ImageMeta } from 'dockwright';
import { cacheHome } from './defaults.js';
import type { Hang, WatchLoad } from './load-watchdog.js';
import { RUNNER_EXTENSIONS, SyntaxProblem } from './module-compile.js';
import { ImportCycle, ImportNotFound, ModuleRunner, RanTooLong, type LoadGuard } from './module-runner.js';
import { originalPosition } from './source-positions.js';
import { ExitCalled, sdkDir, userFrame } from './user-frames.js';
import { shortPath } from './report.js';

/** One image of a definitions file, with what the CLI derives from its export and metadata. */
export interface DefinedImage {
  /** `meta.name`, else the export name in kebab case (`default` becomes the folder's name). */
  readonly name: string;
  /** Where it was exported: `app`, `default`, `python[1]`, `services.api`. */
  readonly exportName: string;
  readonly image: Image;
  readonly meta: ImageMeta;
  /** Absolute path of its Dockerfile when `meta.dockerfile` declares one. */
  readonly dockerfile: string | undefined;
}

export interface Definitions {
  /** Absolute path of the definitions file. */
  readonly file: string;
  readonly images: readonly DefinedImage[];
}

export interface LoadOptions {
  /** The folder paths are relative to, in arguments and in messages. */
  readonly cwd: string;
  /** Type-check with TypeScript before running the file. */
  readonly typecheck?: boolean;
  /**
   * Stop a file that hangs while it loads (a loop, an await that never settles) after `timeoutMs`,
   * with `watch` (load-watchdog.ts, which ends the process): `report` gets a message naming the
   * file and the line it was running. Without it, such a file hangs the caller.
   */
  readonly onHang?: { readonly watch: WatchLoad; readonly timeoutMs: number; readonly report: (message: string) => void };
  /** `XDG_CACHE_HOME` and `HOME` find the cache of compiled definitions modules. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * Runs a definitions file (TypeScript or JavaScript, importing other local files as it likes)
 * with the module runner and returns the images it exports. Errors name the user's file and line.
 */
export async function loadDefinitions(path: string, options: LoadOptions): Promise<Definitions> {
  const file = resolve(options.cwd, path);
  if (!existsSync(file)) {
    throw new DockwrightError('definitions.notFound', `No definitions file at ${path}: create dockwright.ts here, or name one with -f <file>.`);
  }
  if (statSync(file).isDirectory()) {
    const inside = join(path, 'dockwright.ts');
    throw new DockwrightError(
      'definitions.notFound',
      `${path} is a folder, not a definitions file${existsSync(join(file, 'dockwright.ts')) ? `: did you mean -f ${inside}?` : '.'}`,
    );
  }
  if (!RUNNER_EXTENSIONS.has(extname(file))) {
    throw new DockwrightError(
      'definitions.failed',
      `${shortPath(file, options.cwd)}: a definitions file is an ES module in TypeScript or JavaScript (${[...RUNNER_EXTENSIONS].join(', ')}): rename it, and write it with import and export.`,
    );
  }
  if (options.typecheck) {
    const { typecheckDefinitions } = await import('./typecheck.js');
    typecheckDefinitions(file, join(sdkDir(), 'dist', 'index.d.ts'), options.cwd);
  }
  // The SDK reads no files: handing it the sources lets a chain of calls cost one stack capture,
  // and the source maps of what the runner evaluates put positions back in the user's own text.
  sdk.configureCallSites({ readSource: readSourceFile, mapPosition: originalPosition, sourceMapped: false });
  const exports = await runDefinitions(file, options);
  refusePromises(exports, file, options.cwd);
  const images = sdk.collectImages(exports).map(({ exportName, image }): DefinedImage => {
    const meta = image.meta;
    return {
      name: meta.name ?? defaultName(exportName, file),
      exportName,
      image,
      meta,
      dockerfile: meta.dockerfile === undefined ? undefined : resolve(dirname(file), meta.dockerfile),
    };
  });
  if (images.length === 0) {
    const exported = Object.entries(exports).map(([name, value]) => `${name} (${kindOf(value)})`);
    throw new DockwrightError(
      'definitions.noImages',
      `${shortPath(file, options.cwd)} exports no image${exported.length > 0 ? `, only ${exported.join(', ')}` : ''}: export a stage made with from(), e.g. export const app = from('alpine')...`,
    );
  }
  refuseDuplicates(images, options.cwd);
  return { file, images };
}

/**
 * Runs the file within the load's time limit. The runner stops a module's own code that runs past
 * the limit without waiting for anything, but cannot say where it was; the file is then run again
 * with the watchdog's thread (load-watchdog.ts) on it, which names the line it was running at the
 * limit. That thread is otherwise started only once the load waits (an await, a package to load),
 * so a load that ends at once, the usual case, never pays for it.
 */
async function runDefinitions(file: string, options: LoadOptions): Promise<Record<string, unknown>> {
  const { onHang, cwd } = options;
  const cacheDir = moduleCacheDir(options.env ?? {});
  const report = (hang: Hang): void => onHang?.report(describeHang(hang, file, cwd, onHang.timeoutMs));
  const started = Date.now();
  let stopWatching: (() => void) | undefined;
  let guard: LoadGuard | undefined;
  if (onHang !== undefined) {
    const remainingMs = (): number => Math.max(1, onHang.timeoutMs - (Date.now() - started));
    guard = { remainingMs, waiting: () => void (stopWatching ??= onHang.watch(remainingMs(), report)) };
  }
  try {
    return await new ModuleRunner({ sdk, cacheDir, guard }).run(file);
  } catch (error) {
    if (!(error instanceof RanTooLong) || onHang === undefined) throw loadError(error, file, cwd);
    stopWatching?.();
    stopWatching = onHang.watch(onHang.timeoutMs, report);
    try {
      await new ModuleRunner({ sdk, cacheDir }).run(file);
    } catch (again) {
      throw loadError(again, file, cwd);
    }
    throw new DockwrightError(
      'definitions.failed',
      `${shortPath(error.file, cwd)}: the definitions file was still loading after ${onHang.timeoutMs / 1000} s, running without a pause, but loaded in time when run again to find the line. Allow more time with --load-timeout.`,
    );
  } finally {
    stopWatching?.();
  }
}

/** Where compiled definitions modules are kept: `$XDG_CACHE_HOME/dockwright/modules`, else `~/.cache/dockwright/modules`. */
function moduleCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(cacheHome(env), 'modules');
}

function readSourceFile(file: string): string {
  return readFileSync(file, 'utf8');
}

function loadError(error: unknown, file: string, cwd: string): DockwrightError {
  if (error instanceof DockwrightError) return error;
  if (error instanceof ImportCycle) {
    const names = error.files.map((f) => shortPath(f, cwd));
    return new DockwrightError(
      'definitions.failed',
      `${names.join(' imports ')}: a circular import between definitions files. One of them would load half-way, its exports still undefined when the other uses them. Move what they share into a file that imports neither.`,
    );
  }
  return new DockwrightError('definitions.failed', describeLoadError(error, file, cwd), { cause: error });
}

/**
 * Two images with one name could not be told apart on the command line, and two with one tag
 * would overwrite each other's tag in a race: both are refused before anything runs, naming the
 * two definitions.
 */
function refuseDuplicates(images: readonly DefinedImage[], cwd: string): void {
  const where = (image: DefinedImage): string => {
    const loc = sdk.imageInfo(image.image).loc;
    return loc ? `${image.exportName} (${shortPath(loc.file, cwd)}:${loc.line})` : image.exportName;
  };
  const clash = (key: (image: DefinedImage) => readonly string[], what: string, fix: string): void => {
    const seen = new Map<string, DefinedImage>();
    for (const image of images) {
      for (const value of new Set(key(image))) {
        const other = seen.get(value);
        if (other && other.image !== image.image) {
          throw new DockwrightError('definitions.conflict', `Two images ${what} ${value}: ${where(other)} and ${where(image)}. ${fix}`);
        }
        seen.set(value, image);
      }
    }
  };
  clash((image) => [image.name], 'are named', 'Give each its own $meta({ name }).');
  clash((image) => sdk.imageTags(image.image, image.name), 'would be tagged', 'Give each its own $meta({ tags }).');
}

/** An export that is a promise is an async factory someone forgot to await: say so, at its line. */
function refusePromises(exports: Record<string, unknown>, file: string, cwd: string): void {
  for (const [name, value] of Object.entries(exports)) {
    if (typeof (value as { then?: unknown } | null)?.then !== 'function') continue;
    const line = exportLine(file, name);
    throw new DockwrightError(
      'definitions.notImage',
      `${shortPath(file, cwd)}${line === undefined ? '' : `:${line}`}: the export ${name} is a Promise, not an image: await it (${name === 'default' ? 'export default await' : `export const ${name} = await`} ...).`,
    );
  }
}

/** The line that declares the export `name`, when the source says it plainly. */
function exportLine(file: string, name: string): number | undefined {
  const declaration =
    name === 'default'
      ? /^\s*export\s+default\b/
      : new RegExp(`^\\s*export\\s+(?:const|let|var|(?:async\\s+)?function\\*?|class)\\s+${name.replace(/\$/g, '\\$')}(?![\\w$])`);
  return lineOf(file, (line) => declaration.test(line));
}

/** The 1-based number of the first line of `file` that `test` accepts. */
function lineOf(file: string, test: (line: string) => boolean): number | undefined {
  const index = readFileSync(file, 'utf8').split('\n').findIndex(test);
  return index === -1 ? undefined : index + 1;
}

/** `string`, `function`, `array`, `object`, a class's name... for a message. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const prototype: unknown = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (prototype && prototype !== Object.prototype) return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** `nodeApp` -> `node-app`, `python[1]` -> `python-1`, `default` -> the folder's name. */
function defaultName(exportName: string, file: string): string {
  const name = exportName === 'default' ? basename(dirname(file)) : exportName;
  return name
    .replace(/\[(\d+)\]/g, '-$1')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/** "file:line:col: message" for the user's own code, never our stack. */
function describeLoadError(error: unknown, file: string, cwd: string): string {
  if (error instanceof ExitCalled) {
    const where = userFrame(error.stack, cwd) ?? shortPath(file, cwd);
    return `${where}: the definitions file called process.exit(${error.exitCode ?? ''}) while loading: a definitions file only exports images.`;
  }
  if (error instanceof SyntaxProblem) return `${shortPath(error.file, cwd)}:${error.line}:${error.column}: syntax error: ${error.message}`;
  if (error instanceof ImportNotFound) {
    const line = lineOf(error.importer, (text) => text.includes(`'${error.specifier}'`) || text.includes(`"${error.specifier}"`));
    return `${shortPath(error.importer, cwd)}${line === undefined ? '' : `:${line}`}: cannot import '${error.specifier}': ${error.reason}.`;
  }
  const message = error instanceof Error ? error.message : String(error);
  const where = userFrame(error instanceof Error ? error.stack : undefined, cwd);
  const name = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
  return `${where ?? shortPath(file, cwd)}: the definitions file threw ${name}${message}`;
}

/** "file:line:col: ..." for a file that loops; the file alone for one that waits. */
function describeHang(hang: Hang, path: string, cwd: string, timeoutMs: number): string {
  const file = shortPath(path, cwd);
  if (hang.kind === 'neverSettles') {
    return `${file}: the definitions file never finished loading: it awaits a promise that nothing is left to settle.`;
  }
  const still = `the definitions file is still loading after ${timeoutMs / 1000} s`;
  const more = 'Allow more time with --load-timeout.';
  if (hang.waiting) return `${file}: ${still}, waiting for something that has not come (an await that never settles?). ${more}`;
  const where = userFrame(hang.stack, cwd);
  return where === undefined ? `${file}: ${still}. ${more}` : `${where}: ${still}, running this line (a loop that never ends?). ${more}`;
}
