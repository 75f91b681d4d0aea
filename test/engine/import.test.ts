import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { project, read } from '../../packages/cli/test/helpers.js';
import { describeWithEngine, dockwright, removeImages, runImage, testEngine, uniqueRepo } from './engine-helpers.js';

afterAll(async () => {
  if (testEngine.available) await removeImages('dockwright-e2e/');
});

describeWithEngine('an imported Dockerfile keeps its build targets', () => {
  test('import --replace, then build --target a stage the image does not need', async () => {
    const repo = uniqueRepo('targets');
    const dockerfile = [
      `FROM ${testEngine.image} AS base`,
      'RUN echo base > /base',
      '',
      '# a target of its own: the final stage does not use it',
      'FROM base AS update',
      'RUN echo update > /update',
      '',
      'FROM base',
      'RUN echo final > /final',
      'CMD ["cat", "/final"]',
      '',
    ].join('\n');
    const dir = project({ Dockerfile: dockerfile });
    const imported = await dockwright(['import', '--replace', 'Dockerfile'], dir);
    expect(imported.code, imported.stderr).toBe(0);
    expect(read(dir, 'Dockerfile')).toContain('FROM base AS update');
    // Tag it, then build the other target.
    writeFileSync(
      join(dir, 'dockwright.ts'),
      read(dir, 'dockwright.ts').replace(
        "$meta({ dockerfile: 'Dockerfile', context: '.' })",
        `$meta({ dockerfile: 'Dockerfile', context: '.', tags: ['${repo}:1'] })`,
      ),
    );
    const built = await dockwright(['build', '--builder', 'classic', '--progress', 'plain', '--target', 'update'], dir);
    expect(built.code, built.stderr).toBe(0);
    expect(await runImage(`${repo}:1`, ['cat', '/base', '/update'])).toBe('base\nupdate\n');
    const final = await dockwright(['build', '--builder', 'classic', '--progress', 'plain'], dir);
    expect(final.code, final.stderr).toBe(0);
    expect(await runImage(`${repo}:1`)).toBe('final\n');
  }, 60_000);
});
