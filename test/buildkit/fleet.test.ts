import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { project } from '../../packages/cli/test/helpers.js';
import { dockwright } from '../engine/engine-helpers.js';
import { describeWithBuildkit, registryManifest, startBuildkitd, testBuildkit, type Daemon } from './buildkit-helpers.js';

const BASE = testBuildkit.base;
const plain = ['--progress', 'plain'];

/** The rows of the summary: image -> its columns (CACHED, NODE, STATUS are the last three). */
function summary(stdout: string): Map<string, { cached: string; node: string; status: string }> {
  const rows = new Map<string, { cached: string; node: string; status: string }>();
  for (const line of stdout.split('\n').slice(1)) {
    const cells = line.split(/\s{2,}/);
    if (cells.length < 8) continue;
    rows.set(cells[0]!, { cached: cells[5]!, node: cells[6]!, status: cells.slice(7).join('  ') });
  }
  return rows;
}

/** A family of twelve: a base and eleven images on it, tagged in the test registry. */
function family(repo: string, step = 'true'): string {
  const lines = [
    `import { from } from 'dockwright';`,
    `export const base = from('${BASE}').run('echo ${randomBytes(4).toString('hex')} > /base').$meta({ name: 'base', tags: ['${repo}/base:1'] });`,
  ];
  for (let i = 1; i <= 11; i++)
    lines.push(`export const app${i} = from(base).run('echo ${i} > /id && ${step}').$meta({ name: 'app${i}', tags: ['${repo}/app${i}:1'] });`);
  return lines.join('\n') + '\n';
}

describeWithBuildkit('a fleet of BuildKit nodes', () => {
  const daemons: Daemon[] = [];
  beforeAll(async () => {
    // The test-env daemon and two fresh ones of the test's own.
    daemons.push(await startBuildkitd(), await startBuildkitd());
  }, 120_000);
  afterAll(async () => {
    await Promise.all(daemons.map((d) => d.stop()));
  }, 120_000);
  const fleet = (): string[] => [testBuildkit.host!, ...daemons.map((d) => d.address)].flatMap((address) => ['--builder', address]);

  test("twelve images spread over three nodes, every dependent on this run's base; a second run finds each image cached on its node", async () => {
    const repo = `${testBuildkit.registry}/dockwright-fleet/family-${randomBytes(4).toString('hex')}`;
    const dir = project({ 'dockwright.ts': family(repo) });
    // --parallel 8: no node is ever full, so every image goes to its own node.
    const first = await dockwright(['build', ...fleet(), '--push', '--parallel', '8', ...plain], dir);
    expect(first.code, first.stderr).toBe(0);
    const rows = summary(first.stdout);
    expect(rows.size).toBe(12);
    expect(new Set([...rows.values()].map((r) => r.node)).size).toBeGreaterThan(1);
    const path = (tag: string): [string, string] => [tag.slice(testBuildkit.registry.length + 1).split(':')[0]!, '1'];
    const base = await registryManifest(...path(`${repo}/base:1`));
    const baseLayers = (base!.json.layers as { digest: string }[]).map((l) => l.digest);
    for (let i = 1; i <= 11; i++) {
      const app = await registryManifest(...path(`${repo}/app${i}:1`));
      expect((app!.json.layers as { digest: string }[]).slice(0, baseLayers.length).map((l) => l.digest)).toEqual(baseLayers);
    }

    const second = await dockwright(['build', ...fleet(), '--push', '--force', '--parallel', '8', ...plain], dir);
    expect(second.code, second.stderr).toBe(0);
    for (const [name, row] of summary(second.stdout)) {
      expect(row.node, name).toBe(rows.get(name)!.node);
      const [cached, steps] = row.cached.split('/');
      expect(cached, `${name}: ${row.cached}`).toBe(name === 'base' ? String(Number(steps) - 1) : steps); // the base's FROM is resolved, not cached
    }
  }, 240_000);

  test('a node killed mid-run: its images are built again on the others, the run ends 0, the summary says what moved', async () => {
    const victim = await startBuildkitd();
    try {
      const repo = `${testBuildkit.registry}/dockwright-fleet/lost-${randomBytes(4).toString('hex')}`;
      const dir = project({ 'dockwright.ts': family(repo, 'sleep 6') });
      const running = dockwright(['build', '--builder', testBuildkit.host!, '--builder', victim.address, '--parallel', '8', ...plain], dir);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      victim.kill();
      const result = await running;
      expect(result.code, result.stderr).toBe(0);
      const rows = summary(result.stdout);
      const moved = [...rows.entries()].filter(([, row]) => row.status.includes(`moved (${victim.address} went down)`));
      expect(moved.length).toBeGreaterThan(0);
      for (const [, row] of moved) expect(row.node).toBe(testBuildkit.host);
      expect(result.stderr).toContain(`${victim.address} went down in the middle of the build: building it again on another node`);
    } finally {
      await victim.stop();
    }
  }, 240_000);

  test('a node that stops answering mid-run (SIGSTOP): found by the watchdog, marked down, its images built on the others', async () => {
    const frozen = await startBuildkitd();
    try {
      const repo = `${testBuildkit.registry}/dockwright-fleet/frozen-${randomBytes(4).toString('hex')}`;
      const dir = project({ 'dockwright.ts': family(repo, 'sleep 4') });
      const running = dockwright(['build', '--builder', testBuildkit.host!, '--builder', frozen.address, '--parallel', '8', ...plain], dir);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      frozen.process.kill('SIGSTOP');
      const result = await running;
      expect(result.code, result.stderr).toBe(0);
      const moved = [...summary(result.stdout).values()].filter((row) => row.status.includes(`moved (${frozen.address} went down)`));
      expect(moved.length).toBeGreaterThan(0);
      for (const row of moved) expect(row.node).toBe(testBuildkit.host);
    } finally {
      frozen.process.kill('SIGCONT');
      await frozen.stop();
    }
  }, 240_000);

  test('a node that never answers is reported at the start and left out', async () => {
    const dir = project({ 'dockwright.ts': `import { from } from 'dockwright';\nexport const app = from('${BASE}').run('echo ok').$meta({ name: 'app' });\n` });
    const result = await dockwright(['build', '--builder', 'unix:///nowhere/buildkitd.sock', '--builder', testBuildkit.host!, ...plain], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('warning: unix:///nowhere/buildkitd.sock left out: No BuildKit daemon answered');
    expect(summary(result.stdout).get('app')?.node).toBe(testBuildkit.host);
    const listed = await dockwright(['engine', '--json'], dir, { BUILDKIT_HOST: `unix:///nowhere/buildkitd.sock,${testBuildkit.host}` });
    const nodes = (JSON.parse(listed.stdout) as { kind: string; nodes: { up: boolean }[] }).nodes;
    expect(nodes.map((n) => n.up)).toEqual([false, true]);
  }, 120_000);

  test('two platforms: each built on its own node, pushed by digest; the index put together and pushed under every tag; then up to date', async () => {
    const repo = `${testBuildkit.registry}/dockwright-fleet/multi-${randomBytes(4).toString('hex')}`;
    const dir = project({
      'msg.txt': 'one file, two platforms\n',
      'dockwright.ts': `import { from } from 'dockwright';
export const app = from('scratch').copy('msg.txt', '/msg.txt').$meta({ name: 'app', tags: ['${repo}/app:1', '${repo}/also:1'] });
`,
    });
    const two = ['--builder', testBuildkit.host!, '--builder', daemons[0]!.address, '--platform', 'linux/amd64,linux/386', '--push', ...plain];
    const result = await dockwright(['build', ...two], dir);
    expect(result.code, result.stderr).toBe(0);
    const row = summary(result.stdout).get('app')!;
    expect(row.node.split(',').sort()).toEqual([testBuildkit.host!, daemons[0]!.address].sort());
    for (const name of ['app', 'also']) {
      const index = await registryManifest(`${repo.slice(testBuildkit.registry.length + 1)}/${name}`, '1');
      expect(index?.json.mediaType).toBe('application/vnd.oci.image.index.v1+json');
      const platforms = (index!.json.manifests as { platform: { os: string; architecture: string } }[]).map(
        (m) => `${m.platform.os}/${m.platform.architecture}`,
      );
      expect(platforms.sort()).toEqual(['linux/386', 'linux/amd64']);
    }
    const again = await dockwright(['build', ...two], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(summary(again.stdout).get('app')?.status).toBe('up to date');
  }, 120_000);

  test('an image others build on needs a tag in a registry: refused before anything builds', async () => {
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const base = from('${BASE}').$meta({ name: 'base', tags: ['local-base:1'] });
export const app = from(base).run('true').$meta({ name: 'app' });
`,
    });
    const result = await dockwright(['build', ...fleet(), ...plain], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('base: images of the run build on it, and on a fleet they go from node to node through a registry by digest');
  }, 60_000);
});
