import { homedir } from 'node:os';
import type { Backend } from './backend.js';
import { credentialsFor } from './auth.js';
import { isBuildkitAddress, parseBuildkitAddress, type BuildkitEndpoint, type BuildkitTls } from './buildkit/address.js';
import { buildkitBackend } from './buildkit/backend.js';
import { BuildkitClient, type BuildkitInfo } from './buildkit/client.js';
import { indexAssembler } from './buildkit/platforms.js';
import { dockerBackend } from './docker/backend.js';
import { connect, inspectEngine, resolveEndpoint, type EngineConnection, type EngineInfo } from './docker/engine.js';
import { engineLoad } from './docker/load.js';
import { upgrade } from './docker/session.js';
import { buildError } from './errors.js';
import { fleetBackend, type FleetMember } from './fleet.js';
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
  readonly builder?: string | readonly string[] | undefined;
  /** TLS for a `tcp://` BuildKit daemon. */
  readonly tls?: BuildkitTls | undefined;
  /** Builds per daemon at once (`--parallel`): on a fleet, per node. */
  readonly parallel?: number | undefined;
  /** `--load`: a BuildKit build is loaded into the Docker Engine. */
  readonly load?: boolean | undefined;
  readonly env: Env;
  readonly cwd: string;
  /** The docker config folder, for registry credentials. */
  readonly configDir: string;
}

/**
 * The BuildKit daemons a choice names: `--builder` given once or more with addresses, else the
 * addresses of `BUILDKIT_HOST` (separated by commas) when `--builder` is `auto`. Empty: the
 * Docker Engine builds.
 */
export function buildkitEndpoints(choice: Pick<BackendChoice, 'builder' | 'tls' | 'env' | 'cwd'>): BuildkitEndpoint[] {
  const given = typeof choice.builder === 'string' ? [choice.builder] : [...(choice.builder ?? [])];
  const builders = given
    .flatMap((b) => b.split(','))
    .map((b) => b.trim())
    .filter(Boolean);
  const addresses = builders.filter(isBuildkitAddress);
  const others = builders.filter((b) => !isBuildkitAddress(b));
  for (const other of others) {
    if (other !== 'auto' && other !== 'classic' && other !== 'buildkit') {
      throw buildError(
        'cli.usage',
        `--builder ${other}: expected auto, classic, buildkit, or a BuildKit daemon's address (unix:///path/buildkitd.sock, tcp://host:port, docker://).`,
      );
    }
  }
  if (addresses.length > 0 && others.some((o) => o !== 'auto'))
    throw buildError(
      'cli.usage',
      `--builder ${others.join(', ')} names the Docker Engine's builder; it cannot be given with BuildKit addresses (${addresses.join(', ')}).`,
    );
  const endpoints = addresses.map((address) => parseBuildkitAddress(address, '--builder', choice.tls, choice.cwd));
  const host = choice.env.BUILDKIT_HOST?.trim();
  // Of the Docker Engine's builders, the last one given counts, as with any flag given twice.
  if (endpoints.length === 0 && (others.at(-1) ?? 'auto') === 'auto' && host) {
    endpoints.push(
      ...host
        .split(',')
        .map((h) => h.trim())
        .filter(Boolean)
        .map((h) => parseBuildkitAddress(h, 'BUILDKIT_HOST', choice.tls, choice.cwd)),
    );
  }
  const seen = new Set<string>();
  for (const endpoint of endpoints) {
    if (seen.has(endpoint.address)) throw buildError('cli.usage', `${endpoint.source}: ${endpoint.address} is named twice.`);
    seen.add(endpoint.address);
  }
  return endpoints;
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

/** Opens the backend a run builds on: a BuildKit daemon, several (a fleet), or the Docker Engine. */
export async function openBackend(choice: BackendChoice): Promise<Backend> {
  const endpoints = buildkitEndpoints(choice);
  const registry = new RegistryClient((host) => credentialsFor(host, choice.configDir, choice.env));
  const loadSink = choice.load ? () => engineLoad(engineConnection(choice.env, choice.cwd)) : undefined;
  if (endpoints.length === 1) {
    const { client } = await connectBuildkit(endpoints[0]!, choice.env, choice.cwd);
    return buildkitBackend(client, { registry, loadSink });
  }
  if (endpoints.length > 1) {
    // Every node is asked at once; those that do not answer are left out, and said so.
    const answers = await Promise.allSettled(endpoints.map((endpoint) => connectBuildkit(endpoint, choice.env, choice.cwd)));
    const members: FleetMember[] = [];
    const notices: string[] = [];
    answers.forEach((answer, i) => {
      if (answer.status === 'rejected') {
        notices.push(`${endpoints[i]!.address} left out: ${(answer.reason as Error).message}`);
        return;
      }
      const { client, info } = answer.value;
      members.push({
        address: client.endpoint.address,
        platforms: [...new Set(info.workers.flatMap((w) => w.platforms))],
        backend: buildkitBackend(client, { registry, loadSink }),
        alive: () =>
          client.info(5000).then(
            () => true,
            () => false,
          ),
      });
    });
    if (members.length === 0) throw buildError('engine.unreachable', `No node of the fleet answered:\n${notices.map((n) => `  ${n}`).join('\n')}`);
    return fleetBackend(members, { slotsPerNode: Math.max(1, choice.parallel ?? 4), notices, watchEveryMs: 5000, assembler: indexAssembler(registry) });
  }
  const connection = engineConnection(choice.env, choice.cwd);
  const engine = await inspectEngine(connection);
  const builder = typeof choice.builder === 'string' ? choice.builder : (choice.builder?.at(-1) ?? 'auto');
  return dockerBackend(connection, engine, builder as 'auto' | 'classic' | 'buildkit', { configDir: choice.configDir, env: choice.env });
}

/** What `dockwright engine` shows: the BuildKit daemons a choice names (each answering or not), or the Docker Engine. */
export async function describeBackend(choice: Pick<BackendChoice, 'builder' | 'tls' | 'env' | 'cwd'>): Promise<
  | {
      readonly kind: 'buildkit';
      readonly nodes: readonly ({ readonly info: BuildkitInfo } | { readonly address: string; readonly source: string; readonly error: string })[];
    }
  | { readonly kind: 'docker'; readonly info: EngineInfo }
> {
  const endpoints = buildkitEndpoints(choice);
  if (endpoints.length > 0) {
    const answers = await Promise.allSettled(endpoints.map((endpoint) => connectBuildkit(endpoint, choice.env, choice.cwd)));
    const nodes = answers.map((answer, i) => {
      if (answer.status === 'rejected') {
        if (endpoints.length === 1) throw answer.reason;
        return { address: endpoints[i]!.address, source: endpoints[i]!.source, error: (answer.reason as Error).message };
      }
      answer.value.client.close();
      return { info: answer.value.info };
    });
    return { kind: 'buildkit', nodes };
  }
  return { kind: 'docker', info: await inspectEngine(engineConnection(choice.env, choice.cwd)) };
}
