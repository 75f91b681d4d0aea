import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import Docker from 'dockerode';
import { buildError } from './errors.js';

/** How to reach the engine, resolved the way the docker CLI does. */
export interface EngineEndpoint {
  /** `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host` */
  readonly host: string;
  /** Where the setting came from: `DOCKER_HOST`, `context <name>`, or `default`. */
  readonly source: string;
  readonly options: Docker.DockerOptions;
}

export interface EngineConnection {
  readonly docker: Docker;
  readonly endpoint: EngineEndpoint;
}

export interface EngineInfo {
  readonly endpoint: string;
  readonly source: string;
  readonly version: string;
  readonly apiVersion: string;
  readonly os: string;
  readonly arch: string;
  /** The engine's default builder from `GET /_ping` (`Builder-Version`): `2` is BuildKit. */
  readonly builderVersion: string | undefined;
  /** Whether BuildKit builds (`POST /build?version=2`) are possible: API 1.39 (Docker 18.09) and later. */
  readonly buildkit: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Finds the engine like the docker CLI: `DOCKER_HOST` (with `DOCKER_TLS_VERIFY` and
 * `DOCKER_CERT_PATH` for tcp), else `DOCKER_CONTEXT` or the config's `currentContext`, else the
 * local socket.
 */
export function resolveEndpoint(env: Env, home: string): EngineEndpoint {
  const configDir = env.DOCKER_CONFIG ?? join(home, '.docker');
  if (env.DOCKER_HOST) {
    const certPath = env.DOCKER_CERT_PATH ?? configDir;
    const tls = Boolean(env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0');
    return { host: env.DOCKER_HOST, source: 'DOCKER_HOST', options: optionsFor(env.DOCKER_HOST, tls ? tlsFiles(certPath) : undefined) };
  }
  const context = env.DOCKER_CONTEXT ?? currentContext(configDir);
  if (context && context !== 'default') {
    const id = createHash('sha256').update(context).digest('hex');
    const metaFile = join(configDir, 'contexts', 'meta', id, 'meta.json');
    if (!existsSync(metaFile)) throw buildError('engine.config', `Docker context "${context}" not found (no ${metaFile}).`);
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
    const host = meta.Endpoints?.docker?.Host;
    if (!host) throw buildError('engine.config', `Docker context "${context}" has no docker endpoint.`);
    const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
    return { host, source: `context ${context}`, options: optionsFor(host, existsSync(tlsDir) ? tlsFiles(tlsDir) : undefined) };
  }
  const host = 'unix:///var/run/docker.sock';
  return { host, source: 'default', options: optionsFor(host, undefined) };
}

export function connect(endpoint: EngineEndpoint): EngineConnection {
  return { docker: new Docker(endpoint.options), endpoint };
}

/**
 * Asks the engine what it is, within `timeoutMs`: a dead or absent engine is reported at once,
 * naming the address and how to point dockwright elsewhere.
 */
export async function inspectEngine(connection: EngineConnection, timeoutMs = 2000): Promise<EngineInfo> {
  const { docker, endpoint } = connection;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const ping = await dialStream(docker, '/_ping', signal);
    const builderVersion = header(ping, 'builder-version');
    ping.resume();
    const version = await Promise.race([docker.version(), rejectOnAbort(signal)]);
    return {
      endpoint: endpoint.host,
      source: endpoint.source,
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: version.Os,
      arch: version.Arch,
      builderVersion,
      buildkit: compareApi(version.ApiVersion, '1.39') >= 0,
    };
  } catch (error) {
    throw unreachable(endpoint, signal.aborted ? new Error(`no answer within ${timeoutMs / 1000} s`, { cause: error }) : error);
  }
}

export function unreachable(endpoint: EngineEndpoint, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return buildError(
    'engine.unreachable',
    `No Docker Engine answered at ${endpoint.host} (${endpoint.source}): ${reason}. ` +
      'Start the engine, or point dockwright at another one with DOCKER_HOST or DOCKER_CONTEXT.',
    cause,
  );
}

/** Node's errors for a connection the engine no longer takes (a unix socket that is gone: ENOENT). */
const NO_ENGINE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Why nothing more can be built, when `error` says the engine refused a new connection; else undefined. */
export function engineGone(error: unknown, endpoint: EngineEndpoint): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const { code, syscall } = cause as Error & { code?: unknown; syscall?: unknown };
    if (syscall === 'connect' && typeof code === 'string' && NO_ENGINE_CODES.has(code)) return `the engine at ${endpoint.host} stopped answering (${code})`;
  }
  return undefined;
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

/** GET `path` and hand back the raw response, headers included (dockerode's ping drops them). */
function dialStream(docker: Docker, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path, method: 'GET', isStream: true, statusCodes: { 200: true, 500: 'server error' }, abortSignal: signal } as never,
      (error: unknown, response: unknown) => (error ? reject(error) : resolve(response as IncomingMessage)),
    );
  });
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function currentContext(configDir: string): string | undefined {
  const file = join(configDir, 'config.json');
  if (!existsSync(file)) return undefined;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { currentContext?: string }).currentContext;
  } catch {
    return undefined;
  }
}

interface TlsFiles {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function tlsFiles(dir: string): TlsFiles {
  const read = (name: string): Buffer => {
    const file = join(dir, name);
    if (!existsSync(file)) throw buildError('engine.config', `TLS is on but ${file} is missing (DOCKER_CERT_PATH).`);
    return readFileSync(file);
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

/** dockerode options for a docker host URL. */
export function optionsFor(host: string, tls: TlsFiles | undefined): Docker.DockerOptions {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw buildError('engine.config', `DOCKER_HOST=${host} is not a URL: expected unix:///path, tcp://host:port or ssh://user@host.`);
  }
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: decodeURIComponent(url.pathname) };
    case 'npipe:':
      return { socketPath: `//./pipe${decodeURIComponent(url.pathname)}` };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const secure = tls !== undefined || url.protocol === 'https:';
      return {
        host: url.hostname,
        port: url.port || (secure ? 2376 : 2375),
        protocol: secure ? 'https' : 'http',
        ...(tls ?? {}),
      };
    }
    case 'ssh:':
      return {
        protocol: 'ssh',
        host: url.hostname,
        port: url.port || 22,
        username: url.username || undefined,
      } as Docker.DockerOptions;
    default:
      throw buildError('engine.config', `DOCKER_HOST=${host}: unsupported scheme ${url.protocol} (expected unix, tcp or ssh).`);
  }
}

function compareApi(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}
