/**
 * `import()` of an ES module: a package that ships only ES modules (oxc-transform,
 * import-meta-resolve, log-update), or a module a definitions file imports. The command's chunks
 * may run from V8's code cache (compile-cache.ts), and Node 20 runs no `import()` expression in
 * code compiled that way; this module is a chunk of its own (import-module.cjs), which Node
 * compiles itself, and every chunk imports through it (rolldown.config.ts). Tests import the
 * sources, where it is an ordinary module.
 */
export function importModule<T = Record<string, unknown>>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
