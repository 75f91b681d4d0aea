import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe } from 'vitest';
import { testEngine } from '../engine/engine-helpers.js';

/**
 * The real BuildKit daemon that scripts/test-env.sh starts (never a mock), beside the test
 * engine and its registry; tests that need more daemons (a fresh one, one on tcp with mTLS, one
 * to kill) start their own with `startBuildkitd`.
 */
export const testBuildkit = {
  host: process.env.DOCKWRIGHT_TEST_BUILDKIT,
  registry: testEngine.registry,
  /** The busybox base, in the registry (BuildKit pulls its bases from there). */
  base: `${testEngine.registry}/${testEngine.image}`,
  available: Boolean(process.env.DOCKWRIGHT_TEST_BUILDKIT && testEngine.available),
};

/** `describe` for tests that need buildkitd: skipped with a message on a developer's machine, failing under CI=true. */
export function describeWithBuildkit(name: string, body: () => void): void {
  if (!testBuildkit.available && !process.env.CI) {
    describe.skip(`${name} (no test BuildKit daemon: run through \`pnpm test\` as root, or source scripts/test-env.sh start)`, body);
    return;
  }
  describe(name, () => {
    beforeAll(() => {
      if (!testBuildkit.available) throw new Error('CI=true but no test BuildKit daemon: DOCKWRIGHT_TEST_BUILDKIT is set by scripts/test-env.sh');
    });
    body();
  });
}

export interface Daemon {
  /** `unix:///…/buildkitd.sock` or `tcp://127.0.0.1:port`. */
  readonly address: string;
  readonly process: ChildProcess;
  /** SIGKILL, as a machine that dies. */
  kill(): void;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/**
 * Starts a buildkitd of its own (its own root: a fresh daemon with an empty cache), trusting the
 * test registry; on tcp with the given certificates when `tls` is set. Resolves once it answers.
 */
export async function startBuildkitd(options: { tcpPort?: number; tls?: { ca: string; cert: string; key: string } } = {}): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'buildkitd-'));
  writeFileSync(join(dir, 'buildkitd.toml'), `[registry."${testBuildkit.registry}"]\n  http = true\n  insecure = true\n`);
  const address = options.tcpPort ? `tcp://127.0.0.1:${options.tcpPort}` : `unix://${join(dir, 'buildkitd.sock')}`;
  // Each its own trace socket: daemons that share the default one race for it as they start.
  const args = [
    '--root',
    join(dir, 'root'),
    '--addr',
    address,
    '--otel-socket-path',
    join(dir, 'otel.sock'),
    '--oci-worker-net',
    'host',
    '--containerd-worker=false',
    '--config',
    join(dir, 'buildkitd.toml'),
  ];
  if (options.tls) args.push('--tlscacert', options.tls.ca, '--tlscert', options.tls.cert, '--tlskey', options.tls.key);
  const child = spawn('buildkitd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-4000)));
  const ready = /running server on|running server/;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`buildkitd did not start within 60 s:\n${log}`)), 60_000);
    const check = (): void => {
      if (ready.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`buildkitd exited (${code}):\n${log}`));
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    address,
    process: child,
    kill: () => void child.kill('SIGKILL'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      await exited;
      cleanUpAfter(dir);
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/**
 * What a killed daemon leaves: the containers of the steps it was running (runc keeps them
 * alive) and their mounts. Kills and deletes the containers, then unmounts what is left under `dir`.
 */
function cleanUpAfter(dir: string): void {
  const runcRoot = join(dir, 'root', 'runc-overlayfs', 'executor');
  const listed = spawnSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' });
  for (const id of (listed.stdout ?? '').split('\n').filter(Boolean)) {
    spawnSync('runc', ['--root', runcRoot, 'kill', '--all', id, 'KILL']);
    spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id]);
  }
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((point) => point.startsWith(`${dir}/`));
  for (const point of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', point]);
}

/** A CA, a server certificate for 127.0.0.1 (named `buildkitd.test`), and a client certificate, made with openssl. */
export function makeCertificates(dir: string): { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string } {
  const run = (args: string[]): void => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=dockwright test CA', '-keyout', 'ca-key.pem', '-out', 'ca.pem']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:buildkitd.test,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${who}`, '-keyout', `${who}-key.pem`, '-out', `${who}.csr`]);
    run([
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${who}.ext`,
      '-out',
      `${who}.pem`,
    ]);
  }
  return {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server-key.pem'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client-key.pem'),
  };
}

/** A manifest or index from the test registry, or undefined when it has none. */
export async function registryManifest(repository: string, reference: string): Promise<{ digest: string; json: Record<string, unknown> } | undefined> {
  const response = await fetch(`http://${testBuildkit.registry}/v2/${repository}/manifests/${reference}`, {
    headers: {
      accept:
        'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`registry: HTTP ${response.status} for ${repository}:${reference}`);
  return { digest: response.headers.get('docker-content-digest')!, json: (await response.json()) as Record<string, unknown> };
}

/** A free tcp port on loopback. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
