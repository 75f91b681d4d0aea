import { defineConfig, type RolldownOptions } from 'rolldown';

/**
 * How each package is bundled: its own modules into a few files (fewer modules load faster),
 * its dependencies left external, the SDK included, so every package shares one SDK instance.
 * No source maps: with source maps on for user files (the CLI's bin), Node would parse ours too.
 */
export function packageBundle(dependencies: Readonly<Record<string, string>>, input: Record<string, string>): RolldownOptions {
  const external = Object.keys(dependencies);
  return defineConfig({
    input,
    platform: 'node',
    external: (id) => id.startsWith('node:') || external.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    output: { dir: 'dist', format: 'esm', cleanDir: true },
  });
}
