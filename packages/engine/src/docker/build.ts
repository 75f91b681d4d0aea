import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import {
  buildDigest,
  cancelled,
  SESSION_DOCKERFILE,
  sessionFiles,
  sharedKeyOf,
  StepTally,
  stepFailed,
  type BuildResult,
  type BuildSpec,
  type Credentials,
} from '../build.js';
import { contextFilter, walkContext, type ContextEntry, type ContextFilter } from '../context.js';
import { buildError } from '../errors.js';
import { buildkitDecoder, classicDecoder, type BuildEvent, type EngineMessage } from '../progress.js';
import type { BuildRecords } from '../records.js';
import type { Session } from '../session.js';
import { packContext } from '../tar.js';
import type { EngineConnection } from './engine.js';
import type { Builder } from './features.js';
import { openEngineSession } from './session.js';

export interface EngineBuildOptions {
  readonly builder: Builder;
  /** Build even when the tags already point at an image built from the same inputs. */
  readonly force: boolean;
  /** What was built from which inputs: the up-to-date check reads it, each build adds to it. */
  readonly records: BuildRecords;
  /** Registry credentials for BuildKit's pulls, by registry host. */
  readonly credentials?: Credentials | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((event: BuildEvent) => void) | undefined;
}

/**
 * Builds one image on the Docker Engine. It is up to date, and nothing is uploaded, when every
 * tag points at an image that dockwright built from the same inputs (`buildDigest`: the
 * Dockerfile, every setting, the images it builds on and the context files it reads). Otherwise
 * the classic builder gets the context as a tar; BuildKit reads it, and the Dockerfile, through
 * the session (FileSync), as the docker CLI serves them. The stream's `errorDetail` fails the
 * build even though HTTP said 200, and then no tag was applied (the engine tags only a finished image).
 */
export async function buildOnEngine(connection: EngineConnection, spec: BuildSpec, options: EngineBuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { docker } = connection;
  const filter = contextFilter({ dir: spec.context, dockerfile: spec.dockerfile, dockerfileIgnore: spec.dockerfileIgnore });
  const entries = walkContext(spec.context, filter);
  const digest = await buildDigest(spec, entries, options.builder, async (reference) => {
    const image = await docker
      .getImage(reference)
      .inspect()
      .catch(() => undefined);
    return image && { id: image.Id, onBuild: (image.Config?.OnBuild?.length ?? 0) > 0 };
  });

  if (!options.force && !spec.noCache && !spec.pull && digest !== undefined && spec.tags.length > 0) {
    const existing = await upToDateImage(docker, spec.tags, options.records.imagesFor(digest));
    if (existing)
      return {
        name: spec.name,
        id: existing.Id,
        tags: spec.tags,
        size: existing.Size,
        durationMs: Date.now() - started,
        steps: 0,
        cachedSteps: 0,
        upToDate: true,
      };
  }

  let session: Session | undefined;
  if (options.builder === 'buildkit') {
    session = await openEngineSession(connection, {
      secrets: spec.secrets,
      ssh: spec.ssh,
      files: sessionFiles(spec, entries),
      credentials: options.credentials,
      sharedKey: sharedKeyOf(spec),
    });
  }
  try {
    const result = await runBuild(connection, spec, options, filter, entries, session, started);
    if (digest !== undefined) options.records.add(digest, result.id);
    return result;
  } finally {
    session?.close();
  }
}

async function runBuild(
  connection: EngineConnection,
  spec: BuildSpec,
  options: EngineBuildOptions,
  filter: ContextFilter,
  entries: readonly ContextEntry[],
  session: Session | undefined,
  started: number,
): Promise<BuildResult> {
  const { docker } = connection;
  const packed = session ? undefined : packContext({ dir: spec.context, dockerfile: spec.dockerfile }, entries, filter.hasDockerignore);
  // The engine's BuildKit writes an inline cache when asked through this build argument.
  const inline = spec.cacheTo.some((c) => c.type === 'inline') ? { BUILDKIT_INLINE_CACHE: '1' } : {};
  const cacheFrom = spec.cacheFrom.map((c) => c.attrs.ref!);
  const query = {
    dockerfile: packed?.dockerfileName ?? SESSION_DOCKERFILE,
    t: [...spec.tags],
    buildargs: { ...spec.buildArgs, ...inline },
    labels: { ...spec.labels },
    ...(spec.target ? { target: spec.target } : {}),
    ...(spec.platform ? { platform: spec.platform } : {}),
    ...(spec.network ? { networkmode: spec.network } : {}),
    ...(cacheFrom.length > 0 ? { cachefrom: JSON.stringify(cacheFrom) } : {}),
    ...(session ? { session: session.id, remote: 'client-session' } : {}),
    nocache: spec.noCache,
    pull: spec.pull ? 'true' : '',
    rm: true,
    forcerm: true,
    version: options.builder === 'buildkit' ? '2' : '1',
  };
  const response: NodeJS.ReadableStream = await (packed
    ? docker.buildImage(packed.stream, { ...query, abortSignal: options.signal } as unknown as Docker.ImageBuildOptions)
    : // dockerode opens a session of its own for every BuildKit build: ours goes through the modem.
      dialBuild(docker, query, options.signal)
  ).catch((error: Error) => Promise.reject(connectionLost(error)));

  const decoder = options.builder === 'buildkit' ? buildkitDecoder() : classicDecoder();
  const tally = new StepTally();
  await followStream(response, options.signal, (message) => {
    for (const event of decoder.decode(message)) {
      tally.see(event);
      options.onEvent?.(event);
    }
  });

  if (tally.failure) throw stepFailed(spec, tally.failure, tally.logs, session?.failure);
  const id = tally.image;
  if (!id) throw buildError('build.stepFailed', `${spec.name}: the engine ended the build without an image id.`);
  const image = await docker.getImage(id).inspect();
  return {
    name: spec.name,
    id,
    tags: spec.tags,
    size: image.Size,
    durationMs: Date.now() - started,
    steps: tally.steps,
    cachedSteps: tally.cachedSteps,
    upToDate: false,
  };
}

/**
 * `POST /build` through dockerode's modem with an empty body: BuildKit reads the files through our
 * session (the engine ends a request that has no body at all at once, with nothing built).
 */
function dialBuild(docker: Docker, query: Record<string, unknown>, signal: AbortSignal | undefined): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        options: query,
        file: Readable.from([]),
        headers: { 'Content-Type': 'application/x-tar' },
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      } as never,
      (error: unknown, stream: unknown) => (error ? reject(error) : resolve(stream as NodeJS.ReadableStream)),
    );
  });
}

/** The image every tag points at, when it is one of `built` (the images made from these inputs); else undefined. */
async function upToDateImage(docker: Docker, tags: readonly string[], built: readonly string[]): Promise<Docker.ImageInspectInfo | undefined> {
  if (built.length === 0) return undefined;
  let found: Docker.ImageInspectInfo | undefined;
  for (const tag of tags) {
    const image = await docker
      .getImage(tag)
      .inspect()
      .catch(() => undefined);
    if (image === undefined || !built.includes(image.Id) || (found && found.Id !== image.Id)) return undefined;
    found = image;
  }
  return found;
}

/** Reads the engine's JSON-lines stream to its end, or rejects when `signal` aborts. */
function followStream(stream: NodeJS.ReadableStream, signal: AbortSignal | undefined, onMessage: (message: EngineMessage) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onAbort = (): void => {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      reject(cancelled(signal));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const flush = (final: boolean): void => {
      const lines = buffer.split('\n');
      buffer = final ? '' : lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          onMessage(JSON.parse(line) as EngineMessage);
        } catch {
          onMessage({ stream: line });
        }
      }
    };
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      flush(false);
    });
    stream.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      flush(true);
      resolve();
    });
    stream.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? cancelled(signal) : connectionLost(error));
    });
  });
}

/** Node says only "aborted" or "socket hang up" when the engine drops a build's connection. */
function connectionLost(error: Error): Error {
  const code = (error as Error & { code?: unknown }).code;
  if (error.message !== 'aborted' && code !== 'ECONNRESET' && code !== 'EPIPE') return error;
  return buildError('build.stepFailed', `The engine closed the connection in the middle of the build (${error.message}): did it stop?`, error);
}
