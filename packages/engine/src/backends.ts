import { homedir } from 'node:os';
import type { Backend } from './backend.js';
import { credentialsFor } from './auth.js';
import { isBuildkitAddress, parseBuildkitAddress, type BuildkitEndpoint, type BuildkitTls } from './buildkit/address.js';
import { buildkitBackend } from './buildkit/backend.js';
import { BuildkitClient, type BuildkitInfo } from './buildkit/client.js';
import { dockerBackend } from './docker/backend.js';
import { connect, inspectEngine, resolveEndpoint, type EngineConnection, type EngineInfo } from './docker/engine.js';
import { engineLoad } from './docker/load.js';
import { upgrade } from './docker/session.js';
import { buildError } from './errors.js';
import { RegistryClient } from './registry.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Which daemon builds, as the CLI's flags and the environment say. */
export interface BackendChoice {
  /**
   * `auto` (default): the BuildKit daemon `BUILDKIT_HOST` names when it is set, else the Docker
   * Engine (its BuildKit when that is its default or a Dockerfile needs it, else its classic
   * builder). `classic` and `buildkit`: one of the Docker Engine's builders. An address
   * (`unix:///…`, `tcp://host:port`, `docker://`): a BuildKit daemon.
   */
  readonly builder?: string | undefined;
  /** TLS for a `tcp://` BuildKit daemon. */
  readonly tls?: BuildkitTls | undefined;
  /** `--load`: a BuildKit build is loaded into the Docker Engine. */
  readonly load?: boolean | undefined;
  readonly env: Env;
  readonly cwd: string;
  /** The docker config folder, for registry credentials. */
  readonly configDir: string;
}

/** The BuildKit daemon a choice names, or undefined when the Docker Engine builds. */
export function buildkitEndpoint(choice: Pick<BackendChoice, 'builder' | 'tls' | 'env' | 'cwd'>): BuildkitEndpoint | undefined {
  const builder = choice.builder ?? 'auto';
  if (isBuildkitAddress(builder)) return parseBuildkitAddress(builder, '--builder', choice.tls, choice.cwd);
  if (builder !== 'auto' && builder !== 'classic' && builder !== 'buildkit') {
    throw buildError('cli.usage', `--builder ${builder}: expected auto, classic, buildkit, or a BuildKit daemon's address (unix:///path/buildkitd.sock, tcp://host:port, docker://).`);
  }
  const host = choice.env.BUILDKIT_HOST?.trim();
  if (builder === 'auto' && host) return parseBuildkitAddress(host, 'BUILDKIT_HOST', choice.tls, choice.cwd);
  return undefined;
}

/** Connects to the Docker Engine the docker CLI would use here. */
function engineConnection(env: Env, cwd: string): EngineConnection {
  return connect(resolveEndpoint(env, env.HOME ?? homedir(), cwd));
}

/** Connects to a BuildKit daemon and asks what it is (refusing, in words, one that does not answer). */
export async function connectBuildkit(endpoint: BuildkitEndpoint, env: Env, cwd: string): Promise<{ client: BuildkitClient; info: BuildkitInfo }> {
  const client = await BuildkitClient.connect(endpoint, () => upgrade(engineConnection(env, cwd), '/grpc'));
  try {
    return { client, info: await client.info() };
  } catch (error) {
    client.close();
    throw error;
  }
}

/** Opens the backend a run builds on: a BuildKit daemon, or the Docker Engine. */
export async function openBackend(choice: BackendChoice): Promise<Backend> {
  const endpoint = buildkitEndpoint(choice);
  if (endpoint) {
    const { client } = await connectBuildkit(endpoint, choice.env, choice.cwd);
    const registry = new RegistryClient((host) => credentialsFor(host, choice.configDir, choice.env));
    const loadSink = choice.load ? () => engineLoad(engineConnection(choice.env, choice.cwd)) : undefined;
    return buildkitBackend(client, { registry, loadSink });
  }
  const connection = engineConnection(choice.env, choice.cwd);
  const engine = await inspectEngine(connection);
  return dockerBackend(connection, engine, (choice.builder ?? 'auto') as 'auto' | 'classic' | 'buildkit', { configDir: choice.configDir, env: choice.env });
}

/** What `dockwright engine` shows: the BuildKit daemon a choice names, or the Docker Engine. */
export async function describeBackend(choice: Pick<BackendChoice, 'builder' | 'tls' | 'env' | 'cwd'>): Promise<{ readonly kind: 'buildkit'; readonly info: BuildkitInfo } | { readonly kind: 'docker'; readonly info: EngineInfo }> {
  const endpoint = buildkitEndpoint(choice);
  if (endpoint) {
    const { client, info } = await connectBuildkit(endpoint, choice.env, choice.cwd);
    client.close();
    return { kind: 'buildkit', info };
  }
  return { kind: 'docker', info: await inspectEngine(engineConnection(choice.env, choice.cwd)) };
}
