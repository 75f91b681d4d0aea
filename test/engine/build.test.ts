import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { lineOf, project } from '../../packages/cli/test/helpers.js';
import { describeWithEngine, docker, dockwright, imageExists, removeImages, runImage, testEngine, uniqueRepo } from './engine-helpers.js';

const BASE = testEngine.image;

afterAll(async () => {
  if (testEngine.available) await removeImages('dockwright-e2e/');
});

for (const builder of ['classic', 'buildkit'] as const) {
  // BuildKit builds need networkmode=none on this engine (no bridge network).
  const flags = ['--builder', builder, '--network', 'none', '--progress', 'plain'];

  describeWithEngine(`build with the ${builder} builder`, () => {
    test('builds an image that runs and prints what its definition says', async () => {
      const repo = uniqueRepo(`hello-${builder}`);
      const dir = project({
        'msg.txt': 'hello from the context\n',
        'dockwright.ts': `import { from } from 'dockwright';
export const hello = from('${BASE}').copy('msg.txt', '/msg.txt').cmd(['cat', '/msg.txt']).$meta({ name: 'hello', tags: ['${repo}:1'] });
`,
      });
      const result = await dockwright(['build', ...flags], dir);
      expect(result.stderr).toContain('[hello] built');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^hello\\s+${repo}:1\\s+[0-9a-f]{12}\\s+\\S+\\s+\\S+\\s+\\d+/\\d+\\s+built$`, 'm'));
      expect(await runImage(`${repo}:1`)).toBe('hello from the context\n');
    });

    test('multi-stage, build arguments and --target', async () => {
      const repo = uniqueRepo(`stages-${builder}`);
      const dir = project({
        'dockwright.ts': `import { arg, from } from 'dockwright';
const who = arg('WHO', 'nobody');
const build = from('${BASE}', { as: 'build' }).arg(who).run('mkdir /out && echo "built for $WHO" > /out/result');
export const app = from('${BASE}').copy({ from: build, src: '/out/result', dest: '/result' }).cmd(['cat', '/result'])
  .$meta({ name: 'app', tags: ['${repo}:1'], buildArgs: { WHO: 'the tests' } });
`,
      });
      expect((await dockwright(['build', ...flags], dir)).code).toBe(0);
      expect(await runImage(`${repo}:1`)).toBe('built for the tests\n');

      expect((await dockwright(['build', ...flags, '--build-arg', 'WHO=the command line', '--force'], dir)).code).toBe(0);
      expect(await runImage(`${repo}:1`)).toBe('built for the command line\n');

      expect((await dockwright(['build', ...flags, '--target', 'build', '-t', `${repo}:build`, '--force'], dir)).code).toBe(0);
      expect(await runImage(`${repo}:build`, ['cat', '/out/result'])).toBe('built for the tests\n');
    });

    test('a file that .dockerignore excludes is absent; a context of many files arrives whole', async () => {
      const repo = uniqueRepo(`context-${builder}`);
      const files: Record<string, string> = {
        '.dockerignore': 'secret.txt\nlogs/\n',
        'secret.txt': 'do not ship\n',
        'logs/today.log': 'noise\n',
        'dockwright.ts': `import { from } from 'dockwright';
export const ctx = from('${BASE}').copy('.', '/ctx/').cmd(['sh', '-c', 'ls /ctx/many | wc -l; ls -a /ctx']).$meta({ name: 'ctx', tags: ['${repo}:1'] });
`,
      };
      for (let i = 0; i < 1500; i++) files[`many/file-${i}.txt`] = `${i}\n`;
      const dir = project(files);
      expect((await dockwright(['build', ...flags], dir)).code).toBe(0);
      const listing = await runImage(`${repo}:1`);
      expect(listing.split('\n')[0]!.trim()).toBe('1500');
      expect(listing).not.toContain('secret.txt');
      expect(listing).not.toContain('logs');
      if (builder === 'classic') {
        // The uploaded .dockerignore lists our Dockerfile, so COPY . leaves it out. BuildKit on
        // Docker 20.10 ignores .dockerignore in an uploaded tar (the README says so).
        expect(listing).not.toMatch(/\.dockerfile\./);
      }
    });

    test('a failing RUN exits 1, names the line in the definitions, and tags nothing', async () => {
      const repo = uniqueRepo(`broken-${builder}`);
      const source = `import { from } from 'dockwright';
export const broken = from('${BASE}')
  .run('echo about to fail && exit 3')
  .$meta({ name: 'broken', tags: ['${repo}:1'] });
`;
      const result = await dockwright(['build', ...flags], project({ 'dockwright.ts': source }));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`dockwright\\.ts:${lineOf(source, '.run(')}:\\d+: broken: RUN echo about to fail && exit 3: `));
      expect(result.stderr).toContain('| about to fail');
      expect(result.stdout).toMatch(/^broken\s.*\sfailed$/m);
      expect(await imageExists(`${repo}:1`)).toBe(false);
    });

    test('the second run reports up to date without uploading; a changed file rebuilds', async () => {
      const repo = uniqueRepo(`skip-${builder}`);
      const dir = project({
        'msg.txt': 'one\n',
        'dockwright.ts': `import { from } from 'dockwright';
export const skip = from('${BASE}').copy('msg.txt', '/msg.txt').cmd(['cat', '/msg.txt']).$meta({ name: 'skip', tags: ['${repo}:1'] });
`,
      });
      expect((await dockwright(['build', ...flags], dir)).code).toBe(0);
      const second = await dockwright(['build', ...flags], dir);
      expect(second.stdout).toMatch(/^skip\s.*\sup to date$/m);
      expect(second.stderr).not.toContain('COPY');

      writeFileSync(join(dir, 'msg.txt'), 'two\n');
      const third = await dockwright(['build', ...flags], dir);
      expect(third.stdout).toMatch(/^skip\s.*\sbuilt$/m);
      expect(await runImage(`${repo}:1`)).toBe('two\n');
    });
  });
}

describeWithEngine('many images', () => {
  const flags = ['--builder', 'classic', '--progress', 'json'];

  test('dependencies build first; independent images build in parallel', async () => {
    const repo = uniqueRepo('family');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const base = from('${BASE}').run('echo base > /base').$meta({ name: 'base', tags: ['${repo}/base:1'] });
export const left = from(base).run('sleep 1 && echo left > /left').$meta({ name: 'left', tags: ['${repo}/left:1'] });
export const right = from(base).run('sleep 1 && echo right > /right').$meta({ name: 'right', tags: ['${repo}/right:1'] });
`,
    });
    const result = await dockwright(['build', ...flags, '--parallel', '2'], dir);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { image?: string; type: string });
    const order = events.filter((e) => e.type === 'started' || e.type === 'finished').map((e) => `${e.type} ${e.image}`);
    // base finishes before either of the others starts, and both of those start before either finishes.
    expect(order.indexOf('finished base')).toBeLessThan(order.indexOf('started left'));
    expect(order.indexOf('finished base')).toBeLessThan(order.indexOf('started right'));
    expect(Math.max(order.indexOf('started left'), order.indexOf('started right'))).toBeLessThan(
      Math.min(order.indexOf('finished left'), order.indexOf('finished right')),
    );
    expect(await runImage(`${repo}/left:1`, ['cat', '/base', '/left'])).toBe('base\nleft\n');
  }, 60_000);

  test('--keep-going builds what does not depend on a failure and skips its dependents', async () => {
    const repo = uniqueRepo('keepgoing');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const bad = from('${BASE}').run('exit 1').$meta({ name: 'bad', tags: ['${repo}/bad:1'] });
export const child = from(bad).run('true').$meta({ name: 'child', tags: ['${repo}/child:1'] });
export const fine = from('${BASE}').run('true').$meta({ name: 'fine', tags: ['${repo}/fine:1'] });
`,
    });
    const result = await dockwright(['build', '--builder', 'classic', '--progress', 'plain'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^bad\s.*\sfailed$/m);
    expect(result.stdout).toMatch(/^child\s.*\sskipped: bad failed$/m);
    expect(result.stdout).toMatch(/^fine\s.*\sbuilt$/m);
    expect(await imageExists(`${repo}/fine:1`)).toBe(true);
    expect(await imageExists(`${repo}/child:1`)).toBe(false);
  }, 60_000);

  test('the classic builder refuses RUN --mount before uploading, naming the line', async () => {
    const source = `import { from } from 'dockwright';
export const cached = from('${BASE}')
  .run('true', { mount: { type: 'cache', target: '/cache' } });
`;
    const result = await dockwright(['build', '--builder', 'classic'], project({ 'dockwright.ts': source }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`dockwright.ts:${lineOf(source, '.run(')}:`);
    expect(result.stderr).toContain('RUN uses RUN --mount');
    expect(result.stderr).toContain('nothing was uploaded');
  });

  test('--push sends every tag to the registry', async () => {
    const name = `e2e-push-${Date.now()}`;
    const tag = `${testEngine.registry}/${name}:1`;
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const pushed = from('${BASE}').run('echo pushed > /p').$meta({ name: 'pushed', tags: ['${tag}'] });
`,
    });
    const result = await dockwright(['build', '--builder', 'classic', '--progress', 'plain', '--push'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^pushed\s.*\sbuilt, pushed$/m);
    const response = await fetch(`http://${testEngine.registry}/v2/${name}/tags/list`);
    expect(await response.json()).toEqual({ name, tags: ['1'] });
    await removeImages(`${testEngine.registry}/${name}`);
  }, 60_000);
});

describe('without an engine', () => {
  test('an address where nothing listens: exit 2 at once, naming the address and the way out', async () => {
    const dir = project({ 'dockwright.ts': `import { from } from 'dockwright';\nexport const a = from('alpine');\n` });
    const { run } = await import('@dockwright/cli');
    let stderr = '';
    const code = await run(['build'], {
      cwd: dir,
      env: { DOCKER_HOST: `unix://${join(dir, 'no-engine.sock')}`, HOME: dir },
      stdout: { write: () => undefined },
      stderr: { write: (t) => void (stderr += t) },
    });
    expect(code).toBe(2);
    expect(stderr).toContain(`No Docker Engine answered at unix://${join(dir, 'no-engine.sock')} (DOCKER_HOST)`);
    expect(stderr).toContain('DOCKER_HOST or DOCKER_CONTEXT');
  });

  test('an address that takes the connection and never answers: exit 2 once the ping gives up', async () => {
    const dir = project({ 'dockwright.ts': `import { from } from 'dockwright';\nexport const a = from('alpine');\n` });
    const socket = join(dir, 'silent.sock');
    const held: import('node:net').Socket[] = [];
    const { createServer } = await import('node:net');
    const server = createServer((connection) => void held.push(connection)).listen(socket);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { run } = await import('@dockwright/cli');
      let stderr = '';
      const code = await run(['build'], {
        cwd: dir,
        env: { DOCKER_HOST: `unix://${socket}`, HOME: dir },
        stdout: { write: () => undefined },
        stderr: { write: (t) => void (stderr += t) },
      });
      expect(code).toBe(2);
      expect(stderr).toContain(`No Docker Engine answered at unix://${socket} (DOCKER_HOST): no answer within 2 s. Start the engine`);
      expect(held.length).toBeGreaterThan(0); // it did connect: the deadline, not a refusal, ended it
    } finally {
      for (const connection of held) connection.destroy();
      server.close();
    }
  });
});

describeWithEngine('cancellation', () => {
  const slow = (repo: string): string => `import { from } from 'dockwright';
export const slow = from('${BASE}').run('echo started ${repo} && sleep 20').$meta({ name: 'slow', tags: ['${repo}:1'] });
`;

  test('--timeout gives up on an image, which then has no tag', async () => {
    const repo = uniqueRepo('timeout');
    const result = await dockwright(['build', '--builder', 'classic', '--progress', 'plain', '--timeout', '2s'], project({ 'dockwright.ts': slow(repo) }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('did not finish in the time allowed (--timeout)');
    expect(await imageExists(`${repo}:1`)).toBe(false);
  }, 30_000);

  test('Ctrl-C cancels the builds in flight, says so, exits 130, and leaves no container or tag', async () => {
    const repo = uniqueRepo('sigint');
    // Only this build's containers (its RUN names the repo): other tests build at the same time.
    const containers = async (): Promise<number> => (await docker().listContainers({ all: true })).filter((c) => c.Command.includes(repo)).length;
    const dir = project({ 'dockwright.ts': slow(repo) });
    const bin = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'dist', 'bin.cjs');
    const child = spawn(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain'], {
      cwd: dir,
      env: { PATH: process.env.PATH, DOCKER_HOST: testEngine.host, HOME: dir, NO_COLOR: '1' },
    });
    let stderr = '';
    let stdout = '';
    let interrupted: Promise<number> | undefined;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Once (a second Ctrl-C means "quit now"), and after counting the RUN's container.
      interrupted ??= stderr.includes('| started') ? containers().finally(() => child.kill('SIGINT')) : undefined;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(await interrupted).toBe(1); // the filter below does see the build's container
    expect(code).toBe(130);
    expect(stderr).toContain('interrupted: cancelled slow');
    expect(stdout).toMatch(/^slow\s.*\scancelled$/m);
    expect(await imageExists(`${repo}:1`)).toBe(false);
    // The engine removes the build's container once it sees the cancel; give it a moment.
    let after = await containers();
    for (let i = 0; i < 50 && after > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await containers();
    }
    expect(after).toBe(0);
  }, 60_000);
});
