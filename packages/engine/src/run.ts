import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Image } from 'dockwright';
import { credentialsFor } from './auth.js';
import type { Backend, ImageEvent, ImageResult } from './backend.js';
import type { Credentials } from './build.js';
import { openBackend, type BackendChoice } from './backends.js';
import { planTargets, refuseInvalid, withDependencies, type BuildFlags, type BuildTarget, type NamedImage } from './images.js';
import { defaultRecordsDir, fileRecords, type BuildRecords } from './records.js';
import { schedule, type Outcome } from './schedule.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface RunOptions extends BuildFlags {
  /** How many images build at once (default 4). */
  readonly parallel?: number;
  /** Cancel everything at the first failure (default: keep going). */
  readonly failFast?: boolean;
  /** Build even images that are up to date. */
  readonly force?: boolean;
  /** Push every tag of every image built (the Docker Engine: after all it depends on has built; BuildKit: as it is built). */
  readonly push?: boolean;
  /** Load what BuildKit built into the Docker Engine (`docker load`). */
  readonly load?: boolean;
  /** Give up on an image (build and push) after this long. */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onEvent?: ((image: string, event: ImageEvent) => void) | undefined;
  /** Docker config folder (credentials); default `$DOCKER_CONFIG`, else `~/.docker`. */
  readonly configDir?: string;
  /** What was built from which inputs; default a folder under `$XDG_CACHE_HOME` or `~/.cache`. */
  readonly records?: BuildRecords;
}

/** The docker config folder the docker CLI would read: `$DOCKER_CONFIG`, else `~/.docker`. */
export function dockerConfigDir(env: Env, home: string): string {
  return env.DOCKER_CONFIG || join(home, '.docker');
}

/** Registry credentials from the docker config, in the shape BuildKit's session asks for. */
export function sessionCredentials(configDir: string, env: Env | undefined): Credentials {
  return (host) => {
    const auth = credentialsFor(host === 'registry-1.docker.io' ? 'docker.io' : host, configDir, env);
    if (!auth) return undefined;
    return auth.identitytoken ? { username: '', secret: auth.identitytoken } : { username: auth.username ?? '', secret: auth.password ?? '' };
  };
}

/**
 * Builds targets on a backend: refuses up front what it cannot do, then runs the builds in
 * dependency order (independent ones in parallel), then pushes when the backend pushes after
 * building. Pushes start once every build has ended: with --fail-fast any failure pushes
 * nothing; with --keep-going the images that built are pushed (their dependencies built too, or
 * they would have been skipped).
 */
export async function buildTargets(
  backend: Backend,
  targets: readonly BuildTarget[],
  options: RunOptions & { readonly env?: Env },
): Promise<Outcome<ImageResult>[]> {
  const env = options.env ?? {};
  const home = env.HOME ?? homedir();
  const push = options.push ?? false;
  const load = options.load ?? false;
  await backend.check(targets, { push, load });
  const configDir = options.configDir ?? dockerConfigDir(env, home);
  const records = options.records ?? fileRecords(defaultRecordsDir(env, home));
  const credentials = sessionCredentials(configDir, options.env);
  const dependedOn = new Set(targets.flatMap((t) => t.dependsOn));
  const results = new Map<string, ImageResult>();
  const pushesLater = push && backend.pushTags !== undefined;

  const built = await schedule(
    targets.map((target) => ({
      name: target.name,
      dependsOn: target.dependsOn,
      run: async (cancel: AbortSignal): Promise<ImageResult> => {
        const { signal, clear } = withTimeout(cancel, options.timeoutMs);
        const result = await backend
          .build(target, {
            force: options.force ?? false,
            push,
            load,
            records,
            credentials,
            dependencies: results,
            neededByOthers: dependedOn.has(target.name),
            signal,
            onEvent: (event) => options.onEvent?.(target.name, event),
          })
          .finally(clear);
        results.set(target.name, result);
        return result;
      },
    })),
    {
      parallel: Math.max(1, backend.concurrency?.(options.parallel ?? 4) ?? options.parallel ?? 4),
      failFast: options.failFast ?? false,
      signal: options.signal,
      // A daemon that refuses connections has stopped: start nothing more, and say so.
      haltsAll: (error) => backend.gone(error),
      // When pushes follow, an image is finished only once pushed.
      onOutcome: (outcome) => {
        if (!pushesLater || outcome.status !== 'done') options.onEvent?.(outcome.name, { type: 'finished', outcome: outcome as Outcome<ImageResult> });
      },
    },
  );
  if (!pushesLater) return built;
  const failed = built.some((o) => o.status !== 'done');
  const outcomes: Outcome<ImageResult>[] = [];
  for (const outcome of built) {
    if (outcome.status !== 'done') {
      outcomes.push(outcome);
      continue;
    }
    const target = targets.find((t) => t.name === outcome.name)!;
    const pushed =
      options.failFast && failed
        ? 'cancelled'
        : await backend.pushTags!(target, outcome.value, { signal: options.signal, onEvent: (event) => options.onEvent?.(outcome.name, event) });
    const final: Outcome<ImageResult> =
      pushed === 'cancelled' ? { name: outcome.name, status: 'cancelled' } : { name: outcome.name, status: 'done', value: { ...outcome.value, pushed } };
    options.onEvent?.(outcome.name, { type: 'finished', outcome: final });
    outcomes.push(final);
  }
  return outcomes;
}

/**
 * `cancel`, or `timeoutMs` running out (a reason named TimeoutError). A timer of our own, not
 * `AbortSignal.any([cancel, AbortSignal.timeout()])`: Node 20 may collect a timeout signal that
 * only a composite refers to, and the composite then never aborts.
 */
function withTimeout(cancel: AbortSignal, timeoutMs: number | undefined): { signal: AbortSignal; clear: () => void } {
  if (!timeoutMs) return { signal: cancel, clear: () => undefined };
  const controller = new AbortController();
  const onCancel = (): void => controller.abort(cancel.reason);
  if (cancel.aborted) onCancel();
  else cancel.addEventListener('abort', onCancel, { once: true });
  const timer = setTimeout(() => controller.abort(Object.assign(new Error(`no result within ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
    },
  };
}

/** True when any tag of the run failed to push. */
export function pushFailed(outcomes: readonly Outcome<ImageResult>[]): boolean {
  return outcomes.some((o) => o.status === 'done' && o.value.pushed.some((p) => p.error !== undefined));
}

/**
 * Builds images from a script: `await build([api, worker], { parallel: 2 })`, the same way
 * `dockwright build` does: the images they build on are added, every image is validated first
 * (errors stop the run: `synth.invalid`), declared secrets and SSH agents are served, tags are
 * checked. Builds where the CLI would (`builder`, else BUILDKIT_HOST, else the Docker Engine as
 * the docker CLI finds it); relative context folders are taken from `cwd`. Returns each
 * image's outcome: id, tags, size, duration, cached steps, pushes.
 */
export async function build(
  images: readonly Image[] | readonly NamedImage[],
  options: RunOptions & Omit<BackendChoice, 'env' | 'cwd' | 'configDir'> & { readonly cwd?: string; readonly env?: Env } = {},
): Promise<Outcome<ImageResult>[]> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const named = images.map((entry, i): NamedImage => ('image' in entry ? entry : { name: entry.meta.name ?? `image-${i + 1}`, image: entry }));
  const all = withDependencies(named);
  refuseInvalid(all);
  const targets = planTargets(all, options, { baseDir: cwd, cwd, env, requested: named.map((n) => n.name) });
  const configDir = options.configDir ?? dockerConfigDir(env, env.HOME ?? homedir());
  const backend = await openBackend({ ...options, env, cwd, configDir });
  try {
    return await buildTargets(backend, targets, { ...options, env, configDir });
  } finally {
    backend.close();
  }
}
