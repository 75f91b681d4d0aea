import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { cli, project } from '../../packages/cli/test/helpers.js';
import { describeWithEngine, docker, dockwright, imageExists, removeImages, testEngine, uniqueRepo } from './engine-helpers.js';

const BASE = testEngine.image;

/** Eight independent images; the fourth fails. */
function eight(repo: string, registry?: string): string {
  const lines = [`import { from } from 'dockwright';`];
  for (let i = 0; i < 8; i++) {
    const tag = registry ? `${registry}/${repo.replace(/^dockwright-e2e\//, '')}-${i}:1` : `${repo}-${i}:1`;
    const step = i === 3 ? 'sleep 0.3 && exit 7' : `sleep 0.3 && echo ${i} > /n`;
    lines.push(`export const image${i} = from('${BASE}').run('${step}').$meta({ name: 'image${i}', tags: ['${tag}'] });`);
  }
  return lines.join('\n') + '\n';
}

afterAll(async () => {
  if (testEngine.available) await removeImages('dockwright-e2e/');
});

describeWithEngine('faults', () => {
  test('one failure among eight in parallel: --keep-going builds and tags the other seven', async () => {
    const repo = uniqueRepo('eight');
    const result = await dockwright(['build', '--builder', 'classic', '--progress', 'plain', '--parallel', '8'], project({ 'dockwright.ts': eight(repo) }));
    expect(result.code).toBe(1);
    for (let i = 0; i < 8; i++) expect(await imageExists(`${repo}-${i}:1`), `image ${i}`).toBe(i !== 3);
    expect(result.stdout).toMatch(/^image3\s.*\sfailed$/m);
  }, 60_000);

  test('--fail-fast cancels the builds in flight and pushes nothing', async () => {
    const repo = uniqueRepo('failfast');
    const result = await dockwright(
      ['build', '--builder', 'classic', '--progress', 'plain', '--parallel', '8', '--fail-fast', '--push'],
      project({ 'dockwright.ts': eight(repo, testEngine.registry) }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^image3\s.*\sfailed$/m);
    expect(result.stdout).toMatch(/\scancelled$/m);
    expect(result.stdout).not.toMatch(/pushed$/m);
    const catalog = (await (await fetch(`http://${testEngine.registry}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories.filter((r) => r.includes(repo.replace(/^dockwright-e2e\//, '')))).toEqual([]);
  }, 60_000);

  test('a registry that does not answer: a clear error per tag, exit 1, the local image untouched', async () => {
    await pushFailsPerTag('127.0.0.1:5999', 'noregistry', (tag) => new RegExp(`error: push ${escape(tag)}: .*(refused|connect)`, 'i'));
  }, 60_000);
});

describeWithEngine('a registry that refuses', () => {
  test('a read-only registry: the push of each tag fails in its words, exit 1, the local image untouched', async () => {
    // A registry of its own in maintenance mode: it answers, and refuses every write.
    const root = mkdtempSync(join(tmpdir(), 'dockwright-readonly-registry-'));
    const address = '127.0.0.1:5998';
    const config = join(root, 'registry.yml');
    writeFileSync(
      config,
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${root}/data\n  maintenance:\n    readonly:\n      enabled: true\nhttp:\n  addr: ${address}\n`,
    );
    const registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    try {
      for (
        let i = 0;
        i < 100 &&
        !(await fetch(`http://${address}/v2/`).then(
          (r) => r.ok,
          () => false,
        ));
        i++
      )
        await new Promise((r) => setTimeout(r, 100));
      await pushFailsPerTag(
        address,
        'readonly',
        (tag) => new RegExp(`error: push ${escape(tag)}: the registry ${escape(address)} answered HTTP 405, it takes no pushes`),
      );
    } finally {
      registry.kill();
    }
  }, 60_000);
});

const escape = (text: string): string => text.replace(/[.:/]/g, '\\$&');

/** Builds an image with two tags on `registry`, pushes: exit 1, each tag's error as `expected` says, the local image untouched. */
async function pushFailsPerTag(registry: string, name: string, expected: (tag: string) => RegExp): Promise<void> {
  const repo = uniqueRepo(name).replace(/^dockwright-e2e\//, '');
  const tags = [`${registry}/${repo}:1`, `${registry}/${repo}:2`];
  const dir = project({
    'dockwright.ts': `import { from } from 'dockwright';\nexport const app = from('${BASE}').run('true').$meta({ name: 'app', tags: ${JSON.stringify(tags)} });\n`,
  });
  expect((await dockwright(['build', '--builder', 'classic', '--progress', 'plain'], dir)).code).toBe(0);
  const before = await docker().getImage(tags[0]!).inspect();
  const result = await dockwright(['push'], dir);
  expect(result.code).toBe(1);
  for (const tag of tags) expect(result.stderr).toMatch(expected(tag));
  expect((await docker().getImage(tags[0]!).inspect()).Id).toBe(before.Id);
  await removeImages(`${registry}/${repo}`);
}

describe('definitions that misbehave: exit 2 with the user file and line', () => {
  test('exports something that is not an image', async () => {
    const result = await cli(['synth'], project({ 'dockwright.ts': `export const config = { port: 8080 };\nexport default 'alpine';\n` }));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('dockwright.ts exports no image');
  });
});

describeWithEngine('load', () => {
  test('fifty images with --parallel 4: all build, the CLI stays under 200 MB, no connection is left open', async () => {
    const repo = uniqueRepo('load');
    const lines = [`import { from } from 'dockwright';`];
    for (let i = 0; i < 50; i++)
      lines.push(`export const image${i} = from('${BASE}').run('echo ${i} > /n').$meta({ name: 'image${i}', tags: ['${repo}-${i}:1'] });`);
    const dir = project({ 'dockwright.ts': lines.join('\n') + '\n' });
    // The CLI in a process of its own, reporting its peak memory and what it still holds at the end.
    const cli = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'dist', 'index.js');
    const script = `
      const sockets = () => process.getActiveResourcesInfo().filter((r) => /TCP|Pipe|HTTP/i.test(r));
      process.stdout.write(''); // the process's own pipes, opened before the count
      process.stderr.write('');
      const before = sockets().length;
      const { run } = await import(${JSON.stringify(cli)});
      const code = await run(['build', '--builder', 'classic', '--progress', 'plain', '--parallel', '4'], {
        cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: { write() {} },
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const open = sockets().slice(before); // engine connections still open
      console.log(JSON.stringify({ code, maxRssMb: process.resourceUsage().maxRSS / 1024, open }));
    `;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, DOCKER_HOST: testEngine.host, HOME: dir },
      encoding: 'utf8',
    });
    const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as { code: number; maxRssMb: number; open: string[] };
    expect(result.stdout.match(/\sbuilt$/gm)?.length).toBe(50);
    expect(report.code).toBe(0);
    expect(report.maxRssMb).toBeLessThan(200);
    expect(report.open).toEqual([]);
    console.log(`load: 50 images, --parallel 4: peak RSS ${report.maxRssMb.toFixed(0)} MB, open connections at exit: ${report.open.length}`);
  }, 180_000);
});

describeWithEngine('the engine stops in the middle of a build', () => {
  test('every run ends: those in flight failed, the others never started; exit 1; no hang', async () => {
    // An engine of its own, so stopping it disturbs no other test.
    const root = mkdtempSync(join(tmpdir(), 'dockwright-fault-engine-'));
    const script = join(import.meta.dirname, '..', '..', 'scripts', 'test-env.sh');
    execFileSync('bash', [script, 'start'], { env: { ...process.env, DOCKWRIGHT_TEST_ROOT: root }, stdio: 'ignore' });
    const host = `unix://${join(root, 'docker.sock')}`;
    try {
      const repo = uniqueRepo('enginedies');
      const lines = [`import { from } from 'dockwright';`];
      for (let i = 0; i < 4; i++)
        lines.push(`export const image${i} = from('${BASE}').run('echo started && sleep 20').$meta({ name: 'image${i}', tags: ['${repo}-${i}:1'] });`);
      const dir = project({ 'dockwright.ts': lines.join('\n') + '\n' });
      const bin = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'dist', 'bin.cjs');
      const child = spawn(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain', '--parallel', '2'], {
        cwd: dir,
        env: { PATH: process.env.PATH, DOCKER_HOST: host, HOME: dir },
      });
      let stdout = '';
      let stderr = '';
      let stopped = false;
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (!stopped && stderr.includes('| started')) {
          stopped = true;
          process.kill(Number(readFileSync(join(root, 'dockerd.pid'), 'utf8')), 'SIGKILL');
        }
      });
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(code).toBe(1);
      // The summary table: two were building when the engine died, two never reached it.
      const statuses = [...stdout.matchAll(/^image(\d)\s+\S+\s+-\s+-\s+-\s+-\s+(.+)$/gm)].map((m) => `image${m[1]} ${m[2]}`);
      const gone = `skipped: the engine at ${host} stopped answering`;
      expect(statuses).toHaveLength(4);
      expect(statuses.filter((s) => s.endsWith(' failed'))).toHaveLength(2);
      expect(statuses.filter((s) => s.includes(gone))).toHaveLength(2);
      // The two in flight say what happened, each under its name.
      expect(stderr.match(/^error: image\d: The engine closed the connection in the middle of the build \(.+\): did it stop\?$/gm)).toHaveLength(2);
    } finally {
      execFileSync('bash', [script, 'stop'], { env: { ...process.env, DOCKWRIGHT_TEST_ROOT: root }, stdio: 'ignore' });
      // The killed engine's containerd and shims outlive it: end everything that lives in its folder.
      try {
        execFileSync('pkill', ['-9', '-f', root], { stdio: 'ignore' });
      } catch {
        // nothing left
      }
    }
  }, 120_000);
});
