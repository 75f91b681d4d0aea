import { defineConfig } from 'rolldown';
import pkg from './package.json' with { type: 'json' };

// The CLI's own modules become a few files (fewer modules load faster); its dependencies stay
// external, and so does the SDK, so the CLI and every definitions file share one SDK instance.
const dependencies = Object.keys(pkg.dependencies);

export default defineConfig({
  input: { bin: 'src/bin.ts', index: 'src/index.ts' },
  platform: 'node',
  external: (id) => id.startsWith('node:') || dependencies.some((dep) => id === dep || id.startsWith(`${dep}/`)),
  // No source maps: with them enabled for user files (bin.ts), Node would parse ours at every start.
  output: { dir: 'dist', format: 'esm', cleanDir: true },
});
