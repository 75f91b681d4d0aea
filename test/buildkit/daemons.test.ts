import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { project } from '../../packages/cli/test/helpers.js';
import { dockwright, removeImages, runImage, testEngine } from '../engine/engine-helpers.js';
import { describeWithBuildkit, freePort, makeCertificates, startBuildkitd, testBuildkit } from './buildkit-helpers.js';

const BASE = testBuildkit.base;
const plain = ['--progress', 'plain'];

afterAll(async () => {
  if (testBuildkit.available) await removeImages('dockwright-bk-engine/');
});

describeWithBuildkit('where BuildKit runs', () => {
  test("the Docker Engine's own BuildKit through POST /grpc: images land in the engine, dependencies included", async () => {
    const repo = `dockwright-bk-engine/app-${randomBytes(4).toString('hex')}`;
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const base = from('${testEngine.image}').run('echo engine base > /base.txt').$meta({ name: 'base', tags: ['${repo}-base:1'] });
export const app = from(base).cmd(['cat', '/base.txt']).$meta({ name: 'app', tags: ['${repo}:1'] });
`,
    });
    const info = await dockwright(['engine', '--builder', 'docker://'], dir);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/^builder\s+BuildKit/m);
    expect(info.stdout).toMatch(/^worker \S+\s+.*linux\/amd64/m);
    const result = await dockwright(['build', '--builder', 'docker://', '--network', 'none', ...plain], dir);
    expect(result.code, result.stderr).toBe(0);
    expect(await runImage(`${repo}:1`)).toBe('engine base\n');
  }, 120_000);

  test('tcp with mTLS: certificates made here; without a client certificate the daemon refuses, in words', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'bk-certs-'));
    const made = makeCertificates(certs);
    const daemon = await startBuildkitd({ tcpPort: await freePort(), tls: { ca: made.ca, cert: made.serverCert, key: made.serverKey } });
    try {
      const dir = project({
        'dockwright.ts': `import { from } from 'dockwright';
export const app = from('${BASE}').run('echo over tls > /msg').$meta({ name: 'app', tags: ['app:1'] });
`,
      });
      const tls = ['--tlscacert', made.ca, '--tlscert', made.clientCert, '--tlskey', made.clientKey, '--tlsservername', 'buildkitd.test'];
      const info = await dockwright(['engine', '--builder', daemon.address, ...tls], dir);
      expect(info.code, info.stderr).toBe(0);
      expect(info.stdout).toContain(`${daemon.address} (--builder)`);
      const built = await dockwright(['build', '--builder', daemon.address, ...tls, ...plain], dir);
      expect(built.code, built.stderr).toBe(0);
      expect(built.stderr).toContain('RUN echo over tls > /msg');

      // BUILDKIT_HOST names it as well as --builder does.
      const fromEnv = await dockwright(['engine', ...tls], dir, { BUILDKIT_HOST: daemon.address });
      expect(fromEnv.stdout).toContain(`${daemon.address} (BUILDKIT_HOST)`);

      const noClientCert = await dockwright(['engine', '--builder', daemon.address, '--tlscacert', made.ca, '--tlsservername', 'buildkitd.test'], dir);
      expect(noClientCert.code).toBe(2);
      expect(noClientCert.stderr).toContain(`No BuildKit daemon answered at ${daemon.address} (--builder)`);
      const wrongCa = await dockwright(
        ['engine', '--builder', daemon.address, '--tlscacert', made.clientCert, '--tlscert', made.clientCert, '--tlskey', made.clientKey],
        dir,
      );
      expect(wrongCa.code).toBe(2);
      expect(wrongCa.stderr).toMatch(/certificate/i);
    } finally {
      await daemon.stop();
      rmSync(certs, { recursive: true, force: true });
    }
  }, 180_000);

  test('no daemon at the address: exit 2, naming the address and where it came from', async () => {
    const dir = project({ 'dockwright.ts': `import { from } from 'dockwright';\nexport const app = from('${BASE}').$meta({ name: 'app' });\n` });
    const result = await dockwright(['build', ...plain], dir, { BUILDKIT_HOST: 'unix:///nowhere/buildkitd.sock' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('No BuildKit daemon answered at unix:///nowhere/buildkitd.sock (BUILDKIT_HOST): connect ENOENT');
    const scheme = await dockwright(['build', '--builder', 'kube-pod://buildkitd-0', ...plain], dir);
    expect(scheme.code).toBe(2);
    expect(scheme.stderr).toContain('kubectl port-forward');
  }, 60_000);

  test('a daemon killed mid-build: the build in flight fails in words, the rest are skipped, exit 1, no hang', async () => {
    const daemon = await startBuildkitd();
    try {
      const dir = project({
        'dockwright.ts': `import { from } from 'dockwright';
export const slow = from('${BASE}').run('echo started && sleep 60').$meta({ name: 'slow', tags: ['slow:1'] });
export const after = from(slow).run('echo never').$meta({ name: 'after', tags: ['after:1'] });
`,
      });
      const running = dockwright(['build', '--builder', daemon.address, ...plain], dir);
      // Kill it while the slow step runs.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      daemon.kill();
      const result = await running;
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`slow: the BuildKit daemon at ${daemon.address.replace(/[/.]/g, '\\$&')} closed the connection in the middle of the build .*did it stop\\?`),
      );
      expect(result.stdout).toMatch(/^after\s.*skipped/m);
    } finally {
      await daemon.stop();
    }
  }, 120_000);

  test('--timeout cancels the solve on the daemon, and the next build runs', async () => {
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const slow = from('${BASE}').run('sleep 30 # ${randomBytes(4).toString('hex')}').$meta({ name: 'slow', tags: ['slow:1'] });
`,
    });
    const result = await dockwright(['build', '--builder', testBuildkit.host!, '--timeout', '3s', ...plain], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('did not finish in the time allowed (--timeout)');
    const next = project({
      'dockwright.ts': `import { from } from 'dockwright';\nexport const quick = from('${BASE}').run('echo quick').$meta({ name: 'quick' });\n`,
    });
    expect((await dockwright(['build', '--builder', testBuildkit.host!, ...plain], next)).code).toBe(0);
  }, 60_000);

  test('what the daemon cannot do is refused before anything is sent (exit 1); a cache two images would share, as a usage error (exit 2)', async () => {
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const a = from('${BASE}').$meta({ name: 'a' });
export const b = from('${BASE}').$meta({ name: 'b' });
`,
    });
    const local = await dockwright(['build', '--builder', testBuildkit.host!, '--cache-to', 'type=local,dest=cache/{name}', ...plain], dir);
    expect(local.code).toBe(1);
    expect(local.stderr).toContain("a type=local cache passes through the client's content store");
    const shared = await dockwright(
      ['build', '--builder', testBuildkit.host!, '--cache-to', `type=registry,ref=${testBuildkit.registry}/c:one`, ...plain],
      dir,
    );
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain('is written by 2 images (a, b)');
    expect(shared.stderr).toContain('{name}');
    const engine = await dockwright(['build', '--builder', 'classic', '--cache-to', `type=registry,ref=${testBuildkit.registry}/c:{name}`, ...plain], dir);
    expect(engine.code).toBe(1);
    expect(engine.stderr).toContain("the Docker Engine's builders write no registry cache");
    const platforms = await dockwright(['build', '--builder', 'classic', '--platform', 'linux/amd64,linux/386', ...plain], dir);
    expect(platforms.code).toBe(1);
    expect(platforms.stderr).toContain('builds one platform at a time');
  }, 60_000);
});
