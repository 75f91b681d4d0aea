import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { DockwrightError, type Image, type ImageMeta } from 'dockwright';
import type { Hang, WatchLoad } from './load-watchdog.js';
import { ExitCalled, SDK_DIR, userFrame } from './user-frames.js';
import { shortPath } from './report.js';

/** The SDK as the definitions file sees it: every image operation goes through this one copy. */
export type Sdk = typeof import('dockwright');

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
  readonly sdk: Sdk;
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
  /** Stack positions are source-mapped (see Io.sourceMapped). */
  readonly sourceMapped?: boolean | undefined;
}

const require = createRequire(import.meta.url);

/** The SDK's built entry point: `import ... from 'dockwright'` in any definitions file resolves here. */
export const SDK_ENTRY = join(SDK_DIR, 'dist', 'index.js');
export const SDK_TYPES = join(SDK_DIR, 'dist', 'index.d.ts');

/**
 * Runs a definitions file (TypeScript or JavaScript, importing other local files as it likes)
 * through jiti and returns the images it exports. Errors name the user's file and line.
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
  const cycle = importCycle(file);
  if (cycle) {
    const names = cycle.map((f) => shortPath(f, options.cwd));
    throw new DockwrightError(
      'definitions.failed',
      `${names.join(' imports ')}: a circular import between definitions files. One of them would load half-way, its exports still undefined when the other uses them. Move what they share into a file that imports neither.`,
    );
  }
  if (options.typecheck) {
    const { typecheckDefinitions } = await import('./typecheck.js');
    typecheckDefinitions(file, SDK_TYPES, options.cwd);
  }
  // Required, not imported, and only when a file is loaded: importing a CommonJS package from ESM
  // makes Node scan its 190 kB source for export names, and --version or --help need none of it.
  const { createJiti } = require('jiti') as typeof import('jiti');
  const jiti = createJiti(file, {
    alias: { dockwright: SDK_ENTRY },
    // Plain JavaScript (the SDK, the user's .js/.mjs) loads natively: one shared SDK instance,
    // V8's code cache, no transform. TypeScript falls back to jiti's transform.
    tryNative: true,
    sourceMaps: true,
    moduleCache: false,
  });
  const sdk = await jiti.import<Sdk>(SDK_ENTRY);
  // The SDK reads no files: handing it the sources lets a chain of calls cost one stack capture.
  sdk.configureCallSites({ readSource: readSourceFile, sourceMapped: options.sourceMapped === true });
  const { onHang } = options;
  const stopWatching = onHang?.watch(onHang.timeoutMs, (hang) => onHang.report(describeHang(hang, file, options.cwd, onHang.timeoutMs)));
  let exports: Record<string, unknown>;
  try {
    exports = await jiti.import<Record<string, unknown>>(file);
  } catch (error) {
    throw new DockwrightError('definitions.failed', describeLoadError(error, file, options.cwd), { cause: error });
  } finally {
    stopWatching?.();
  }
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
  refuseDuplicates(images, sdk, options.cwd);
  return { file, sdk, images };
}

function readSourceFile(file: string): string {
  return readFileSync(file, 'utf8');
}

/**
 * Two images with one name could not be told apart on the command line, and two with one tag
 * would overwrite each other's tag in a race: both are refused before anything runs, naming the
 * two definitions.
 */
function refuseDuplicates(images: readonly DefinedImage[], sdk: Sdk, cwd: string): void {
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

// import ... from '...', export ... from '...' (not `import type`), import '...', import('...'), require('...')
const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\b)([^'"`;]*?)\s*from\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^\s*import\s*['"]([^'"]+)['"]/gm;
const CALL_IMPORT = /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
const ONLY_TYPES = /^\{\s*(?:type\s+[\w$]+(?:\s+as\s+[\w$]+)?\s*,?\s*)+\}$/;
const EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs'];

/**
 * A cycle of local imports through the definitions file (`a.ts`, `b.ts`, `a.ts`), read from the
 * sources: jiti runs them as CommonJS, where a cycle leaves one file's exports undefined while the
 * other runs, which shows up later as a confusing error, or as an image silently missing.
 */
export function importCycle(entry: string): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): string[] | undefined => {
    if (state.get(file) === 'open') return [...path.slice(path.indexOf(file)), file];
    if (state.get(file) === 'done') return undefined;
    state.set(file, 'open');
    for (const next of localImports(file)) {
      const cycle = visit(next, [...path, file]);
      if (cycle) return cycle;
    }
    state.set(file, 'done');
    return undefined;
  };
  return visit(entry, []);
}

function localImports(file: string): string[] {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const specifiers: string[] = [];
  for (const match of source.matchAll(STATIC_IMPORT)) if (!ONLY_TYPES.test(match[1]!.trim())) specifiers.push(match[2]!);
  for (const match of source.matchAll(BARE_IMPORT)) specifiers.push(match[1]!);
  for (const match of source.matchAll(CALL_IMPORT)) specifiers.push(match[1]!);
  return specifiers.filter((s) => s.startsWith('./') || s.startsWith('../')).flatMap((s) => resolveLocal(dirname(file), s) ?? []);
}

/** A relative specifier as TypeScript resolves it: as written, with an extension, `.js` for `.ts`, or an index file. */
function resolveLocal(dir: string, specifier: string): string | undefined {
  const base = resolve(dir, specifier);
  const stem = base.replace(/\.(?:[mc]?js)$/, '');
  const candidates = [base, ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => join(base, `index${e}`))];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
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
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((line) => declaration.test(line));
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
  const message = error instanceof Error ? error.message : String(error);
  // jiti reports syntax errors as "ParseError: <what>\n <file>:<line>:<col>".
  const parse = /^(?:ParseError: )?([\s\S]*?)\s*\n\s*(\S+:\d+:\d+)\s*$/.exec(message);
  if (parse) {
    const at = parse[2]!.replace(/^(.*)(:\d+:\d+)$/, (_, path: string, position: string) => shortPath(path, cwd) + position);
    return `${at}: syntax error: ${parse[1]!.trim()}`;
  }
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
