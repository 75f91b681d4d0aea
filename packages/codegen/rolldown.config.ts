import { defineConfig } from 'rolldown';
import pkg from './package.json' with { type: 'json' };

// One file for our modules; dependencies (and the SDK, so there is one instance) stay external.
const dependencies = Object.keys(pkg.dependencies);

export default defineConfig({
  input: { index: 'src/index.ts' },
  platform: 'node',
  external: (id) => id.startsWith('node:') || dependencies.some((dep) => id === dep || id.startsWith(`${dep}/`)),
  output: { dir: 'dist', format: 'esm', cleanDir: true },
});
