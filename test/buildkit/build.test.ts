import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { project } from '../../packages/cli/test/helpers.js';
import { docker, dockwright, removeImages, runImage, withSshAgent } from '../engine/engine-helpers.js';
import { describeWithBuildkit, registryManifest, startBuildkitd, testBuildkit } from './buildkit-helpers.js';

const BASE = testBuildkit.base;
const plain = ['--progress', 'plain'];

/** A repository of the test registry no other test uses: `127.0.0.1:5000/dockwright-bk/<label>-<hex>`. */
function uniqueRepo(label: string): string {
  return `${testBuildkit.registry}/dockwright-bk/${label}-${randomBytes(4).toString('hex')}`;
}

/** `127.0.0.1:5000/x/y:1` -> `x/y`, `1` */
function inRegistry(tag: string): [string, string] {
  const path = tag.slice(testBuildkit.registry.length + 1);
  const colon = path.lastIndexOf(':');
  return [path.slice(0, colon), path.slice(colon + 1)];
}

afterAll(async () => {
  if (testBuildkit.available) await removeImages(`${testBuildkit.registry}/dockwright-bk/`);
});

describeWithBuildkit('build through a BuildKit daemon', () => {
  test('images with dependencies build and push; the engine pulls and runs them; a second run is up to date from the registry', async () => {
    const repo = uniqueRepo('family');
    const dir = project({
      'hello.txt': 'hello from the context\n',
      'dockwright.ts': `import { from } from 'dockwright';
export const base = from('${BASE}').run('echo "base of this run" > /base.txt').$meta({ name: 'base', tags: ['${repo}/base:1'] });
export const app = from(base).copy('hello.txt', '/hello.txt').cmd(['cat', '/base.txt', '/hello.txt'])
  .$meta({ name: 'app', tags: ['${repo}/app:1', '${repo}/app:latest'] });
`,
    });
    const first = await dockwright(['build', '--builder', testBuildkit.host!, '--push', ...plain], dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('building (BuildKit daemon)');
    expect(first.stdout).toMatch(/^app\s.*built, pushed$/m);

    const app1 = await registryManifest(...inRegistry(`${repo}/app:1`));
    const appLatest = await registryManifest(...inRegistry(`${repo}/app:latest`));
    const base = await registryManifest(...inRegistry(`${repo}/base:1`));
    expect(app1?.digest).toMatch(/^sha256:/);
    expect(appLatest?.digest).toBe(app1?.digest);
    // The app was built on this run's base: its layers start with the base's.
    const layers = (m: typeof app1): string[] => (m!.json.layers as { digest: string }[]).map((l) => l.digest);
    expect(layers(app1).slice(0, layers(base).length)).toEqual(layers(base));

    await pull(`${repo}/app:1`);
    expect(await runImage(`${repo}/app:1`)).toBe('base of this run\nhello from the context\n');

    // Nothing changed: both are up to date, found in the registry, and nothing is pushed again.
    const second = await dockwright(['build', '--builder', testBuildkit.host!, '--push', ...plain], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^base\s.*up to date$/m);
    expect(second.stdout).toMatch(/^app\s.*up to date$/m);
    expect((await registryManifest(...inRegistry(`${repo}/app:1`)))?.digest).toBe(app1?.digest);
  }, 180_000);

  test('up to date from the registry on a fresh daemon; a changed file builds again', async () => {
    const repo = uniqueRepo('fresh');
    const dir = project({
      'msg.txt': 'one\n',
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${BASE}').copy('msg.txt', '/msg.txt').run('cat /msg.txt > /copy.txt').$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    expect((await dockwright(['build', '--builder', testBuildkit.host!, '--push', ...plain], dir)).code).toBe(0);
    const fresh = await startBuildkitd();
    try {
      const again = await dockwright(['build', '--builder', fresh.address, '--push', ...plain], dir);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(/^app\s.*up to date$/m);
      // It was not built: the fresh daemon never ran a step.
      expect(again.stderr).not.toContain('RUN cat /msg.txt');

      execFileSync('sh', ['-c', `echo two > '${join(dir, 'msg.txt')}'`]);
      const changed = await dockwright(['build', '--builder', fresh.address, '--push', ...plain], dir);
      expect(changed.code, changed.stderr).toBe(0);
      expect(changed.stdout).toMatch(/^app\s.*built, pushed$/m);
    } finally {
      await fresh.stop();
    }
  }, 180_000);

  test('the image holds exactly the context files .dockerignore lets through, never the Dockerfile; a heredoc runs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bk-out-'));
    const dir = project({
      '.dockerignore': 'secret.txt\nlogs/\n',
      'secret.txt': 'do not ship\n',
      'logs/today.log': 'noise\n',
      'src/main.txt': 'main\n',
      Dockerfile: 'a file of the context named Dockerfile\n',
      'dockwright.ts': `import { from } from 'dockwright';
export const files = from('scratch').copy('.', '/ctx/').$meta({ name: 'files', tags: ['files:1'] });
export const script = from('${BASE}').run('echo "first line" > /made.txt\\necho "second line" >> /made.txt').$meta({ name: 'script', tags: ['script:1'] });
`,
    });
    const result = await dockwright(['build', '--builder', testBuildkit.host!, '--output', `type=local,dest=${out}/{name}`, ...plain], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(listFiles(join(out, 'files', 'ctx')).sort()).toEqual(['.dockerignore', 'Dockerfile', 'dockwright.ts', 'src/main.txt']);
    // The context's own file named Dockerfile is there, as written; ours (the synthesized one) is not.
    expect(readFileSync(join(out, 'files', 'ctx', 'Dockerfile'), 'utf8')).toBe('a file of the context named Dockerfile\n');
    expect(readFileSync(join(out, 'script', 'made.txt'), 'utf8')).toBe('first line\nsecond line\n');
    rmSync(out, { recursive: true, force: true });
  }, 120_000);

  test('--output type=tar and type=oci write files only when the build succeeds; a failure writes nothing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bk-out-'));
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const good = from('${BASE}').run('echo ok > /ok').$meta({ name: 'good', tags: ['good:1'] });
export const bad = from('${BASE}').run('echo about to fail && exit 3').$meta({ name: 'bad', tags: ['bad:1'] });
`,
    });
    const result = await dockwright(
      ['build', '--builder', testBuildkit.host!, '--output', `type=tar,dest=${out}/{name}.tar`, '--output', `type=oci,dest=${out}/{name}.oci.tar`, ...plain],
      dir,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/dockwright\.ts:3:\d+: bad: RUN echo about to fail && exit 3: .*exit code: 3/);
    expect(result.stderr).toContain('| about to fail');
    expect(readdirSync(out).sort()).toEqual(['good.oci.tar', 'good.tar']);
    const listing = execFileSync('tar', ['-tf', join(out, 'good.tar')], { encoding: 'utf8' });
    expect(listing.split('\n')).toContain('ok');
    expect(execFileSync('tar', ['-tf', join(out, 'good.oci.tar')], { encoding: 'utf8' })).toContain('index.json');
    rmSync(out, { recursive: true, force: true });
  }, 120_000);

  test('--load puts the image into the Docker Engine, which runs it', async () => {
    const repo = uniqueRepo('load');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${BASE}').run('echo loaded > /msg').cmd(['cat', '/msg']).$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    const result = await dockwright(['build', '--builder', testBuildkit.host!, '--load', ...plain], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(await runImage(`${repo}:1`)).toBe('loaded\n');
  }, 120_000);

  test('secrets and an SSH agent reach the build through the session; a secret is in no output', async () => {
    const secret = `bk-s3cr3t-${Date.now()}`;
    await withSshAgent(async (work, socket) => {
      const out = join(work, 'out');
      const dir = project({
        'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${BASE}').copy('agent-query', '/agent-query')
  .run('sha256sum /run/secrets/token | cut -c1-64 > /token.sha256', { mount: { type: 'secret', id: 'token', required: true } })
  .run('/agent-query > /identities', { mount: { type: 'ssh' } })
  .$meta({ name: 'app', tags: ['app:1'] });
`,
      });
      execFileSync('gcc', ['-static', '-O2', '-o', join(dir, 'agent-query'), join(import.meta.dirname, '..', 'engine', 'fixtures', 'agent-query.c')]);
      const result = await dockwright(
        [
          'build',
          '--builder',
          testBuildkit.host!,
          '--no-cache',
          '--secret',
          'id=token,env=TOKEN',
          '--ssh',
          'default',
          '--output',
          `type=local,dest=${out}`,
          ...plain,
        ],
        dir,
        {
          TOKEN: secret,
          SSH_AUTH_SOCK: socket,
        },
      );
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(join(out, 'token.sha256'), 'utf8')).toBe(createHash('sha256').update(secret).digest('hex') + '\n');
      expect(readFileSync(join(out, 'identities'), 'utf8')).toBe('identities: 1\n');
      expect(result.stdout + result.stderr).not.toContain(secret);
      expect(existsSync(join(out, 'run', 'secrets', 'token'))).toBe(false);
    });
  }, 120_000);

  test('two platforms: one image per platform, pushed as one index', async () => {
    const repo = uniqueRepo('multi');
    const dir = project({
      'msg.txt': 'same file on every platform\n',
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('scratch').copy('msg.txt', '/msg.txt').$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    const result = await dockwright(['build', '--builder', testBuildkit.host!, '--platform', 'linux/amd64,linux/386', '--push', ...plain], dir);
    expect(result.code, result.stderr).toBe(0);
    const index = await registryManifest(...inRegistry(`${repo}:1`));
    const platforms = (index!.json.manifests as { platform: { os: string; architecture: string } }[]).map((m) => `${m.platform.os}/${m.platform.architecture}`);
    expect(platforms.sort()).toEqual(['linux/386', 'linux/amd64']);
    // Up to date as an index too.
    const again = await dockwright(['build', '--builder', testBuildkit.host!, '--platform', 'linux/amd64,linux/386', '--push', ...plain], dir);
    expect(again.stdout).toMatch(/^app\s.*up to date$/m);
  }, 120_000);

  test('a registry cache written by one daemon is used by a fresh one: its steps come from the cache', async () => {
    const repo = uniqueRepo('cache');
    const unique = randomBytes(4).toString('hex');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${BASE}').run('echo ${unique} > /expensive').run('echo second > /second').$meta({ name: 'app', tags: ['app:1'] });
`,
    });
    const cache = ['--cache-to', `type=registry,ref=${repo}/cache:{name},mode=max`, '--cache-from', `${repo}/cache:{name}`];
    const written = await dockwright(['build', '--builder', testBuildkit.host!, ...cache, ...plain], dir);
    expect(written.code, written.stderr).toBe(0);
    expect(await registryManifest(`${inRegistry(`${repo}/cache:app`)[0]}`, 'app')).toBeDefined();
    const fresh = await startBuildkitd();
    try {
      const used = await dockwright(['build', '--builder', fresh.address, ...cache, ...plain], dir);
      expect(used.code, used.stderr).toBe(0);
      // Both RUN steps come from the registry cache (the FROM is only resolved: a fresh daemon has no image).
      expect(used.stderr).toContain(`cached RUN echo ${unique} > /expensive`);
      expect(used.stderr).toContain('cached RUN echo second > /second');
      expect(used.stdout).toMatch(/^app\s.*\s2\/3\s+built$/m);
    } finally {
      await fresh.stop();
    }
  }, 180_000);
});

describeWithBuildkit('build() from a script, through BuildKit', () => {
  test('takes the builder, the push and the caches as the CLI takes them', async () => {
    const { build } = await import('@dockwright/engine');
    const { from } = await import('dockwright');
    const repo = uniqueRepo('script');
    const dir = project({});
    const image = from(BASE)
      .run(`echo ${randomBytes(4).toString('hex')} > /x`)
      .$meta({ name: 'app', tags: [`${repo}:1`] });
    const env = { HOME: dir };
    const [outcome] = await build([image], { builder: testBuildkit.host!, push: true, cacheTo: [`${repo}/cache:{name}`], cwd: dir, env });
    expect(outcome?.status, JSON.stringify(outcome)).toBe('done');
    expect(outcome?.status === 'done' && outcome.value.builder).toBe('buildkitd');
    const [pushedRepo, tag] = inRegistry(`${repo}:1`);
    expect((await registryManifest(pushedRepo, tag))?.digest).toBe(outcome?.status === 'done' ? outcome.value.digest : '');
    expect(await registryManifest(`${pushedRepo}/cache`, 'app')).toBeDefined();
    const [again] = await build([image], { builder: testBuildkit.host!, push: true, cwd: dir, env });
    expect(again?.status === 'done' && again.value.upToDate).toBe(true);
  }, 120_000);
});

async function pull(reference: string): Promise<void> {
  const stream = await docker().pull(reference);
  await new Promise((resolve, reject) => docker().modem.followProgress(stream, (error) => (error ? reject(error) : resolve(undefined))));
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, `${prefix}${name}/`) : [`${prefix}${name}`];
  });
}
