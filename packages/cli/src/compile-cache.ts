import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { writeCacheFile } from './cache-files.js';

/**
 * V8's code cache for the command's own chunks (dist/*.cjs), as Node 22's
 * `module.enableCompileCache()` keeps it for every module. Compiling the SDK, commander and the
 * CLI is a third of a short run's own time, and V8 can instead read back the code it compiled
 * last time, functions compiled while that run went on included. On Node 22 and later, Node's
 * own cache does it; on Node 20, CommonJS modules in `distDir` are compiled here through
 * `node:vm` with the cached data, and what was compiled is written back when the process exits.
 *
 * Each chunk's name holds a hash of its content (rolldown's `[hash]`), and the cache is kept per
 * Node version and architecture, so a cached entry is never read for other code or another V8
 * (which would refuse it anyway).
 */
export interface CompileCacheOptions {
  /** The folder of the chunks to cache (dist/). */
  readonly distDir: string;
  /** Where the cache lives (`~/.cache/dockwright/v8`). */
  readonly cacheRoot: string;
  /** `process.version` and `process.arch`: a cache per V8. */
  readonly node: { readonly version: string; readonly arch: string };
  /** Runs a function as the process exits (bin.ts: `process.once('exit', …)`). */
  readonly onExit: (listener: () => void) => void;
}

// Chunks are named `[name]-[hash].cjs` (rolldown.config.ts): a name stands for one content.
const HASHED_CHUNK = /-[A-Za-z0-9_-]{8}\.cjs$/;

export function enableCompileCache({ distDir, cacheRoot, node, onExit }: CompileCacheOptions): void {
  const official = (Module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
  if (typeof official === 'function') {
    official(join(cacheRoot, 'node'));
    return;
  }
  // Node 20 runs no import() expression in code compiled through node:vm without a flag: the
  // build keeps them all in import-module.cjs, whose name has no hash, so it is left to Node.
  const cacheDir = join(cacheRoot, `${node.version}-${node.arch}`);
  const prototype = Module.prototype as unknown as CompilingModule;
  const compile = prototype._compile;
  const written: (() => void)[] = [];
  prototype._compile = function (this: CompilingModule, content: string, filename: string): unknown {
    if (dirname(filename) !== distDir || !HASHED_CHUNK.test(filename)) return compile.call(this, content, filename);
    const cachePath = join(cacheDir, `${basename(filename)}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(cachePath);
    } catch {
      // not cached yet
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected === true)
      written.push(() => writeCacheFile(cacheDir, basename(cachePath), script.createCachedData()));
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };
  // After the run, so that the functions it compiled are in the cache too.
  onExit(() => {
    for (const write of written) write();
  });
}

interface CompilingModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

/** The `require` a module's code gets, as Node makes it for a module it compiles. */
function requireFor(module: CompilingModule): NodeJS.Require {
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  const internals = Module as unknown as {
    _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
    _cache: NodeJS.Require['cache'];
  };
  require.resolve = ((request: string, options?: unknown) => internals._resolveFilename(request, module, false, options)) as NodeJS.RequireResolve;
  require.cache = internals._cache;
  return require;
}
