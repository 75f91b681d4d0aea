import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { importModule } from './import-module.js';
import { compileModule, RUNNER_EXTENSIONS, type CompiledModule } from './module-compile.js';
import { registerPositions } from './source-positions.js';

/**
 * Runs a definitions file and the local files it imports, as ES modules, without a loader hook
 * or a worker thread: each file is compiled once (module-compile.ts, cached) to a body whose
 * imports are calls, and the runner links the files (refusing a cycle), evaluates each file's
 * imports first, then its body, as Node would. `dockwright` is the CLI's own SDK, so definitions
 * and CLI share one; Node's builtins and packages load natively, resolved from the importing file.
 *
 * A module's own code runs at once when it is called, so a time limit on the load applies to it
 * directly (`node:vm`'s timeout: a native timer, no thread of JavaScript); only when the load
 * waits (a top-level await, a package for Node to load) does the guard's watch start.
 */
export interface RunnerOptions {
  /** What `import … from 'dockwright'` gives every module. */
  readonly sdk: object;
  /** Where compiled modules are kept between runs (undefined: compiled every time). */
  readonly cacheDir: string | undefined;
  readonly guard?: LoadGuard | undefined;
}

/** The time limit of a load. */
export interface LoadGuard {
  /** Milliseconds the load may still run (at least 1), or undefined without a limit. */
  remainingMs(): number | undefined;
  /** Called when the load is about to wait for something: from then on, something else must watch it. Called again, it does nothing more. */
  waiting(): void;
}

/** A module's own code ran out of the load's time without ever waiting (a loop, most likely). */
export class RanTooLong extends Error {
  constructor(readonly file: string) {
    super(`${file} ran past the load's time limit`);
    this.name = 'RanTooLong';
  }
}

/** Files that import each other: a module would run before what it imports had. */
export class ImportCycle extends Error {
  constructor(readonly files: readonly string[]) {
    super(`circular import: ${files.join(' -> ')}`);
    this.name = 'ImportCycle';
  }
}

/** An import that names nothing that exists. */
export class ImportNotFound extends Error {
  constructor(
    readonly specifier: string,
    readonly importer: string,
    readonly reason: string,
  ) {
    super(`cannot find '${specifier}': ${reason}`);
    this.name = 'ImportNotFound';
  }
}

type Target =
  | { readonly kind: 'sdk' }
  /** A file the runner evaluates. */
  | { readonly kind: 'module'; readonly file: string }
  | { readonly kind: 'json'; readonly file: string }
  /** Node loads it: a builtin, a package, a local CommonJS file. */
  | { readonly kind: 'node'; readonly url: string; readonly builtin: boolean };

interface ModuleRecord {
  readonly file: string;
  readonly compiled: CompiledModule;
  readonly targets: Map<string, Target>;
  readonly exports: Record<string, unknown>;
  evaluation?: Promise<void>;
}

/** The parameters the body's wrapper takes: the module runner's names (see module-compile.ts), then CommonJS's, as jiti gave them. */
const PARAMETERS = [
  '__vite_ssr_exports__',
  '__vite_ssr_import_meta__',
  '__vite_ssr_import__',
  '__vite_ssr_dynamic_import__',
  '__vite_ssr_exportAll__',
  '__dockwright_ran__',
  '__filename',
  '__dirname',
  'require',
].join(', ');

/** Lines of the wrapper above a module's code (source-positions.ts takes them off). */
const WRAPPER_LINES = 1;

/** Extensions tried for an import written without one, as TypeScript resolves it. */
const EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.json'];

/** Runs `entry` and returns its exports. A new runner for each load: modules are evaluated once per runner. */
export class ModuleRunner {
  readonly #records = new Map<string, ModuleRecord>();
  readonly #linking = new Set<string>();

  constructor(private readonly options: RunnerOptions) {}

  /** The entry's exports, in the order of their names, as a module namespace lists them. */
  async run(entry: string): Promise<Record<string, unknown>> {
    const record = await this.#link(entry, []);
    await this.#evaluate(record);
    const namespace = Object.create(null) as Record<string, unknown>;
    for (const name of Object.keys(record.exports).sort()) namespace[name] = record.exports[name];
    return namespace;
  }

  /** Compiles `file` and every local file it imports, depth first; a file met again on the way down is a cycle. */
  async #link(file: string, importers: readonly string[]): Promise<ModuleRecord> {
    const known = this.#records.get(file);
    if (known !== undefined) {
      if (this.#linking.has(file)) throw new ImportCycle([...importers.slice(importers.indexOf(file)), file]);
      return known;
    }
    const compiled = await compileModule(file, readFileSync(file, 'utf8'), this.options.cacheDir);
    registerPositions(file, WRAPPER_LINES, compiled.maps);
    const exports = Object.create(null) as Record<string, unknown>;
    Object.defineProperty(exports, Symbol.toStringTag, { value: 'Module' });
    const record: ModuleRecord = { file, compiled, targets: new Map(), exports };
    this.#records.set(file, record);
    this.#linking.add(file);
    for (const specifier of compiled.imports) {
      const target = await resolveImport(specifier, file);
      record.targets.set(specifier, target);
      if (target.kind === 'module') await this.#link(target.file, [...importers, file]);
    }
    this.#linking.delete(file);
    return record;
  }

  #evaluate(record: ModuleRecord): Promise<void> {
    record.evaluation ??= this.#execute(record);
    return record.evaluation;
  }

  /** Its imports, in order, then its body. */
  async #execute(record: ModuleRecord): Promise<void> {
    const namespaces = new Map<string, unknown>();
    for (const [specifier, target] of record.targets) namespaces.set(specifier, await this.#namespace(target));
    const { file } = record;
    const body = compileBody(record.compiled);
    let ran = false;
    const call = (): unknown =>
      body(
        record.exports,
        importMeta(file, record.targets),
        (specifier: string) => namespaces.get(specifier),
        (specifier: unknown) => this.#dynamicImport(String(specifier), file),
        (namespace: Record<string, unknown>) => exportAll(record.exports, namespace),
        () => {
          ran = true;
        },
        file,
        dirname(file),
        createRequire(file),
      );
    const result = this.#callWithinLimit(call, file);
    if (!ran) this.options.guard?.waiting();
    await result;
  }

  #callWithinLimit(call: () => unknown, file: string): unknown {
    const limit = this.options.guard?.remainingMs();
    if (limit === undefined) return call();
    try {
      return callWithTimeout(call, limit);
    } catch (error) {
      if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw new RanTooLong(file);
      throw error;
    }
  }

  async #namespace(target: Target): Promise<unknown> {
    switch (target.kind) {
      case 'sdk':
        return this.options.sdk;
      case 'module': {
        const record = this.#records.get(target.file)!;
        await this.#evaluate(record);
        return record.exports;
      }
      case 'json':
        return Object.freeze({ default: JSON.parse(readFileSync(target.file, 'utf8')) as unknown });
      case 'node':
        // A package's own code runs as Node loads it, beyond the reach of the runner's limit.
        if (!target.builtin) this.options.guard?.waiting();
        return importModule(target.url);
    }
  }

  async #dynamicImport(specifier: string, importer: string): Promise<unknown> {
    const target = await resolveImport(specifier, importer);
    if (target.kind === 'module') await this.#link(target.file, [importer]);
    return this.#namespace(target);
  }
}

type Body = (...args: unknown[]) => unknown;

function compileBody(compiled: CompiledModule): Body {
  const wrapped = `(${compiled.topLevelAwait ? 'async ' : ''}function (${PARAMETERS}) {'use strict';{\n${compiled.code}\n}__dockwright_ran__();})`;
  return new Script(wrapped, { filename: compiled.file }).runInThisContext() as Body;
}

const INVOKE = Symbol.for('dockwright.runner.invoke');
let invoker: Script | undefined;

/** Calls `call` and stops it after `ms`, wherever it is: node:vm's timeout, a native timer that needs no event loop. */
function callWithTimeout(call: () => unknown, ms: number): unknown {
  invoker ??= new Script(`globalThis[Symbol.for('dockwright.runner.invoke')]()`, { filename: 'dockwright:runner' });
  const slot = globalThis as { [INVOKE]?: () => unknown };
  slot[INVOKE] = call;
  try {
    return invoker.runInThisContext({ timeout: ms, displayErrors: false });
  } finally {
    delete slot[INVOKE];
  }
}

/** `import.meta` as the file itself would see it (its `resolve` knows the file's own imports, as it is synchronous). */
function importMeta(file: string, targets: ReadonlyMap<string, Target>): Record<string, unknown> {
  const url = pathToFileURL(file).href;
  return {
    url,
    filename: file,
    dirname: dirname(file),
    resolve: (specifier: string): string => {
      const target = targets.get(specifier);
      if (target === undefined) return new URL(specifier, url).href;
      return target.kind === 'sdk' ? 'dockwright' : target.kind === 'node' ? target.url : pathToFileURL(target.file).href;
    },
  };
}

/** `export * from '…'`: every name but `default` that the module does not export itself. */
function exportAll(exports: Record<string, unknown>, namespace: Record<string, unknown>): void {
  for (const key in namespace) {
    if (key === 'default' || key in exports) continue;
    Object.defineProperty(exports, key, { enumerable: true, configurable: true, get: () => namespace[key] });
  }
}

/** What an import names, resolved from the file that imports it. */
async function resolveImport(specifier: string, importer: string): Promise<Target> {
  if (specifier === 'dockwright') return { kind: 'sdk' };
  if (specifier.startsWith('node:') || isBuiltin(specifier)) return { kind: 'node', url: specifier, builtin: true };
  const local =
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    specifier === '.' ||
    specifier === '..' ||
    isAbsolute(specifier) ||
    specifier.startsWith('file:');
  let file: string;
  if (local) file = localFile(specifier, importer);
  else {
    const url = await packageUrl(specifier, importer);
    if (!url.startsWith('file:')) return { kind: 'node', url, builtin: false };
    file = fileURLToPath(url);
  }
  const extension = extname(file);
  if (extension === '.json') return { kind: 'json', file };
  // A TypeScript file anywhere (a workspace package may export its sources), a JavaScript file of the project's own.
  const typescript = extension === '.ts' || extension === '.mts' || extension === '.tsx';
  if (RUNNER_EXTENSIONS.has(extension) && (typescript || !file.includes(`${sep}node_modules${sep}`))) return { kind: 'module', file };
  if (extension === '.cts')
    throw new ImportNotFound(specifier, importer, `${file} is a CommonJS TypeScript file; definitions and the files they import are ES modules (.ts, .mts)`);
  return { kind: 'node', url: pathToFileURL(file).href, builtin: false };
}

/** A relative or absolute import as TypeScript resolves it: as written, with an extension, `.js` for `.ts`, or an index file. */
function localFile(specifier: string, importer: string): string {
  const base = specifier.startsWith('file:') ? fileURLToPath(specifier) : resolve(dirname(importer), specifier);
  const stem = base.replace(/\.(?:[mc]?js|jsx)$/, '');
  const candidates = [
    base,
    ...EXTENSIONS.map((e) => stem + e),
    ...(stem !== base ? EXTENSIONS.map((e) => base + e) : []),
    ...EXTENSIONS.map((e) => join(base, `index${e}`)),
  ];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  if (found === undefined) throw new ImportNotFound(specifier, importer, `no file ${base}, nor with ${EXTENSIONS.join(', ')}, nor ${join(base, 'index.ts')}`);
  return found;
}

let metaResolve: Promise<typeof import('import-meta-resolve')> | undefined;

/** A package import, resolved as Node resolves it from the importing file (the resolver loads only when a file imports a package). */
async function packageUrl(specifier: string, importer: string): Promise<string> {
  metaResolve ??= importModule<typeof import('import-meta-resolve')>('import-meta-resolve');
  try {
    return (await metaResolve).resolve(specifier, pathToFileURL(importer).href);
  } catch (error) {
    throw new ImportNotFound(specifier, importer, (error as Error).message.split('\n')[0]!);
  }
}
