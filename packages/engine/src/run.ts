import { homedir } from 'node:os';
import { join } from 'node:path';
import * as sdk from 'dockwright';
import type { Image } from 'dockwright';
import { credentialsFor } from './auth.js';
import { buildImage, type BuildResult } from './build.js';
import { connect, engineGone, inspectEngine, resolveEndpoint, type EngineConnection, type EngineInfo } from './engine.js';
import { buildError } from './errors.js';
import { unsupportedFeatures, type Builder } from './features.js';
import { planTargets, refuseInvalid, withDependencies, type BuildFlags, type BuildTarget, type NamedImage } from './images.js';
import type { BuildEvent } from './progress.js';
import { pushTag } from './push.js';
import { defaultRecordsDir, fileRecords, type BuildRecords } from './records.js';
import { schedule, type Outcome } from './schedule.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface RunOptions extends BuildFlags {
  /** `auto` (default): BuildKit when it is the engine's default, or when a Dockerfile needs it and the engine has it. */
  readonly builder?: 'auto' | Builder;
  /** How many images build at once (default 4). */
  readonly parallel?: number;
  /** Cancel everything at the first failure (default: keep going). */
  readonly failFast?: boolean;
  /** Build even images that are up to date. */
  readonly force?: boolean;
  /** Push every tag of every image built, after all it depends on has built. */
  readonly push?: boolean;
  /** Give up on an image (build and push) after this long. */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((image: string, event: ImageEvent) => void) | undefined;
  /** Docker config folder (credentials); default `$DOCKER_CONFIG`, else `~/.docker`. */
  readonly configDir?: string;
  /** What was built from which inputs; default a folder under `$XDG_CACHE_HOME` or `~/.cache`. */
  readonly records?: BuildRecords;
}

/** Progress of one image: the builder's events plus the life cycle around them. */
export type ImageEvent =
  | BuildEvent
  | { readonly type: 'started'; readonly builder: Builder }
  | { readonly type: 'pushing'; readonly tag: string; readonly text: string }
  | { readonly type: 'finished'; readonly outcome: Outcome<ImageResult> };

/** One tag's push: its digest in the registry, or why it failed. */
export interface PushedTag {
  readonly tag: string;
  readonly digest?: string | undefined;
  readonly error?: string | undefined;
}

/** What happened to one image. */
export interface ImageResult extends BuildResult {
  /** The builder that built it. */
  readonly builder: Builder;
  /** With --push: every tag, pushed or not. */
  readonly pushed: readonly PushedTag[];
}

/** The docker config folder the docker CLI would read: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: Env, home: string): string {
  return env.DOCKER_CONFIG || join(home, '.docker');
}

/**
 * Builds targets on a connected engine: picks each image's builder and refuses up front what it
 * cannot do, then runs the builds in dependency order (independent ones in parallel), then
 * pushes when asked.
 */
export async function buildTargets(
  connection: EngineConnection,
  engine: EngineInfo,
  targets: readonly BuildTarget[],
  options: RunOptions & { readonly env?: Env },
): Promise<Outcome<ImageResult>[]> {
  const env = options.env ?? {};
  const home = env.HOME ?? homedir();
  const builders = new Map(targets.map((t) => [t.name, chooseBuilder(options.builder ?? 'auto', engine, t.ir)]));
  const unsupported = targets.flatMap((target) =>
    unsupportedFeatures(target.ir, builders.get(target.name)!, engine.version).map((f) => ({ ...f, image: target.name, builder: builders.get(target.name)! })),
  );
  if (unsupported.length > 0) {
    const name = (builder: Builder): string => (builder === 'classic' ? 'the classic builder' : `the BuildKit of Docker ${engine.version}`);
    const lines = unsupported.map((f) => `  ${f.loc ? `${f.loc.file}:${f.loc.line}:${f.loc.column}: ` : ''}${f.image}: ${f.instruction} uses ${f.feature}, which ${name(f.builder)} cannot build: ${f.wayOut}`);
    throw buildError('build.unsupported', `${[...new Set(unsupported.map((f) => f.image))].join(', ')} cannot be built here; nothing was uploaded:\n${lines.join('\n')}`);
  }
  const configDir = options.configDir ?? dockerConfigDir(env, home);
  const records = options.records ?? fileRecords(defaultRecordsDir(env, home));
  const credentials = (host: string) => {
    const auth = credentialsFor(host === 'registry-1.docker.io' ? 'docker.io' : host, configDir, options.env);
    if (!auth) return undefined;
    return auth.identitytoken ? { username: '', secret: auth.identitytoken } : { username: auth.username ?? '', secret: auth.password ?? '' };
  };
  const built = await schedule(
    targets.map((target) => ({
      name: target.name,
      dependsOn: target.dependsOn,
      run: async (cancel: AbortSignal): Promise<ImageResult> => {
        const signal = options.timeoutMs ? AbortSignal.any([cancel, AbortSignal.timeout(options.timeoutMs)]) : cancel;
        const builder = builders.get(target.name)!;
        const emit = (event: ImageEvent): void => options.onEvent?.(target.name, event);
        emit({ type: 'started', builder });
        const result = await buildImage(connection, target, { builder, force: (options.force ?? false) || target.noCache, records, credentials, signal, onEvent: emit });
        return { ...result, builder, pushed: [] };
      },
    })),
    {
      parallel: Math.max(1, options.parallel ?? 4),
      failFast: options.failFast ?? false,
      signal: options.signal,
      // An engine that refuses connections has stopped: start nothing more, and say so.
      haltsAll: (error) => engineGone(error, connection.endpoint),
      // With --push, an image is finished only once pushed.
      onOutcome: (outcome) => {
        if (!options.push || outcome.status !== 'done') options.onEvent?.(outcome.name, { type: 'finished', outcome: outcome as Outcome<ImageResult> });
      },
    },
  );
  if (!options.push) return built;
  // Pushes start once every build has ended: with --fail-fast any failure pushes nothing; with
  // --keep-going the images that built are pushed (their dependencies built too, or they would
  // have been skipped).
  const failed = built.some((o) => o.status !== 'done');
  const outcomes: Outcome<ImageResult>[] = [];
  for (const outcome of built) {
    if (outcome.status !== 'done') {
      outcomes.push(outcome);
      continue;
    }
    const pushed = options.failFast && failed
      ? { name: outcome.name, status: 'cancelled' as const }
      : await pushAll(connection, targets.find((t) => t.name === outcome.name)!, outcome.value, configDir, { ...options, env });
    options.onEvent?.(outcome.name, { type: 'finished', outcome: pushed });
    outcomes.push(pushed);
  }
  return outcomes;
}

/**
 * Pushes every tag of a built image, each on its own: one tag that fails (a local-only name, a
 * registry that refuses) does not keep the others from being pushed, and the image stays built;
 * each tag's outcome is in `pushed`.
 */
async function pushAll(connection: EngineConnection, target: BuildTarget, result: ImageResult, configDir: string, options: RunOptions & { readonly env: Env }): Promise<Outcome<ImageResult>> {
  const pushed: PushedTag[] = [];
  for (const tag of target.tags) {
    if (options.signal?.aborted) return { name: target.name, status: 'cancelled' };
    try {
      const digest = await pushTag(connection, tag, {
        configDir,
        env: options.env,
        signal: options.signal,
        onProgress: (t, text) => options.onEvent?.(target.name, { type: 'pushing', tag: t, text }),
      });
      pushed.push({ tag, digest });
    } catch (error) {
      if (options.signal?.aborted) return { name: target.name, status: 'cancelled' };
      pushed.push({ tag, error: (error as Error).message });
    }
  }
  return { name: target.name, status: 'done', value: { ...result, pushed } };
}

/** True when any tag of the run failed to push. */
export function pushFailed(outcomes: readonly Outcome<ImageResult>[]): boolean {
  return outcomes.some((o) => o.status === 'done' && o.value.pushed.some((p) => p.error !== undefined));
}

/**
 * The builder of one image. `auto`: BuildKit when it is the engine's default (`Builder-Version: 2`);
 * else the classic builder, unless the Dockerfile needs what only BuildKit does (RUN --mount,
 * COPY --chmod, heredocs...) and the engine has BuildKit (API 1.39, Docker 18.09).
 */
export function chooseBuilder(requested: 'auto' | Builder, engine: EngineInfo, ir?: sdk.DockerfileNode): Builder {
  if (requested === 'buildkit' && !engine.buildkit) {
    throw buildError('build.unsupported', `The engine at ${engine.endpoint} (API ${engine.apiVersion}) has no BuildKit: use --builder classic.`);
  }
  if (requested !== 'auto') return requested;
  if (engine.builderVersion === '2') return 'buildkit';
  if (ir && engine.buildkit && unsupportedFeatures(ir, 'classic', engine.version).length > 0) return 'buildkit';
  return 'classic';
}

/**
 * Builds images from a script: `await build([api, worker], { parallel: 2 })`, the same way
 * `dockwright build` does: the images they build on are added, every image is validated first
 * (errors stop the run: `synth.invalid`), declared secrets and SSH agents are served, tags are
 * checked. Connects as the docker CLI does (DOCKER_HOST, contexts); relative context folders are
 * taken from `cwd`. Returns each image's outcome: id, tags, size, duration, cached steps, pushes.
 */
export async function build(
  images: readonly Image[] | readonly NamedImage[],
  options: RunOptions & { readonly cwd?: string; readonly env?: Env } = {},
): Promise<Outcome<ImageResult>[]> {
  const env = options.env ?? process.env;
  const named = images.map((entry, i): NamedImage =>
    'image' in entry ? entry : { name: entry.meta.name ?? `image-${i + 1}`, image: entry },
  );
  const all = withDependencies(named, sdk);
  refuseInvalid(all, sdk);
  const targets = planTargets(all, sdk, options, { baseDir: options.cwd ?? process.cwd(), env, requested: named.map((n) => n.name) });
  const connection = connect(resolveEndpoint(env, env.HOME ?? homedir(), options.cwd ?? process.cwd()));
  const engine = await inspectEngine(connection);
  return buildTargets(connection, engine, targets, { ...options, env });
}

