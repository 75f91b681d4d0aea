import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'rolldown';
import pkg from './package.json' with { type: 'json' };
import { packageBundle } from '../../rolldown.shared.ts';

/**
 * Two builds into dist/. The library (`index.js`, an ES module): the program for embedding, its
 * dependencies external as in every package. The command (`bin.cjs`, CommonJS): what starts at
 * every `dockwright` run, so it is made to start fast. It bundles the SDK, the engine, codegen and
 * the small pure-JavaScript dependencies (one copy of the SDK for the CLI and every definitions
 * file; no package to resolve at start), and is CommonJS because Node 20 starts a CommonJS entry
 * about 10 ms sooner than an ES module one (no ES module loader). Commands stay separate chunks,
 * required when they run. Packages that are large, native or ES modules only stay external, so the
 * engine's are dependencies of this package too.
 */
const BUNDLED = ['dockwright', '@dockwright/engine', '@dockwright/codegen', 'commander', 'diff'];

/** The engine's BuildKit protocol files, beside the chunks that read them (its protocol.ts looks up from its own file). */
function engineProtocolFiles(): Plugin {
  const dir = join(import.meta.dirname, '..', 'engine', 'proto');
  return {
    name: 'engine-protocol-files',
    generateBundle() {
      for (const name of readdirSync(dir)) this.emitFile({ type: 'asset', fileName: `proto/${name}`, source: readFileSync(join(dir, name)) });
    },
  };
}

/**
 * The command's chunks run from V8's code cache (compile-cache.ts), where Node 20 runs no
 * `import()`: only import-module.ts may hold one, in a chunk of its own whose name has no hash,
 * which the cache leaves to Node. A chunk that imports an ES module another way fails the build.
 */
function onlyImportModuleImports(): Plugin {
  return {
    name: 'only-import-module-imports',
    generateBundle(_options, bundle) {
      for (const file of Object.values(bundle)) {
        if (file.type !== 'chunk' || file.fileName === 'import-module.cjs') continue;
        const external = file.dynamicImports.filter((id) => !id.endsWith('.cjs'));
        if (external.length > 0) this.error(`${file.fileName} imports ${external.join(', ')} with import(): import them through src/import-module.ts`);
      }
    },
  };
}

const library = packageBundle(pkg.dependencies, { index: 'src/index.ts' });

const command = defineConfig({
  input: { bin: 'src/bin.ts', 'load-watchdog-worker': 'src/load-watchdog-worker.ts' },
  platform: 'node',
  // The workspace packages from their sources, as the tests run them.
  resolve: { conditionNames: ['source', 'import', 'node', 'default'] },
  external: (id) => id.startsWith('node:') || !(id.startsWith('.') || id.startsWith('/') || BUNDLED.some((dep) => id === dep || id.startsWith(`${dep}/`))),
  plugins: [engineProtocolFiles(), onlyImportModuleImports()],
  output: {
    dir: 'dist',
    format: 'cjs',
    entryFileNames: '[name].cjs',
    // Named by their content, so that a cached compilation is of this very code (compile-cache.ts).
    chunkFileNames: (chunk) => (chunk.name === 'import-module' ? '[name].cjs' : '[name]-[hash].cjs'),
    codeSplitting: { groups: [{ name: 'import-module', test: /src[\\/]import-module\.ts$/ }] },
    // No JSDoc in the chunks: less to read and parse at every start (the sources keep it).
    comments: { legal: true, annotation: false, jsdoc: false },
  },
});

// dist/ is emptied once, by the build script: both builds write there.
export default [{ ...library, output: { ...library.output, cleanDir: false } }, command];
