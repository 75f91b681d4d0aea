import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { SourceMapPayload } from 'node:module';
import { importModule } from './import-module.js';
import { writeCacheFile } from './cache-files.js';

/**
 * A definitions module (TypeScript or JavaScript) made into code the module runner evaluates:
 * oxc strips the types, then turns imports and exports into calls and properties (the form Vite's
 * module runner evaluates), with source maps back to the file. The result is kept in a cache keyed
 * by the file's path and text, so a file that has not changed loads without the transformer.
 */
export interface CompiledModule {
  readonly file: string;
  /** The module's body: its imports are `__vite_ssr_import__("…")` calls, in source order, awaiting nothing. */
  readonly code: string;
  /** The specifiers of its static imports, in the order the module imports them. */
  readonly imports: readonly string[];
  /** True when the body awaits at its top level (then it may go on after the runner's call returns). */
  readonly topLevelAwait: boolean;
  /** From `code` back to the file: the runner's step first, then the type stripping (TypeScript only). */
  readonly maps: readonly SourceMapPayload[];
}

/** A file oxc cannot read: the first error, at its 1-based line and column. */
export class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'SyntaxProblem';
  }
}

/** Extensions of the files the runner evaluates; anything else is imported by Node itself. */
export const RUNNER_EXTENSIONS = new Set(['.ts', '.mts', '.tsx', '.js', '.mjs']);

// The transformer's version and this file's output format: a cached entry of another is not read.
// A test holds OXC_VERSION to the installed oxc-transform.
export const OXC_VERSION = '0.158.0';
const FORMAT = `dockwright-module-1 oxc-transform@${OXC_VERSION}`;

interface CacheEntry extends CompiledModule {
  readonly format: string;
  readonly source: string;
}

/** The compiled form of `file`, whose text is `source`: from the cache in `cacheDir` when it holds it, else made (and kept there). */
export async function compileModule(file: string, source: string, cacheDir: string | undefined): Promise<CompiledModule> {
  const entryPath = cacheDir === undefined ? undefined : cacheEntryPath(cacheDir, file, source);
  if (entryPath !== undefined) {
    const cached = readEntry(entryPath);
    // The key is a hash: the entry must also hold this very file and text.
    if (cached?.format === FORMAT && cached.file === file && cached.source === source) return cached;
  }
  const compiled = transform(await loadOxc(), file, source);
  if (entryPath !== undefined) writeCacheFile(cacheDir!, basename(entryPath), JSON.stringify({ format: FORMAT, source, ...compiled } satisfies CacheEntry));
  return compiled;
}

/** Where the cache keeps the compiled form of `file` with the text `source`. */
export function cacheEntryPath(cacheDir: string, file: string, source: string): string {
  return join(cacheDir, `${hash(`${FORMAT}\0${file}\0${source}`)}.json`);
}

function readEntry(path: string): CacheEntry | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
}

type Oxc = typeof import('oxc-transform');
let oxc: Promise<Oxc> | undefined;

/** Loaded only when a file is new or changed: about 15 ms. */
function loadOxc(): Promise<Oxc> {
  oxc ??= importModule<Oxc>('oxc-transform');
  return oxc;
}

const IMPORT_CALL = /\b__vite_ssr_import__\("((?:[^"\\]|\\.)*)"/g;

function transform(oxc: Oxc, file: string, source: string): CompiledModule {
  const extension = extname(file);
  const typescript = extension === '.ts' || extension === '.mts' || extension === '.tsx';
  const maps: SourceMapPayload[] = [];
  let javascript = source;
  if (typescript) {
    const stripped = oxc.transformSync(file, source, { lang: extension === '.tsx' ? 'tsx' : 'ts', sourceType: 'module', sourcemap: true });
    refuseErrors(stripped.errors, file, source);
    javascript = stripped.code;
    maps.push(stripped.map as unknown as SourceMapPayload);
  }
  const run = oxc.moduleRunnerTransformSync(file, javascript, { sourcemap: true });
  refuseErrors(run.errors, file, javascript);
  maps.unshift(run.map as unknown as SourceMapPayload);
  // The runner resolves every import before the body runs, so the body need not wait for them:
  // without these awaits a module's own code runs at once, within the load's time limit.
  const code = run.code.replace(/\bawait (__vite_ssr_import__\()/g, '      $1');
  const imports = [...code.matchAll(IMPORT_CALL)].map((match) => JSON.parse(`"${match[1]!}"`) as string);
  return { file, code, imports, topLevelAwait: /\bawait\b/.test(code), maps };
}

interface OxcProblem {
  readonly severity: string;
  readonly message: string;
  readonly labels: readonly { readonly start: number }[];
}

function refuseErrors(errors: readonly OxcProblem[], file: string, text: string): void {
  const error = errors.find((e) => e.severity === 'Error');
  if (error === undefined) return;
  const { line, column } = lineAndColumn(text, error.labels[0]?.start ?? 0);
  throw new SyntaxProblem(error.message, file, line, column);
}

/** The 1-based line and column of a UTF-8 byte offset (oxc's spans count bytes). */
function lineAndColumn(text: string, byteOffset: number): { line: number; column: number } {
  const before = Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8');
  const lines = before.split('\n');
  return { line: lines.length, column: lines.at(-1)!.length + 1 };
}

/** 64 bits of a string, as hex: a cache key, not a secret (the entry is checked against the text). */
function hash(text: string): string {
  let a = 0xdeadbeef;
  let b = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  return (b >>> 0).toString(16).padStart(8, '0') + (a >>> 0).toString(16).padStart(8, '0');
}
