import { createHash } from 'node:crypto';
import type { DockerfileNode, PrintedStep, SourceLocation } from 'dockwright';
import type { ContextEntry } from './context.js';
import { inputDigest } from './digest.js';
import { buildError } from './errors.js';
import type { SyncDirectory } from './filesync.js';
import { dockerfileInputs } from './inputs.js';
import type { BuildEvent } from './progress.js';
import type { BuildSecret, SshAgent } from './session.js';
import type { CacheSpec, OutputSpec } from './specs.js';

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
  /** Caches to read and to write (buildx's `--cache-from`, `--cache-to`), `{name}` already replaced. */
  readonly cacheFrom: readonly CacheSpec[];
  readonly cacheTo: readonly CacheSpec[];
  /** Where the result goes besides the builder's own store (buildx's `--output`). */
  readonly outputs: readonly OutputSpec[];
  readonly noCache: boolean;
  readonly pull: boolean;
  /** Served over a BuildKit session to `RUN --mount=type=secret`; never in the image or output. */
  readonly secrets?: readonly BuildSecret[] | undefined;
  /** SSH agents served to `RUN --mount=type=ssh`. */
  readonly ssh?: readonly SshAgent[] | undefined;
}

/** Registry credentials by registry host, for a builder's pulls and pushes; never printed. */
export type Credentials = (host: string) => { readonly username: string; readonly secret: string } | undefined;

export interface BuildResult {
  readonly name: string;
  /** The image id (its config's digest), or the registry digest when there is no single config (several platforms). */
  readonly id: string;
  /** The digest of the manifest (or index) in the registry, when pushed or exchanged there. */
  readonly digest?: string | undefined;
  readonly tags: readonly string[];
  /** Bytes, when the builder knows (the Docker Engine does; BuildKit exports do not say). */
  readonly size: number | undefined;
  readonly durationMs: number;
  readonly steps: number;
  readonly cachedSteps: number;
  /** True when nothing was built: every tag already pointed at an image built from the same inputs. */
  readonly upToDate: boolean;
}

/** The Dockerfile's name in the `dockerfile` directory of a BuildKit session. */
export const SESSION_DOCKERFILE = 'Dockerfile';

/** The directories a BuildKit build reads through the session: the context, and the Dockerfile alone. */
export function sessionFiles(spec: BuildSpec, entries: readonly ContextEntry[]): ReadonlyMap<string, SyncDirectory> {
  // A fresh time: BuildKit keeps the last build's files and asks again only for a file whose size or time changed.
  const file = (rel: string, content: Buffer) => ({ rel, path: rel, type: 'file' as const, mode: 0o644, size: content.length, mtimeMs: Date.now(), content });
  const dockerfileDir = [file(SESSION_DOCKERFILE, Buffer.from(spec.dockerfile))];
  return new Map<string, SyncDirectory>([
    ['context', { entries, root: spec.context }],
    ['dockerfile', { entries: dockerfileDir }],
  ]);
}

/** Names a context folder across builds, so BuildKit sends only what changed since the last build of it. */
export function sharedKeyOf(spec: BuildSpec): string {
  return createHash('sha256').update(`dockwright:${spec.context}`).digest('hex');
}

/** What an image reference stands for, as a builder resolves it: an id, and whether its ONBUILD triggers may read the context. */
export interface ResolvedImage {
  readonly id: string;
  readonly onBuild: boolean;
}

/**
 * The digest of everything that decides the image, or undefined when something it reads cannot
 * be pinned down (a remote ADD without a checksum, a base image the builder cannot name): then
 * the image is never reported up to date and the builder's layer cache decides.
 */
export async function buildDigest(
  spec: BuildSpec,
  entries: readonly ContextEntry[],
  builder: string,
  resolveImage: (reference: string) => Promise<ResolvedImage | undefined>,
): Promise<string | undefined> {
  const inputs = dockerfileInputs(spec.ir, spec.buildArgs);
  if (inputs.unpinned !== undefined) return undefined;
  const images: Record<string, string> = {};
  let uses = inputs.context;
  for (const reference of inputs.images) {
    const image = await resolveImage(reference);
    if (image === undefined) return undefined;
    images[reference] = image.id;
    // A base with ONBUILD triggers may copy anything from the context.
    if (image.onBuild) uses = { all: true, why: `${reference} has ONBUILD triggers` };
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

/** What a build's events add up to: steps and cached steps, the failure, the output of the step in progress. */
export class StepTally {
  steps = 0;
  cachedSteps = 0;
  failure: { message: string; step: string | undefined } | undefined;
  image: string | undefined;
  /** The last lines of output of the step in progress, for a failure's tail. */
  readonly logs: string[] = [];

  see(event: BuildEvent): void {
    if (event.type === 'stepDone') {
      this.steps++;
      if (event.cached) this.cachedSteps++;
    } else if (event.type === 'step') {
      this.logs.length = 0;
    } else if (event.type === 'log') {
      this.logs.push(...event.text.split('\n'));
      if (this.logs.length > 200) this.logs.splice(0, this.logs.length - 200);
    } else if (event.type === 'error') {
      this.failure ??= { message: event.message, step: event.step };
    } else if (event.type === 'image') {
      this.image = event.id;
    }
  }
}

export function cancelled(signal: AbortSignal | undefined): Error {
  const timedOut = (signal?.reason as Error | undefined)?.name === 'TimeoutError';
  return buildError('build.cancelled', timedOut ? 'The build did not finish in the time allowed (--timeout).' : 'The build was cancelled.', signal?.reason);
}

/** A failure that names the instruction, the tail of its output, and the user's line. */
export function stepFailed(
  spec: BuildSpec,
  failure: { message: string; step: string | undefined },
  logs: readonly string[],
  sending: Error | undefined,
): Error {
  const step = failure.step ? findStep(spec.steps, failure.step) : undefined;
  const where = step?.node.loc ? `${formatLoc(step.node.loc)}: ` : '';
  const instruction = step ? step.text.split('\n')[0] : failure.step;
  const tail = logs
    .slice(-15)
    .map((line) => `  | ${line}`)
    .join('\n');
  const error = buildError(
    'build.stepFailed',
    `${where}${spec.name}: ${instruction ? `${instruction}: ` : ''}${failure.message.trim()}${sending ? ` (sending the context failed: ${sending.message})` : ''}${tail ? `\n${tail}` : ''}`,
    sending,
  );
  return Object.assign(error, { step: instruction, loc: step?.node.loc });
}

/** The printed instruction a builder's step name refers to (`RUN make`, `Step 3/5 : RUN make`). */
export function findStep(steps: readonly PrintedStep[], name: string): PrintedStep | undefined {
  const normalize = (text: string): string =>
    text
      .replace(/\\\n\s*/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase();
  const wanted = normalize(name);
  return (
    steps.find((s) => normalize(s.text) === wanted) ??
    steps.find((s) => normalize(s.text).startsWith(wanted) || wanted.startsWith(normalize(s.text.split('\n')[0]!)))
  );
}

function formatLoc(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}
