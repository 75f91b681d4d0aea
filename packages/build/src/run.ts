import { homedir } from 'node:os';
import { join } from 'node:path';
import * as sdk from 'dockwright';
import type { Image } from 'dockwright';
import { buildImage, type BuildResult } from './build.js';
import { connect, engineGone, inspectEngine, resolveEndpoint, type EngineConnection, type EngineInfo } from './engine.js';
import { buildError } from './errors.js';
import { unsupportedFeatures, type Builder } from './features.js';
import { planTargets, type BuildFlags, type BuildTarget, type NamedImage } from './images.js';
import type { BuildEvent } from './progress.js';
import { pushTag } from './push.js';
import { schedule, type Outcome } from './schedule.js';

export interface RunOptions extends BuildFlags {
  /** `auto` (default) picks BuildKit when the engine's default builder is BuildKit. */
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
  /** Docker config folder (credentials); default `$DOCKER_CONFIG` or `~/.docker`. */
  readonly configDir?: string;
}

/** Progress of one image: the builder's events plus the life cycle around them. */
export type ImageEvent =
  | BuildEvent
  | { readonly type: 'started' }
  | { readonly type: 'pushing'; readonly tag: string; readonly text: string }
  | { readonly type: 'finished'; readonly outcome: Outcome<ImageResult> };

/** What happened to one image. */
export interface ImageResult extends BuildResult {
  /** Tags pushed, with the registry's digest. */
  readonly pushed: readonly { readonly tag: string; readonly digest: string | undefined }[];
}

/**
 * Builds targets on a connected engine: refuses up front what the builder cannot do, then runs
 * the builds in dependency order (independent ones in parallel), then pushes when asked.
 */
export async function buildTargets(
  connection: EngineConnection,
  engine: EngineInfo,
  targets: readonly BuildTarget[],
  options: RunOptions,
): Promise<Outcome<ImageResult>[]> {
  const builder = chooseBuilder(options.builder ?? 'auto', engine);
  const unsupported = targets.flatMap((target) =>
    unsupportedFeatures(target.ir, builder, engine.version).map((f) => ({ ...f, image: target.name })),
  );
  if (unsupported.length > 0) {
    const lines = unsupported.map((f) => `  ${f.loc ? `${f.loc.file}:${f.loc.line}:${f.loc.column}` : f.image}: ${f.instruction} uses ${f.feature}`);
    throw buildError(
      'build.unsupported',
      `The ${builder === 'classic' ? 'classic builder' : `BuildKit of Docker ${engine.version}`} cannot build ${[...new Set(unsupported.map((f) => f.image))].join(', ')}; nothing was uploaded:\n${lines.join('\n')}\n` +
        (builder === 'classic' ? 'Use --builder buildkit (the engine supports it from Docker 18.09).' : 'Avoid these features or use a newer engine.'),
    );
  }
  const configDir = options.configDir ?? join(homedir(), '.docker');
  const built = await schedule(
    targets.map((target) => ({
      name: target.name,
      dependsOn: target.dependsOn,
      run: async (cancel: AbortSignal): Promise<ImageResult> => {
        const signal = options.timeoutMs ? AbortSignal.any([cancel, AbortSignal.timeout(options.timeoutMs)]) : cancel;
        const emit = (event: ImageEvent): void => options.onEvent?.(target.name, event);
        emit({ type: 'started' });
        const result = await buildImage(connection, target, { builder, force: options.force ?? false, signal, onEvent: emit });
        return { ...result, pushed: [] };
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
    const pushed = options.failFast && failed ? { name: outcome.name, status: 'cancelled' as const } : await pushAll(connection, targets.find((t) => t.name === outcome.name)!, outcome.value, configDir, options);
    options.onEvent?.(outcome.name, { type: 'finished', outcome: pushed });
    outcomes.push(pushed);
  }
  return outcomes;
}

/** Pushes every tag of a built image; a failure makes the image's outcome a failure. */
async function pushAll(connection: EngineConnection, target: BuildTarget, result: ImageResult, configDir: string, options: RunOptions): Promise<Outcome<ImageResult>> {
  const pushed: { tag: string; digest: string | undefined }[] = [];
  try {
    for (const tag of target.tags) {
      const digest = await pushTag(connection, tag, {
        configDir,
        signal: options.signal,
        onProgress: (t, text) => options.onEvent?.(target.name, { type: 'pushing', tag: t, text }),
      });
      pushed.push({ tag, digest });
    }
  } catch (error) {
    if (options.signal?.aborted) return { name: target.name, status: 'cancelled' };
    return { name: target.name, status: 'failed', error };
  }
  return { name: target.name, status: 'done', value: { ...result, pushed } };
}

export function chooseBuilder(requested: 'auto' | Builder, engine: EngineInfo): Builder {
  if (requested === 'buildkit' && !engine.buildkit) {
    throw buildError('build.unsupported', `The engine at ${engine.endpoint} (API ${engine.apiVersion}) has no BuildKit: use --builder classic.`);
  }
  if (requested !== 'auto') return requested;
  return engine.builderVersion === '2' ? 'buildkit' : 'classic';
}

/**
 * Builds images from a script: `await build([api, worker], { parallel: 2 })`. Connects the way
 * the docker CLI does (DOCKER_HOST, contexts); relative context folders are taken from `cwd`.
 * Returns each image's outcome: id, tags, size, duration and cached steps when it built.
 */
export async function build(
  images: readonly Image[] | readonly NamedImage[],
  options: RunOptions & { readonly cwd?: string; readonly env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<Outcome<ImageResult>[]> {
  const named = images.map((entry, i): NamedImage =>
    'image' in entry ? entry : { name: entry.meta.name ?? `image-${i + 1}`, image: entry },
  );
  const connection = connect(resolveEndpoint(options.env ?? process.env, homedir()));
  const engine = await inspectEngine(connection);
  const targets = planTargets(named, sdk, options.cwd ?? process.cwd(), options);
  return buildTargets(connection, engine, targets, options);
}
