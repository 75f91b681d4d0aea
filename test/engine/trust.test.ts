import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { lineOf, project } from '../../packages/cli/test/helpers.js';
import { describeWithEngine, docker, dockwright, recordsHome, removeImages, runImage, testEngine, uniqueRepo } from './engine-helpers.js';

const BASE = testEngine.image;
const CLASSIC = ['--builder', 'classic', '--progress', 'plain'];
// BuildKit builds need networkmode=none on this engine (no bridge network).
const BUILDKIT = ['--builder', 'buildkit', '--network', 'none', '--progress', 'plain'];

afterAll(async () => {
  if (testEngine.available) await removeImages('dockwright-e2e/');
});

/** The STATUS column of an image's row in the summary table. */
function status(stdout: string, image: string): string {
  const row = stdout.split('\n').find((line) => line.startsWith(`${image} `));
  return row?.split(/\s{2,}/).pop() ?? `no row for ${image} in:\n${stdout}`;
}

/** The same flags with JSON progress. */
const json = (flags: readonly string[]): string[] => [...flags.slice(0, flags.indexOf('--progress')), '--progress', 'json'];

const imageId = async (tag: string): Promise<string> => (await docker().getImage(tag).inspect()).Id;

describeWithEngine('every input decides "up to date"', () => {
  test('each input changed alone rebuilds; nothing changed is up to date', async () => {
    const repo = uniqueRepo('inputs');
    const definitions = (who: string): string => `import { arg, from } from 'dockwright';
const who = arg('WHO', 'nobody');
const base = from('${BASE}', { as: 'base' }).copy('msg.txt', '/msg.txt');
export const app = from(base).arg(who).run('echo "$WHO" > /who')
  .$meta({ name: 'app', tags: ['${repo}:1'], buildArgs: { WHO: '${who}' } });
`;
    const dir = project({ 'msg.txt': 'one\n', 'README.md': 'docs\n', 'dockwright.ts': definitions('the definitions') });
    const build = async (...flags: string[]): Promise<string> => {
      const result = await dockwright(['build', ...CLASSIC, ...flags], dir, { TOKEN: 'a secret' });
      expect(result.code, result.stderr).toBe(0);
      return status(result.stdout, 'app');
    };
    expect(await build()).toBe('built');
    expect(await build()).toBe('up to date');
    const original = await imageId(`${repo}:1`);

    expect(await build('--build-arg', 'WHO=the command line')).toBe('built');
    expect(await runImage(`${repo}:1`, ['cat', '/who'])).toBe('the command line\n');
    expect(await build('--label', 'team=a')).toBe('built');
    expect(await build('--label', 'team=b')).toBe('built');
    expect((await docker().getImage(`${repo}:1`).inspect()).Config.Labels).toEqual({ team: 'b' });
    expect(await build('--target', 'base')).toBe('built');
    expect(await build('--platform', 'linux/amd64')).toBe('built');
    expect(await build('--network', 'none')).toBe('built');
    expect(await build('--builder', 'buildkit', '--network', 'none')).toBe('built');
    expect(await build('--builder', 'buildkit', '--network', 'none', '--secret', 'id=token,env=TOKEN')).toBe('built');
    expect(await build()).toBe('built');
    // Back to the first inputs: the same image as the first time (no label of ours, a cached build).
    expect(await imageId(`${repo}:1`)).toBe(original);

    writeFileSync(join(dir, 'dockwright.ts'), definitions('the definitions, edited'));
    expect(await build()).toBe('built');
    expect(await runImage(`${repo}:1`, ['cat', '/who'])).toBe('the definitions, edited\n');
    writeFileSync(join(dir, 'msg.txt'), 'two\n');
    expect(await build()).toBe('built');
    chmodSync(join(dir, 'msg.txt'), 0o600);
    expect(await build()).toBe('built');
    expect(await build()).toBe('up to date');
  }, 120_000);

  test('an image built on a base that changed is stale: a base of the same file, or one retagged on the engine', async () => {
    const repo = uniqueRepo('rebased');
    const definitions = (word: string): string => `import { from } from 'dockwright';
export const base = from('${BASE}').run('echo ${word} > /base').$meta({ name: 'base', tags: ['${repo}/base:1'] });
export const app = from(base).run('cat /base > /copy').$meta({ name: 'app', tags: ['${repo}/app:1'] });
export const other = from('${repo}/external:1').run('true').$meta({ name: 'other', tags: ['${repo}/other:1'] });
`;
    await docker()
      .getImage(BASE)
      .tag({ repo: `${repo}/external`, tag: '1' });
    const dir = project({ 'dockwright.ts': definitions('one') });
    expect((await dockwright(['build', ...CLASSIC], dir)).code).toBe(0);
    const again = await dockwright(['build', ...CLASSIC], dir);
    expect(['base', 'app', 'other'].map((n) => status(again.stdout, n))).toEqual(['up to date', 'up to date', 'up to date']);
    // The base changes: app, built on the old one, is stale too.
    writeFileSync(join(dir, 'dockwright.ts'), definitions('two'));
    const rebased = await dockwright(['build', ...CLASSIC, 'app'], dir);
    expect([status(rebased.stdout, 'base'), status(rebased.stdout, 'app')]).toEqual(['built', 'built']);
    expect(await runImage(`${repo}/app:1`, ['cat', '/copy'])).toBe('two\n');
    // Someone tags another image as the external base: other is stale.
    await docker()
      .getImage(`${repo}/base:1`)
      .tag({ repo: `${repo}/external`, tag: '1' });
    expect(status((await dockwright(['build', ...CLASSIC, 'other'], dir)).stdout, 'other')).toBe('built');
  }, 60_000);

  test('--no-cache rebuilds an image that is up to date, from scratch', async () => {
    const repo = uniqueRepo('nocache');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';\nexport const app = from('${BASE}').run('echo hi > /hi').$meta({ name: 'app', tags: ['${repo}:1'] });\n`,
    });
    expect((await dockwright(['build', ...CLASSIC], dir)).code).toBe(0);
    const result = await dockwright(['build', ...CLASSIC, '--no-cache'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^app\s.*\s0\/\d+\s+built$/m);
  }, 60_000);
});

describeWithEngine('a file the image never copies does not change the image', () => {
  test('editing a README or a comment in the definitions file: up to date, and the same image id when built again', async () => {
    const repo = uniqueRepo('readme');
    const definitions = `import { from } from 'dockwright';\nexport const app = from('${BASE}').copy('msg.txt', '/msg.txt').$meta({ name: 'app', tags: ['${repo}:1'] });\n`;
    const dir = project({ 'msg.txt': 'hi\n', 'README.md': 'docs\n', 'dockwright.ts': definitions });
    for (const flags of [CLASSIC, BUILDKIT]) {
      expect((await dockwright(['build', ...flags], dir)).code).toBe(0);
      const id = await imageId(`${repo}:1`);
      writeFileSync(join(dir, 'README.md'), `docs, edited for ${flags[1]}\n`);
      writeFileSync(join(dir, 'dockwright.ts'), `// a comment for ${flags[1]}\n${definitions}`);
      const again = await dockwright(['build', ...flags], dir);
      expect(status(again.stdout, 'app')).toBe('up to date');
      const forced = await dockwright(['build', ...flags, '--force'], dir);
      expect(status(forced.stdout, 'app')).toBe('built');
      expect(await imageId(`${repo}:1`)).toBe(id);
    }
  }, 90_000);
});

for (const [builder, flags] of [
  ['classic', CLASSIC],
  ['buildkit', BUILDKIT],
] as const) {
  describeWithEngine(`the image holds what docker build would put in (${builder})`, () => {
    test('after COPY . . an edit to a later instruction reuses the cached COPY; the image has exactly the context files', async () => {
      const repo = uniqueRepo(`cache-${builder}`);
      const definitions = (step: string): string => `import { from } from 'dockwright';
export const app = from('${BASE}').copy('.', '/ctx/').run('echo ${step} ${repo} > /step')
  .$meta({ name: 'app', tags: ['${repo}:1'], context: 'app' });
`;
      const dir = project({ 'app/a.txt': 'a\n', 'app/sub/b.txt': 'b\n', 'dockwright.ts': definitions('one') });
      const first = await dockwright(['build', ...json(flags)], dir);
      expect(first.code, first.stderr).toBe(0);
      expect(await runImage(`${repo}:1`, ['sh', '-c', 'find /ctx | sort'])).toBe(['/ctx', '/ctx/a.txt', '/ctx/sub', '/ctx/sub/b.txt'].join('\n') + '\n');

      writeFileSync(join(dir, 'dockwright.ts'), definitions('two'));
      const second = await dockwright(['build', ...json(flags)], dir);
      expect(second.code, second.stderr).toBe(0);
      const done = second.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; name?: string; cached?: boolean })
        .filter((e) => e.type === 'stepDone');
      const copy = done.find((e) => e.name?.includes('COPY . /ctx/'));
      // The repository name makes the RUN new to the engine's cache, whatever earlier runs built.
      const run = done.find((e) => e.name?.includes('echo two'));
      expect(copy?.cached, JSON.stringify(done)).toBe(true);
      expect(run?.cached, JSON.stringify(done)).toBe(false);
      expect(await runImage(`${repo}:1`, ['cat', '/step'])).toBe(`two ${repo}\n`);
    }, 60_000);

    test('a .dockerignore with `*` and `!keep` sends keep alone: no empty folders', async () => {
      const repo = uniqueRepo(`ignore-${builder}`);
      const dir = project({
        'app/.dockerignore': '*\n!keep\n',
        'app/keep/a.txt': 'a\n',
        'app/drop/b.txt': 'b\n',
        'app/drop/deep/c.txt': 'c\n',
        'app/top.txt': 't\n',
        'dockwright.ts': `import { from } from 'dockwright';\nexport const app = from('${BASE}').copy('.', '/ctx/').$meta({ name: 'app', tags: ['${repo}:1'], context: 'app' });\n`,
      });
      const result = await dockwright(['build', ...flags], dir);
      expect(result.code, result.stderr).toBe(0);
      expect(await runImage(`${repo}:1`, ['sh', '-c', 'find /ctx | sort'])).toBe(['/ctx', '/ctx/keep', '/ctx/keep/a.txt'].join('\n') + '\n');
    }, 60_000);

    test('a file mode means what was written', async () => {
      const repo = uniqueRepo(`chmod-${builder}`);
      const dir = project({
        'run.sh': '#!/bin/sh\n',
        'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${BASE}').copy('run.sh', '/a', { chmod: 0o755 }).copy('run.sh', '/b', { chmod: '0640' }).$meta({ name: 'app', tags: ['${repo}:1'] });
`,
      });
      if (builder === 'classic') {
        // The classic builder has no --chmod: refused before anything is uploaded.
        const result = await dockwright(['build', ...flags], dir);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('COPY uses COPY --chmod, which the classic builder cannot build');
        return;
      }
      expect((await dockwright(['build', ...flags], dir)).code).toBe(0);
      expect(await runImage(`${repo}:1`, ['stat', '-c', '%a', '/a', '/b'])).toBe('755\n640\n');
      // The engine's BuildKit drops setuid, setgid and sticky before Docker 26: refused, not lost.
      writeFileSync(
        join(dir, 'dockwright.ts'),
        `import { from } from 'dockwright';\nexport const app = from('${BASE}').copy('run.sh', '/b', { chmod: '4750' }).$meta({ name: 'app', tags: ['${repo}:1'] });\n`,
      );
      const special = await dockwright(['build', ...flags], dir);
      expect(special.code).toBe(1);
      expect(special.stderr).toContain('COPY uses COPY --chmod=4750 (setuid, setgid or sticky), whose special bits BuildKit before Docker 26 drops');
    }, 60_000);
  });
}

describeWithEngine('flags mean what the docker CLI means', () => {
  test('--target applies to the image named, not to the image it builds on', async () => {
    const repo = uniqueRepo('target');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const base = from('${BASE}').run('echo base > /base').$meta({ name: 'base', tags: ['${repo}/base:1'] });
const deps = from(base, { as: 'deps' }).run('echo deps > /deps');
export const api = from(deps).run('echo api > /api').$meta({ name: 'api', tags: ['${repo}/api:1'] });
`,
    });
    const result = await dockwright(['build', ...CLASSIC, '--target', 'deps', 'api'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(await runImage(`${repo}/api:1`, ['sh', '-c', 'cat /base /deps; ls /api 2>&1 || true'])).toMatch(
      /^base\ndeps\nls: \/api: No such file or directory\n$/,
    );
    const missing = await dockwright(['build', ...CLASSIC, '--target', 'nope', 'api'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--target nope: the image api has no stage named nope (its stages: deps)');
  }, 60_000);
});

describeWithEngine('what the engine cannot build is refused before upload, at the .ts line', () => {
  test('COPY --link, RUN --network, HEALTHCHECK --start-interval on Docker 20.10, naming the way out', async () => {
    const source = `import { from } from 'dockwright';
export const app = from('${BASE}')
  .copy('a', '/a', { link: true })
  .run('true', { network: 'none' })
  .healthcheck(['true'], { startInterval: '1s' })
  .$meta({ name: 'app', tags: ['${uniqueRepo('refused')}:1'] });
`;
    const dir = project({ a: 'a', 'dockwright.ts': source });
    const result = await dockwright(['build', ...BUILDKIT], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nothing was uploaded');
    expect(result.stderr).toContain(`dockwright.ts:${lineOf(source, 'link: true')}:`);
    expect(result.stderr).toMatch(
      /COPY uses COPY --link, which the BuildKit of Docker 20\.10\.\S+ cannot build: add \$dockerfile\(\{ syntax: 'docker\/dockerfile:1' \}\)/,
    );
    expect(result.stderr).toContain(`dockwright.ts:${lineOf(source, "network: 'none'")}:`);
    expect(result.stderr).toContain('RUN uses RUN --network');
    expect(result.stderr).toContain(`dockwright.ts:${lineOf(source, 'startInterval')}:`);
    expect(result.stderr).toContain('HEALTHCHECK uses HEALTHCHECK --start-interval, which the BuildKit of Docker 20.10');
  });

  test('--builder auto picks the engine BuildKit when the Dockerfile needs it (this engine defaults to the classic builder)', async () => {
    const repo = uniqueRepo('auto');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${BASE}').run('echo cached > /c/x && cp /c/x /x', { mount: { type: 'cache', target: '/c' } }).$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    const result = await dockwright(['build', '--network', 'none', '--progress', 'plain'], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('[app] building (BuildKit)');
    expect(await runImage(`${repo}:1`, ['cat', '/x'])).toBe('cached\n');
  }, 60_000);
});

describeWithEngine('terminal safety', () => {
  test("a build's output cannot drive the terminal: control characters print escaped, the classic builder's colours are dropped", async () => {
    const repo = uniqueRepo('controls');
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${BASE}').run("printf 'title\\\\033]0;pwned\\\\007 and red\\\\033[31m!\\\\n'; echo to-stderr >&2; exit 1").$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    const result = await dockwright(['build', ...CLASSIC], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(result.stderr).toContain('title\\x1b]0;pwned\\x07 and red\\x1b[31m!');
    expect(result.stderr).toContain('| to-stderr'); // no \x1b[91m around it
  }, 60_000);
});

describeWithEngine('one path for builds: build() from a script', () => {
  test('serves $meta secrets as the CLI does, and refuses invalid images before building', async () => {
    const { build } = await import('@dockwright/engine');
    const { from } = await import('dockwright');
    const repo = uniqueRepo('script');
    const dir = project({ 'token.txt': 'from-a-file' });
    const image = from(BASE)
      .run('cp /run/secrets/token /token', { mount: { type: 'secret', id: 'token', required: true } })
      .$meta({ name: 'app', tags: [`${repo}:1`], secrets: [{ id: 'token', src: 'token.txt' }] });
    const env = { DOCKER_HOST: testEngine.host, HOME: dir, XDG_CACHE_HOME: recordsHome() };
    const [outcome] = await build([image], { builder: 'buildkit', network: 'none', cwd: dir, env });
    expect(outcome?.status, JSON.stringify(outcome)).toBe('done');
    expect(await runImage(`${repo}:1`, ['cat', '/token'])).toBe('from-a-file');

    const invalid = from(BASE)
      .workdir('relative')
      .env('A', 'x\nRUN rm -rf /')
      .$meta({ name: 'bad', tags: [`${repo}-bad:1`] });
    await expect(build([invalid], { cwd: dir, env })).rejects.toMatchObject({ code: 'synth.invalid', message: expect.stringMatching(/UnencodableValue/) });
    expect(
      await docker()
        .getImage(`${repo}-bad:1`)
        .inspect()
        .then(
          () => true,
          () => false,
        ),
    ).toBe(false);
  }, 60_000);
});

describeWithEngine('pushing', () => {
  test('an image named app:1 is pushed as app:1; DOCKER_CONFIG is read for credentials; each tag has its own outcome', async () => {
    const name = `e2e-tagged-${Date.now()}`;
    const registryTag = `${testEngine.registry}/${name}:1`;
    const localOnly = `${uniqueRepo('localonly')}:1`; // docker.io: unreachable here
    // A credential helper that notes which registry it was asked about, and knows none.
    const config = join(tmpdir(), `docker-config-${name}`);
    const bin = join(config, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(config, 'config.json'), JSON.stringify({ credHelpers: { [testEngine.registry]: 'noted' } }));
    writeFileSync(join(bin, 'docker-credential-noted'), `#!/bin/sh\ncat >> ${join(config, 'asked')}\necho >> ${join(config, 'asked')}\nexit 1\n`);
    chmodSync(join(bin, 'docker-credential-noted'), 0o755);
    const env = { DOCKER_CONFIG: config, PATH: `${bin}:${process.env.PATH}` };

    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const named = from('${BASE}').run('echo named > /n').$meta({ name: '${registryTag}' });
export const both = from('${BASE}').run('echo both > /b').$meta({ name: 'both', tags: ['${localOnly}', '${testEngine.registry}/${name}-both:1'] });
`,
    });
    const pushed = await dockwright(['build', ...CLASSIC, '--push', 'named'], dir, env);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(await (await fetch(`http://${testEngine.registry}/v2/${name}/tags/list`)).json()).toEqual({ name, tags: ['1'] });
    expect(readFileSync(join(config, 'asked'), 'utf8')).toContain(testEngine.registry);

    const half = await dockwright(['build', ...CLASSIC, '--push', 'both'], dir, env);
    expect(half.code).toBe(1);
    expect(status(half.stdout, 'both')).toBe(`built, pushed 1 of 2 tags (${localOnly} failed)`);
    expect(half.stderr).toMatch(new RegExp(`error: both: push ${localOnly.replace(/[.:/]/g, '\\$&')}: `));
    expect(await (await fetch(`http://${testEngine.registry}/v2/${name}-both/tags/list`)).json()).toEqual({ name: `${name}-both`, tags: ['1'] });
    await removeImages(`${testEngine.registry}/${name}`);
  }, 90_000);
});
