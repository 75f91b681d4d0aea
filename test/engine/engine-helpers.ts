import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { beforeAll, describe } from 'vitest';

/**
 * The real Docker Engine that scripts/test-env.sh starts (never a mock): its socket, a busybox
 * base image imported under a test-only name, and a registry on 127.0.0.1:5000.
 */
export const testEngine = {
  host: process.env.DOCKER_HOST,
  image: process.env.DOCKWRIGHT_TEST_IMAGE ?? 'dockwright-test/busybox:1',
  registry: process.env.DOCKWRIGHT_TEST_REGISTRY ?? '127.0.0.1:5000',
  available: Boolean(process.env.DOCKER_HOST && process.env.DOCKWRIGHT_TEST_IMAGE),
};

/**
 * `describe` for tests that need the engine. Without one they skip, with a message, on a
 * developer's machine; under CI=true they fail.
 */
export function describeWithEngine(name: string, body: () => void): void {
  if (!testEngine.available && !process.env.CI) {
    describe.skip(`${name} (no test engine: run through \`pnpm test\` as root, or source scripts/test-env.sh start)`, body);
    return;
  }
  describe(name, () => {
    beforeAll(() => {
      if (!testEngine.available) {
        throw new Error('CI=true but no test engine: DOCKER_HOST and DOCKWRIGHT_TEST_IMAGE are set by scripts/test-env.sh');
      }
    });
    body();
  });
}

export function docker(): Docker {
  return new Docker({ socketPath: testEngine.host!.replace(/^unix:\/\//, '') });
}

/** A repository name no other test uses. */
export function uniqueRepo(label: string): string {
  return `dockwright-e2e/${label}-${randomBytes(4).toString('hex')}`;
}

/** Runs `image` (no network, never pulled) and returns what it printed. */
export async function runImage(image: string, cmd?: string[]): Promise<string> {
  const engine = docker();
  const container = await engine.createContainer({
    Image: image,
    ...(cmd ? { Cmd: cmd } : {}),
    HostConfig: { NetworkMode: 'none' },
  });
  try {
    await container.start();
    await container.wait();
    const logs = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
    return demux(logs);
  } finally {
    await container.remove({ force: true });
  }
}

/** The engine multiplexes stdout and stderr with 8-byte frame headers when there is no TTY. */
function demux(buffer: Buffer): string {
  let out = '';
  for (let i = 0; i + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(i + 4);
    out += buffer.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return out;
}

export async function imageExists(reference: string): Promise<boolean> {
  try {
    await docker().getImage(reference).inspect();
    return true;
  } catch {
    return false;
  }
}

export async function removeImages(prefix: string): Promise<void> {
  const engine = docker();
  for (const image of await engine.listImages()) {
    for (const tag of image.RepoTags ?? []) {
      if (tag.startsWith(prefix))
        await engine
          .getImage(tag)
          .remove({ force: true })
          .catch(() => undefined);
    }
  }
}

/** Where the CLI keeps its build records in these tests: outside every context folder. */
export const recordsHome = (): string => join(tmpdir(), 'dockwright-records');

/** The CLI in process, with the test engine in its environment (plus `env`). */
export async function dockwright(args: string[], cwd: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const { run } = await import('@dockwright/cli');
  const code = await run(args, {
    cwd,
    env: { DOCKER_HOST: testEngine.host, HOME: cwd, XDG_CACHE_HOME: recordsHome(), CI: 'true', ...env },
    stdout: { write: (t) => void (stdout += t) },
    stderr: { write: (t) => void (stderr += t) },
  });
  return { code, stdout, stderr };
}

/**
 * An ssh-agent of the test's own, holding one fresh key, at `<work>/agent.sock`; `fn` gets the
 * folder and the socket; the agent is stopped afterwards.
 */
export async function withSshAgent<T>(fn: (work: string, socket: string) => Promise<T>): Promise<T> {
  const { execFileSync, spawnSync } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const work = mkdtempSync(join(tmpdir(), 'dockwright-ssh-'));
  const socket = join(work, 'agent.sock');
  const agent = spawnSync('ssh-agent', ['-s', '-a', socket], { encoding: 'utf8' });
  const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1]);
  try {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(work, 'key')]);
    execFileSync('ssh-add', [join(work, 'key')], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
    rmSync(join(work, 'key'));
    return await fn(work, socket);
  } finally {
    if (pid) process.kill(pid);
    rmSync(work, { recursive: true, force: true });
  }
}
