import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { isAbsolute, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { buildError } from '../errors.js';
import { sshAgent } from './ssh.js';

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
 * local socket. A relative unix socket path is taken from `cwd`, as the docker CLI dials it.
 */
export function resolveEndpoint(env: Env, home: string, cwd = '/'): EngineEndpoint {
  const configDir = env.DOCKER_CONFIG || join(home, '.docker');
  if (env.DOCKER_HOST?.trim()) {
    const certPath = env.DOCKER_CERT_PATH || configDir;
    const tls = Boolean(env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0');
    const host = parseHost(env.DOCKER_HOST, 'DOCKER_HOST');
    return { host, source: 'DOCKER_HOST', options: optionsFor(host, tls ? tlsFiles(certPath) : undefined, cwd, env) };
  }
  const context = env.DOCKER_CONTEXT || currentContext(configDir);
  if (context && context !== 'default') {
    const id = createHash('sha256').update(context).digest('hex');
    const metaFile = join(configDir, 'contexts', 'meta', id, 'meta.json');
    if (!existsSync(metaFile)) throw buildError('engine.config', `Docker context "${context}" not found (no ${metaFile}).`);
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
    const written = meta.Endpoints?.docker?.Host;
    if (!written) throw buildError('engine.config', `Docker context "${context}" has no docker endpoint.`);
    const host = parseHost(written, `context ${context}`);
    const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
    return { host, source: `context ${context}`, options: optionsFor(host, existsSync(tlsDir) ? tlsFiles(tlsDir) : undefined, cwd, env) };
  }
  const host = `unix://${DEFAULT_SOCKET}`;
  return { host, source: 'default', options: optionsFor(host, undefined, cwd, env) };
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
const DEFAULT_TCP_PORT = '2375';

/**
 * An engine address, normalized as the docker CLI's `opts.ParseHost` does: no scheme means tcp
 * (`build-host:2375`), `unix://` alone is the default socket, `tcp://` fills in localhost and
 * port 2375. Schemes the docker CLI refuses (http, https, fd) are refused, naming where the
 * address came from.
 */
export function parseHost(written: string, source: string): string {
  const value = written.trim();
  const separator = value.indexOf('://');
  const proto = separator === -1 ? 'tcp' : value.slice(0, separator);
  const rest = separator === -1 ? value : value.slice(separator + 3);
  const refuse = (why: string): never => {
    throw buildError('engine.config', `${source}=${written}: ${why}. Expected unix:///path/to/docker.sock, tcp://host:port, host:port or ssh://user@host.`);
  };
  if (rest.includes('://')) refuse(`invalid address, expected ${proto}://...`);
  switch (proto) {
    case 'unix':
      return `unix://${rest === '' ? DEFAULT_SOCKET : rest}`;
    case 'npipe':
      return `npipe://${rest === '' ? '//./pipe/docker_engine' : rest}`;
    case 'tcp': {
      if (rest === '') return `tcp://localhost:${DEFAULT_TCP_PORT}`;
      let url: URL;
      try {
        const address = rest.startsWith(':') ? `localhost${rest}` : rest; // Go fills in an empty host
        url = new URL(`tcp://${address.endsWith(']:') ? address + DEFAULT_TCP_PORT : address}`);
      } catch {
        return refuse('not a host[:port]');
      }
      const port = url.port || DEFAULT_TCP_PORT;
      return `tcp://${url.hostname || 'localhost'}:${port}${url.pathname === '/' ? '' : url.pathname}`;
    }
    case 'ssh':
      if (rest === '') refuse('no host after ssh://');
      return value;
    case 'fd':
      return refuse('fd:// is how the engine takes its socket from systemd; a client cannot connect to it');
    default:
      return refuse(`${proto}:// is not an engine address the docker CLI accepts`);
  }
}

export function connect(endpoint: EngineEndpoint): EngineConnection {
  // Through require, on first use: a BuildKit run never loads it, and the CommonJS loader is faster than ESM's wrapping.
  const DockerClass = createRequire(import.meta.url)('dockerode') as typeof Docker;
  return { docker: new DockerClass(endpoint.options), endpoint };
}

/**
 * Asks the engine what it is, within `timeoutMs`: a dead or absent engine is reported at once,
 * naming the address and how to point dockwright elsewhere.
 */
export async function inspectEngine(connection: EngineConnection, timeoutMs = 2000): Promise<EngineInfo> {
  const { docker, endpoint } = connection;
  const signal = AbortSignal.timeout(timeoutMs);
  let asked = 'GET /_ping';
  try {
    const ping = await dialStream(docker, '/_ping', signal);
    const builderVersion = header(ping, 'builder-version');
    const pong = await readBody(ping);
    if (header(ping, 'api-version') === undefined && pong.trim() !== 'OK') {
      throw notAnEngine(endpoint, `GET /_ping answered ${describeBody(pong)} without an Api-Version header`);
    }
    asked = 'GET /version';
    const version = (await Promise.race([docker.version(), rejectOnAbort(signal)])) as Partial<Docker.DockerVersion> | undefined;
    if (typeof version?.Version !== 'string' || typeof version.ApiVersion !== 'string') {
      throw notAnEngine(endpoint, `GET /version answered ${describeBody(JSON.stringify(version ?? null))}`);
    }
    return {
      endpoint: endpoint.host,
      source: endpoint.source,
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: version.Os ?? '',
      arch: version.Arch ?? '',
      builderVersion,
      buildkit: compareApi(version.ApiVersion, '1.39') >= 0,
    };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'engine.notDocker') throw error;
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') throw notAnEngine(endpoint, `${asked} answered HTTP ${status}`, error);
    throw unreachable(endpoint, signal.aborted ? new Error(`no answer within ${timeoutMs / 1000} s`, { cause: error }) : error);
  }
}

/** Something answered at the address, but not as a Docker Engine does. */
function notAnEngine(endpoint: EngineEndpoint, what: string, cause?: unknown): Error {
  return buildError(
    'engine.notDocker',
    `The server at ${endpoint.host} (${endpoint.source}) answered, but it is not a Docker Engine: ${what}. Point DOCKER_HOST or DOCKER_CONTEXT at the engine's socket.`,
    cause,
  );
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      if (body.length < 4096) body += chunk;
    });
    response.on('end', () => resolve(body));
    response.on('error', reject);
  });
}

/** A body quoted for a message: short, on one line. */
function describeBody(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line === '' ? 'with an empty body' : `"${line.length > 80 ? `${line.slice(0, 80)}…` : line}"`;
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

/** dockerode options for a host as `parseHost` writes it. */
export function optionsFor(host: string, tls: TlsFiles | undefined, cwd = '/', env: Env = {}): Docker.DockerOptions {
  const separator = host.indexOf('://');
  const proto = host.slice(0, separator);
  const rest = host.slice(separator + 3);
  switch (proto) {
    case 'unix':
      return { socketPath: isAbsolute(rest) ? rest : resolve(cwd, rest) };
    case 'npipe':
      return { socketPath: rest.startsWith('//') ? rest : `//./pipe/${rest}` };
    case 'tcp': {
      const url = new URL(host);
      return {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        protocol: tls ? 'https' : 'http',
        ...(tls ?? {}),
      };
    }
    case 'ssh':
      // Through the ssh command, as the docker CLI connects (`docker system dial-stdio` on the
      // remote host): the user's ssh config, agent and known hosts apply, and dockerode's own
      // ssh client (ssh2) is never loaded.
      return { protocol: 'http', host: 'localhost', port: 80, agent: sshAgent(host, env) } as Docker.DockerOptions;
    default:
      throw buildError('engine.config', `${host}: unsupported address (expected unix, tcp or ssh).`);
  }
}

function compareApi(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}
