import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { project } from '../../packages/cli/test/helpers.js';
import { describeWithEngine, dockwright, removeImages, runImage, testEngine, uniqueRepo } from './engine-helpers.js';

const DEFINITIONS = `import { from } from 'dockwright';\nexport const a = from('alpine');\n`;

afterAll(async () => {
  if (testEngine.available) await removeImages('dockwright-e2e/');
});

describe('an address that answers, but not as a Docker Engine', () => {
  test('says what answered, exit 2 (it used to say "Cannot read properties of undefined")', async () => {
    const dir = project({ 'dockwright.ts': DEFINITIONS });
    const socket = join(dir, 'web.sock');
    const server = createHttpServer((request, response) => {
      response.writeHead(request.url?.endsWith('/_ping') ? 200 : 404, { 'Content-Type': 'text/html' });
      response.end('<html>hello from a web server</html>');
    }).listen(socket);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const result = await dockwright(['engine'], dir, { DOCKER_HOST: `unix://${socket}` });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `The server at unix://${socket} (DOCKER_HOST) answered, but it is not a Docker Engine: GET /_ping answered "<html>hello from a web server</html>" without an Api-Version header.`,
      );
      expect(result.stderr).not.toContain('Cannot read properties');
    } finally {
      server.close();
    }
  });
});

describeWithEngine('engine addresses read as the docker CLI reads them', () => {
  test('unix://relative.sock is a socket in the working folder, never TCP', async () => {
    const dir = project({ 'dockwright.ts': DEFINITIONS });
    symlinkSync(testEngine.host!.replace(/^unix:\/\//, ''), join(dir, 'engine.sock'));
    const result = await dockwright(['engine', '--json'], dir, { DOCKER_HOST: 'unix://engine.sock' });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ endpoint: 'unix://engine.sock', source: 'DOCKER_HOST' });
    // `host:port` with nothing listening: tcp, refused, named.
    const refused = await dockwright(['engine'], dir, { DOCKER_HOST: '127.0.0.1:1' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('No Docker Engine answered at tcp://127.0.0.1:1 (DOCKER_HOST): connect ECONNREFUSED');
  });

  test('ssh:// goes through the ssh command and `docker system dial-stdio`, as the docker CLI does, with no Node warning', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dockwright-sshd-'));
    const sshd = await startSshd(root, testEngine.host!);
    try {
      const repo = uniqueRepo('over-ssh');
      const dir = project({
        'msg.txt': 'over ssh\n',
        'dockwright.ts': `import { from } from 'dockwright';\nexport const app = from('${testEngine.image}').copy('msg.txt', '/msg.txt').$meta({ name: 'app', tags: ['${repo}:1'] });\n`,
      });
      const env = { DOCKER_HOST: `ssh://root@127.0.0.1:${sshd.port}`, PATH: `${sshd.bin}:${process.env.PATH}` };
      // A real process, so that a warning of Node's would show on its stderr.
      const bin = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'dist', 'bin.cjs');
      const engine = spawnSync(process.execPath, [bin, 'engine'], { cwd: dir, env: { ...env, HOME: dir }, encoding: 'utf8', timeout: 30_000 });
      expect(engine.status, engine.stderr).toBe(0);
      expect(engine.stdout).toMatch(/ssh:\/\/root@127\.0\.0\.1:\d+/);
      expect(engine.stderr).toBe('');
      const built = await dockwright(['build', '--builder', 'classic', '--progress', 'plain'], dir, env);
      expect(built.code, built.stderr).toBe(0);
      expect(await runImage(`${repo}:1`, ['cat', '/msg.txt'])).toBe('over ssh\n');
    } finally {
      sshd.process.kill();
    }
  }, 60_000);
});

/**
 * An sshd of the test's own on a free port, whose only command relays to the test engine
 * (`docker system dial-stdio`), and an `ssh` on PATH that knows its key and trusts its host key.
 */
async function startSshd(root: string, engineHost: string): Promise<{ port: number; bin: string; process: ChildProcess }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(root, 'client_key')]);
  execFileSync('cp', [join(root, 'client_key.pub'), join(root, 'authorized_keys')]);
  mkdirSync('/run/sshd', { recursive: true });
  const docker = execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim();
  writeFileSync(
    join(root, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(root, 'host_key')}`,
      `AuthorizedKeysFile ${join(root, 'authorized_keys')}`,
      `PidFile ${join(root, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `ForceCommand env DOCKER_HOST=${engineHost} ${docker} system dial-stdio`,
    ].join('\n') + '\n',
  );
  const process = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(root, 'sshd_config')], { stdio: 'ignore' });
  const bin = join(root, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(root, 'ssh_config'),
    [
      'Host *',
      `  IdentityFile ${join(root, 'client_key')}`,
      '  IdentitiesOnly yes',
      '  StrictHostKeyChecking no',
      '  UserKnownHostsFile /dev/null',
      '  LogLevel ERROR',
      '  BatchMode yes',
    ].join('\n') + '\n',
  );
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F ${join(root, 'ssh_config')} "$@"\n`);
  chmodSync(join(bin, 'ssh'), 0o755);
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { port, bin, process };
}
