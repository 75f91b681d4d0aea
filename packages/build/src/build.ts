import type Docker from 'dockerode';
import type { PrintedStep, SourceLocation } from 'dockwright';
import { contextDigest, contextFilter, packContext } from './context.js';
import type { EngineConnection } from './engine.js';
import { buildError } from './errors.js';
import type { Builder } from './features.js';
import { buildkitDecoder, classicDecoder, type BuildEvent, type EngineMessage } from './progress.js';
import { openSession, type BuildSecret, type Session, type SshAgent } from './session.js';

/** The label that stores what an image was built from, so an unchanged image is not built again. */
export const DIGEST_LABEL = 'dev.dockwright.digest';

/** One image to build. */
export interface BuildSpec {
  readonly name: string;
  /** The synthesized Dockerfile and its instructions (for mapping a failure to the user's line). */
  readonly dockerfile: string;
  readonly steps: readonly PrintedStep[];
  /** Absolute path of the build context folder. */
  readonly context: string;
  /** `<Dockerfile>.dockerignore`, used instead of the context's `.dockerignore` when it exists. */
  readonly dockerfileIgnore?: string | undefined;
  readonly tags: readonly string[];
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly target?: string | undefined;
  readonly platform?: string | undefined;
  readonly network?: string | undefined;
  readonly cacheFrom: readonly string[];
  readonly noCache: boolean;
  readonly pull: boolean;
  /** Served over a BuildKit session to `RUN --mount=type=secret`; never in the image or output. */
  readonly secrets?: readonly BuildSecret[] | undefined;
  /** SSH agents served to `RUN --mount=type=ssh`. */
  readonly ssh?: readonly SshAgent[] | undefined;
}

export interface BuildOptions {
  readonly builder: Builder;
  /** Build even when an image with the same digest and tags exists. */
  readonly force: boolean;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((event: BuildEvent) => void) | undefined;
}

export interface BuildResult {
  readonly name: string;
  readonly id: string;
  readonly tags: readonly string[];
  readonly size: number;
  readonly durationMs: number;
  readonly steps: number;
  readonly cachedSteps: number;
  /** True when nothing was uploaded: an image with this digest already had every tag. */
  readonly upToDate: boolean;
}

/**
 * Builds one image: skips it when an image built from the same Dockerfile, context files and
 * arguments already carries every tag; otherwise streams the context and follows the engine's
 * progress. The stream's `errorDetail` fails the build even though HTTP said 200, and then no
 * tag was applied (the engine tags only a finished image).
 */
export async function buildImage(connection: EngineConnection, spec: BuildSpec, options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { docker } = connection;
  const contextSpec = { dir: spec.context, dockerfile: spec.dockerfile, dockerfileIgnore: spec.dockerfileIgnore };
  const filter = contextFilter(contextSpec);
  const digest = contextDigest(contextSpec, filter, {
    buildArgs: spec.buildArgs,
    labels: spec.labels,
    target: spec.target ?? null,
    platform: spec.platform ?? null,
  });

  if (!options.force && spec.tags.length > 0) {
    const existing = await upToDateImage(docker, spec.tags, digest);
    if (existing) return { name: spec.name, id: existing.Id, tags: spec.tags, size: existing.Size, durationMs: Date.now() - started, steps: 0, cachedSteps: 0, upToDate: true };
  }

  const packed = packContext(contextSpec, filter);
  const needsSession = (spec.secrets?.length ?? 0) + (spec.ssh?.length ?? 0) > 0 && options.builder === 'buildkit';
  const session: Session | undefined = needsSession ? await openSession(connection, { secrets: spec.secrets, ssh: spec.ssh }) : undefined;
  try {
    return await runBuild(connection, spec, options, packed, digest, session, started);
  } finally {
    session?.close();
  }
}

async function runBuild(
  connection: EngineConnection,
  spec: BuildSpec,
  options: BuildOptions,
  packed: ReturnType<typeof packContext>,
  digest: string,
  session: Session | undefined,
  started: number,
): Promise<BuildResult> {
  const { docker } = connection;
  const query = {
    dockerfile: packed.dockerfileName,
    t: [...spec.tags],
    buildargs: { ...spec.buildArgs },
    labels: { ...spec.labels, [DIGEST_LABEL]: digest },
    ...(spec.target ? { target: spec.target } : {}),
    ...(spec.platform ? { platform: spec.platform } : {}),
    ...(spec.network ? { networkmode: spec.network } : {}),
    ...(spec.cacheFrom.length > 0 ? { cachefrom: JSON.stringify(spec.cacheFrom) } : {}),
    nocache: spec.noCache,
    pull: spec.pull ? 'true' : '',
    rm: true,
    forcerm: true,
    version: options.builder === 'buildkit' ? '2' : '1',
  };
  // dockerode opens a session of its own for every BuildKit build (registry credentials only) and
  // puts its id in the request; a build with secrets needs ours, so it goes through the modem.
  const response: NodeJS.ReadableStream = await (session
    ? dialBuild(docker, packed.stream, { ...query, session: session.id }, options.signal)
    : docker.buildImage(packed.stream, { ...query, abortSignal: options.signal } as unknown as Docker.ImageBuildOptions)
  ).catch((error: Error) => Promise.reject(connectionLost(error)));

  const decoder = options.builder === 'buildkit' ? buildkitDecoder() : classicDecoder();
  let id: string | undefined;
  let failure: { message: string; step: string | undefined } | undefined;
  let steps = 0;
  let cachedSteps = 0;
  const logs: string[] = [];
  await followStream(response, options.signal, (message) => {
    for (const event of decoder.decode(message)) {
      if (event.type === 'stepDone') {
        steps++;
        if (event.cached) cachedSteps++;
      } else if (event.type === 'step') {
        logs.length = 0; // keep the output of the step in progress, for a failure's tail
      } else if (event.type === 'log') {
        logs.push(...event.text.split('\n'));
        if (logs.length > 200) logs.splice(0, logs.length - 200);
      } else if (event.type === 'error') {
        failure ??= { message: event.message, step: event.step };
      } else if (event.type === 'image') {
        id = event.id;
      }
      options.onEvent?.(event);
    }
  });

  if (failure) throw stepFailed(spec, failure, logs);
  if (!id) throw buildError('build.stepFailed', `${spec.name}: the engine ended the build without an image id.`);
  const image = await docker.getImage(id).inspect();
  return { name: spec.name, id, tags: spec.tags, size: image.Size, durationMs: Date.now() - started, steps, cachedSteps, upToDate: false };
}

/** `POST /build` through dockerode's modem, as `docker.buildImage` does, with our own session id. */
function dialBuild(docker: Docker, body: NodeJS.ReadableStream, query: Record<string, unknown>, signal: AbortSignal | undefined): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      { path: '/build?', method: 'POST', file: body, options: query, isStream: true, abortSignal: signal, statusCodes: { 200: true, 500: 'server error' } } as never,
      (error: unknown, stream: unknown) => (error ? reject(error) : resolve(stream as NodeJS.ReadableStream)),
    );
  });
}

/** The image every tag points at, when it carries `digest`; else undefined. */
async function upToDateImage(docker: Docker, tags: readonly string[], digest: string): Promise<Docker.ImageInspectInfo | undefined> {
  let found: Docker.ImageInspectInfo | undefined;
  for (const tag of tags) {
    let image: Docker.ImageInspectInfo;
    try {
      image = await docker.getImage(tag).inspect();
    } catch {
      return undefined;
    }
    if (image.Config?.Labels?.[DIGEST_LABEL] !== digest || (found && found.Id !== image.Id)) return undefined;
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

function cancelled(signal: AbortSignal | undefined): Error {
  const timedOut = (signal?.reason as Error | undefined)?.name === 'TimeoutError';
  return buildError('build.cancelled', timedOut ? 'The build did not finish in the time allowed (--timeout).' : 'The build was cancelled.', signal?.reason);
}

/** A failure that names the instruction, the tail of its output, and the user's line. */
function stepFailed(spec: BuildSpec, failure: { message: string; step: string | undefined }, logs: readonly string[]): Error {
  const step = failure.step ? findStep(spec.steps, failure.step) : undefined;
  const where = step?.node.loc ? `${formatLoc(step.node.loc)}: ` : '';
  const instruction = step ? step.text.split('\n')[0] : failure.step;
  const tail = logs.slice(-15).map((line) => `  | ${line}`).join('\n');
  const error = buildError(
    'build.stepFailed',
    `${where}${spec.name}: ${instruction ? `${instruction}: ` : ''}${failure.message.trim()}${tail ? `\n${tail}` : ''}`,
  );
  return Object.assign(error, { step: instruction, loc: step?.node.loc });
}

/** The printed instruction a builder's step name refers to (`RUN make`, `Step 3/5 : RUN make`). */
export function findStep(steps: readonly PrintedStep[], name: string): PrintedStep | undefined {
  const normalize = (text: string): string => text.replace(/\\\n\s*/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase();
  const wanted = normalize(name);
  return (
    steps.find((s) => normalize(s.text) === wanted) ??
    steps.find((s) => normalize(s.text).startsWith(wanted) || wanted.startsWith(normalize(s.text.split('\n')[0]!)))
  );
}

function formatLoc(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

