import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { DockerfileNode, PrintedStep, SourceLocation } from 'dockwright';
import { contextFilter, walkContext, type ContextEntry, type ContextFilter } from './context.js';
import { inputDigest } from './digest.js';
import type { EngineConnection } from './engine.js';
import { buildError } from './errors.js';
import type { Builder } from './features.js';
import type { SyncDirectory } from './filesync.js';
import { dockerfileInputs } from './inputs.js';
import { buildkitDecoder, classicDecoder, type BuildEvent, type EngineMessage } from './progress.js';
import type { BuildRecords } from './records.js';
import { openSession, type BuildSecret, type Session, type SshAgent } from './session.js';
import { packContext } from './tar.js';

/** One image to build. */
export interface BuildSpec {
  readonly name: string;
  /** The synthesized Dockerfile, its IR, and its instructions (for mapping a failure to the user's line). */
  readonly dockerfile: string;
  readonly ir: DockerfileNode;
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
  /** Build even when the tags already point at an image built from the same inputs. */
  readonly force: boolean;
  /** What was built from which inputs: the up-to-date check reads it, each build adds to it. */
  readonly records: BuildRecords;
  /** Registry credentials for BuildKit's pulls, by registry host. */
  readonly credentials?: ((host: string) => { readonly username: string; readonly secret: string } | undefined) | undefined;
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
  /** True when nothing was uploaded: every tag already pointed at an image built from the same inputs. */
  readonly upToDate: boolean;
}

/** The Dockerfile's name in the `dockerfile` directory of a BuildKit session. */
const SESSION_DOCKERFILE = 'Dockerfile';

/**
 * Builds one image. It is up to date, and nothing is uploaded, when every tag points at an image
 * that dockwright built from the same inputs (`inputDigest`: the Dockerfile, every setting, the
 * images it builds on and the context files it reads). Otherwise the classic builder gets the
 * context as a tar; BuildKit reads it, and the Dockerfile, through the session (FileSync), as
 * the docker CLI serves them. The stream's `errorDetail` fails the build even though HTTP said
 * 200, and then no tag was applied (the engine tags only a finished image).
 */
export async function buildImage(connection: EngineConnection, spec: BuildSpec, options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { docker } = connection;
  const contextSpec = { dir: spec.context, dockerfile: spec.dockerfile, dockerfileIgnore: spec.dockerfileIgnore };
  const filter = contextFilter(contextSpec);
  const entries = walkContext(spec.context, filter);
  const digest = await buildDigest(docker, spec, entries, options.builder);

  if (!options.force && !spec.noCache && !spec.pull && digest !== undefined && spec.tags.length > 0) {
    const existing = await upToDateImage(docker, spec.tags, options.records.imagesFor(digest));
    if (existing) return { name: spec.name, id: existing.Id, tags: spec.tags, size: existing.Size, durationMs: Date.now() - started, steps: 0, cachedSteps: 0, upToDate: true };
  }

  let session: Session | undefined;
  if (options.builder === 'buildkit') {
    session = await openSession(connection, {
      secrets: spec.secrets,
      ssh: spec.ssh,
      files: sessionFiles(spec, entries),
      credentials: options.credentials,
      sharedKey: createHash('sha256').update(`dockwright:${spec.context}`).digest('hex'),
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

/**
 * The digest of everything that decides the image, or undefined when something it reads cannot
 * be pinned down (a remote ADD without a checksum, a base image that is not on the engine): then
 * the image is never reported up to date and the engine's layer cache decides.
 */
async function buildDigest(docker: Docker, spec: BuildSpec, entries: readonly ContextEntry[], builder: Builder): Promise<string | undefined> {
  const inputs = dockerfileInputs(spec.ir, spec.buildArgs);
  if (inputs.unpinned !== undefined) return undefined;
  const images: Record<string, string> = {};
  let uses = inputs.context;
  for (const reference of inputs.images) {
    const image = await docker.getImage(reference).inspect().catch(() => undefined);
    if (image === undefined) return undefined;
    images[reference] = image.Id;
    // A base with ONBUILD triggers may copy anything from the context.
    if ((image.Config?.OnBuild?.length ?? 0) > 0) uses = { all: true, why: `${reference} has ONBUILD triggers` };
  }
  const settings = {
    buildArgs: spec.buildArgs,
    labels: spec.labels,
    target: spec.target ?? null,
    platform: spec.platform ?? null,
    network: spec.network ?? null,
    builder,
    // Which secrets and agents a build may use, never their values (BuildKit does not look at those either).
    secrets: (spec.secrets ?? []).map((s) => s.id).sort(),
    ssh: (spec.ssh ?? []).map((a) => a.id).sort(),
  };
  return inputDigest({ dockerfile: spec.dockerfile, settings, entries, uses, images });
}

/** The directories a BuildKit build reads through the session: the context, and the Dockerfile alone. */
function sessionFiles(spec: BuildSpec, entries: readonly ContextEntry[]): ReadonlyMap<string, SyncDirectory> {
  // A fresh time: BuildKit keeps the last build's files and asks again only for a file whose size or time changed.
  const file = (rel: string, content: Buffer) => ({ rel, path: rel, type: 'file' as const, mode: 0o644, size: content.length, mtimeMs: Date.now(), content });
  const dockerfileDir = [file(SESSION_DOCKERFILE, Buffer.from(spec.dockerfile))];
  return new Map<string, SyncDirectory>([
    ['context', { entries, root: spec.context }],
    ['dockerfile', { entries: dockerfileDir }],
  ]);
}

async function runBuild(
  connection: EngineConnection,
  spec: BuildSpec,
  options: BuildOptions,
  filter: ContextFilter,
  entries: readonly ContextEntry[],
  session: Session | undefined,
  started: number,
): Promise<BuildResult> {
  const { docker } = connection;
  const packed = session ? undefined : packContext({ dir: spec.context, dockerfile: spec.dockerfile }, entries, filter.hasDockerignore);
  const query = {
    dockerfile: packed?.dockerfileName ?? SESSION_DOCKERFILE,
    t: [...spec.tags],
    buildargs: { ...spec.buildArgs },
    labels: { ...spec.labels },
    ...(spec.target ? { target: spec.target } : {}),
    ...(spec.platform ? { platform: spec.platform } : {}),
    ...(spec.network ? { networkmode: spec.network } : {}),
    ...(spec.cacheFrom.length > 0 ? { cachefrom: JSON.stringify(spec.cacheFrom) } : {}),
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

  if (failure) throw stepFailed(spec, failure, logs, session?.failure);
  if (!id) throw buildError('build.stepFailed', `${spec.name}: the engine ended the build without an image id.`);
  const image = await docker.getImage(id).inspect();
  return { name: spec.name, id, tags: spec.tags, size: image.Size, durationMs: Date.now() - started, steps, cachedSteps, upToDate: false };
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
    const image = await docker.getImage(tag).inspect().catch(() => undefined);
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

function cancelled(signal: AbortSignal | undefined): Error {
  const timedOut = (signal?.reason as Error | undefined)?.name === 'TimeoutError';
  return buildError('build.cancelled', timedOut ? 'The build did not finish in the time allowed (--timeout).' : 'The build was cancelled.', signal?.reason);
}

/** A failure that names the instruction, the tail of its output, and the user's line. */
function stepFailed(spec: BuildSpec, failure: { message: string; step: string | undefined }, logs: readonly string[], sending: Error | undefined): Error {
  const step = failure.step ? findStep(spec.steps, failure.step) : undefined;
  const where = step?.node.loc ? `${formatLoc(step.node.loc)}: ` : '';
  const instruction = step ? step.text.split('\n')[0] : failure.step;
  const tail = logs.slice(-15).map((line) => `  | ${line}`).join('\n');
  const error = buildError(
    'build.stepFailed',
    `${where}${spec.name}: ${instruction ? `${instruction}: ` : ''}${failure.message.trim()}${sending ? ` (sending the context failed: ${sending.message})` : ''}${tail ? `\n${tail}` : ''}`,
    sending,
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

