import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { project } from '../../packages/cli/test/helpers.js';
import { describeWithEngine, docker, dockwright, removeImages, runImage, testEngine, uniqueRepo, withSshAgent } from './engine-helpers.js';

afterAll(async () => {
  if (testEngine.available) await removeImages('dockwright-e2e/');
});

describeWithEngine('secrets through the BuildKit session', () => {
  test('a RUN reads the secret, and its value is in no layer, history, config or output', async () => {
    const secret = `s3cr3t-${Date.now()}-value`;
    const repo = uniqueRepo('secret');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${testEngine.image}')
  .run('sha256sum /run/secrets/token | cut -c1-64 > /token.sha256', { mount: { type: 'secret', id: 'token', required: true } })
  .cmd(['cat', '/token.sha256'])
  .$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    // --no-cache: BuildKit's cache key ignores a secret's value, and an earlier run may have had another.
    const result = await dockwright(
      ['build', '--builder', 'buildkit', '--network', 'none', '--progress', 'plain', '--no-cache', '--secret', 'id=token,env=TOKEN'],
      dir,
      { TOKEN: secret },
    );
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);

    // The build saw the secret: the image holds its hash.
    expect(await runImage(`${repo}:1`)).toBe(createHash('sha256').update(secret).digest('hex') + '\n');

    // ... and nothing else holds the value.
    const image = docker().getImage(`${repo}:1`);
    const saved = await new Promise<Buffer>((resolve, reject) => {
      image.get((error: unknown, stream?: NodeJS.ReadableStream) => {
        if (error || !stream) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => resolve(Buffer.concat(chunks)));
        stream.on('error', reject);
      });
    });
    expect(saved.length).toBeGreaterThan(1000);
    expect(saved.includes(secret)).toBe(false);
    expect(JSON.stringify(await image.history())).not.toContain(secret);
    expect(JSON.stringify(await image.inspect())).not.toContain(secret);
    expect(output).not.toContain(secret);
  }, 60_000);

  test('a secret the build needs but nobody gave fails the build, naming it', async () => {
    const repo = uniqueRepo('nosecret');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${testEngine.image}').run('cat /run/secrets/missing', { mount: { type: 'secret', id: 'missing', required: true } }).$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    const result = await dockwright(['build', '--builder', 'buildkit', '--network', 'none', '--progress', 'plain', '--secret', 'id=other,env=OTHER'], dir, {
      OTHER: 'x',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('secret missing not found');
  }, 60_000);
});

describeWithEngine('a build argument whose name looks like a secret', () => {
  test('is warned about (SecretsUsedInArgOrEnv) and its value is never printed', async () => {
    const value = `tok-${Date.now()}`;
    const repo = uniqueRepo('argsecret');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${testEngine.image}').arg('API_TOKEN').run('test -n "$API_TOKEN"').$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    const result = await dockwright(['build', '--builder', 'classic', '--progress', 'plain', '--build-arg', `API_TOKEN=${value}`], dir);
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);
    expect(output).toContain('warning SecretsUsedInArgOrEnv: ARG API_TOKEN looks like a secret');
    expect(output).not.toContain(value);
  }, 60_000);
});

describeWithEngine('SSH agent forwarding through the BuildKit session', () => {
  test('a RUN with --mount=type=ssh talks to the agent of the machine that builds', async () => {
    await withSshAgent(async (_work, socket) => {
      const repo = uniqueRepo('ssh');
      const dir = project({
        'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${testEngine.image}').copy('agent-query', '/agent-query')
  .run('/agent-query > /identities', { mount: { type: 'ssh' } })
  .cmd(['cat', '/identities'])
  .$meta({ name: 'app', tags: ['${repo}:1'] });
`,
      });
      execFileSync('gcc', ['-static', '-O2', '-o', join(dir, 'agent-query'), join(import.meta.dirname, 'fixtures', 'agent-query.c')]);
      const result = await dockwright(['build', '--builder', 'buildkit', '--network', 'none', '--progress', 'plain', '--no-cache', '--ssh', 'default'], dir, {
        SSH_AUTH_SOCK: socket,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(await runImage(`${repo}:1`)).toBe('identities: 1\n');
    });
  }, 120_000);
});

describeWithEngine('secrets declared in code', () => {
  test('$meta({ secrets }) serves them without any flag', async () => {
    const secret = `declared-${Date.now()}`;
    const repo = uniqueRepo('declared');
    const dir = project({
      'token.txt': secret,
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${testEngine.image}')
  .run('sha256sum /run/secrets/token | cut -c1-64 > /h', { mount: { type: 'secret', id: 'token', required: true } })
  .cmd(['cat', '/h'])
  .$meta({ name: 'app', tags: ['${repo}:1'], secrets: [{ id: 'token', src: 'token.txt' }] });
`,
    });
    const result = await dockwright(['build', '--builder', 'buildkit', '--network', 'none', '--progress', 'plain', '--no-cache'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(await runImage(`${repo}:1`)).toBe(createHash('sha256').update(secret).digest('hex') + '\n');
    expect(result.stdout + result.stderr).not.toContain(secret);
  }, 60_000);
});
