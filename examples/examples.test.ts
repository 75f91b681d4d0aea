import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { check, collectImages, synth } from 'dockwright';

/** Every example's committed Dockerfiles equal what its definitions synthesize now. */
const root = import.meta.dirname;
const examples = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);

describe.each(examples)('example %s', (name) => {
  test('each committed Dockerfile matches its definition, and has no diagnostics', async () => {
    const module = (await import(join(root, name, 'dockwright.ts'))) as Record<string, unknown>;
    const images = collectImages(module).filter(({ image }) => image.meta.dockerfile);
    expect(images.length).toBeGreaterThan(0);
    for (const { image } of images) {
      const committed = readFileSync(join(root, name, image.meta.dockerfile!), 'utf8');
      expect(synth(image)).toBe(committed);
      expect(check(image)).toEqual([]);
    }
  });
});

test('redis is exactly the one-liner of the README', async () => {
  const { redis } = (await import('./redis/dockwright.ts')) as typeof import('./redis/dockwright.ts');
  expect(synth(redis)).toBe('FROM alpine\nRUN apk add redis\nCMD ["redis-server"]\n');
});
