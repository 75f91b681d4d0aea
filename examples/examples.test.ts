import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { check, collectImages, synth } from 'dockwright';
import { cli } from '../packages/cli/test/helpers.js';

/** Every example's committed Dockerfiles are exactly what `dockwright synth` writes from its definitions. */
const root = import.meta.dirname;
const examples = readdirSync(root, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

describe.each(examples)('example %s', (name) => {
  test('dockwright synth --check passes: no committed Dockerfile drifted', async () => {
    const result = await cli(['synth', '--check', '-f', join(name, 'dockwright.ts')], root);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  test('its images have no diagnostics at all', async () => {
    const module = (await import(join(root, name, 'dockwright.ts'))) as Record<string, unknown>;
    const images = collectImages(module);
    expect(images.length).toBeGreaterThan(0);
    for (const { image } of images) expect(check(image)).toEqual([]);
  });
});

test('redis is exactly the one-liner of the README', async () => {
  const { redis } = (await import('./redis/dockwright.ts')) as typeof import('./redis/dockwright.ts');
  expect(synth(redis)).toBe('FROM alpine\nRUN apk add redis\nCMD ["redis-server"]\n');
});
