import type * as sdk from 'dockwright';
import type { Backend, PushedTag } from '../backend.js';
import { buildError } from '../errors.js';
import type { BuildTarget } from '../images.js';
import { buildOnEngine } from './build.js';
import { engineGone, type EngineConnection, type EngineInfo } from './engine.js';
import { unsupportedFeatures, type Builder } from './features.js';
import { pushTag } from './push.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Where BuildKit can do what the Docker Engine's builders cannot. */
const USE_BUILDKIT =
  "build through BuildKit instead (--builder unix:///run/buildkit/buildkitd.sock, tcp://..., docker:// for the engine's own BuildKit API, or BUILDKIT_HOST)";

/**
 * The Docker Engine as a backend: its classic builder, or its BuildKit through `POST /build` (the
 * docker CLI's way). Images land in the engine; pushes go through the engine once every build of
 * the run has ended.
 */
export function dockerBackend(
  connection: EngineConnection,
  engine: EngineInfo,
  requested: 'auto' | Builder,
  options: { readonly configDir: string; readonly env: Env },
): Backend {
  const builders = new Map<string, Builder>();
  return {
    kind: 'docker',
    address: connection.endpoint.host,
    check(targets) {
      for (const target of targets) builders.set(target.name, chooseBuilder(requested, engine, target.ir));
      const refusals: { image: string; text: string }[] = [];
      const name = (builder: Builder): string => (builder === 'classic' ? 'the classic builder' : `the BuildKit of Docker ${engine.version}`);
      for (const target of targets) {
        const builder = builders.get(target.name)!;
        for (const f of unsupportedFeatures(target.ir, builder, engine.version)) {
          refusals.push({
            image: target.name,
            text: `${f.loc ? `${f.loc.file}:${f.loc.line}:${f.loc.column}: ` : ''}${target.name}: ${f.instruction} uses ${f.feature}, which ${name(builder)} cannot build: ${f.wayOut}`,
          });
        }
        for (const cache of target.cacheTo) {
          if (cache.type !== 'inline')
            refusals.push({
              image: target.name,
              text: `${target.name}: --cache-to ${cache.written}: the Docker Engine's builders write no ${cache.type} cache (only type=inline, with BuildKit): ${USE_BUILDKIT}`,
            });
          else if (builder === 'classic')
            refusals.push({ image: target.name, text: `${target.name}: --cache-to type=inline needs BuildKit (--builder buildkit)` });
        }
        for (const cache of target.cacheFrom) {
          if (cache.type !== 'registry')
            refusals.push({
              image: target.name,
              text: `${target.name}: --cache-from ${cache.written}: the Docker Engine reads caches from images only (type=registry or a reference): ${USE_BUILDKIT}`,
            });
        }
        for (const output of target.outputs)
          refusals.push({
            image: target.name,
            text: `${target.name}: --output ${output.written}: the Docker Engine keeps what it builds in its own images: ${USE_BUILDKIT}`,
          });
        if (target.platform?.includes(','))
          refusals.push({
            image: target.name,
            text: `${target.name}: --platform ${target.platform}: the Docker Engine builds one platform at a time and keeps no index: ${USE_BUILDKIT}`,
          });
      }
      if (refusals.length > 0) {
        const images = [...new Set(refusals.map((r) => r.image))];
        throw buildError(
          'build.unsupported',
          `${images.join(', ')} cannot be built here; nothing was uploaded:\n${refusals.map((r) => `  ${r.text}`).join('\n')}`,
        );
      }
    },
    async build(target, job) {
      const builder = builders.get(target.name) ?? chooseBuilder(requested, engine, target.ir);
      job.onEvent({ type: 'started', builder });
      const result = await buildOnEngine(connection, target, {
        builder,
        force: job.force || target.noCache,
        records: job.records,
        credentials: job.credentials,
        signal: job.signal,
        onEvent: job.onEvent,
      });
      return { ...result, builder, node: connection.endpoint.host, pushed: [] };
    },
    async pushTags(target, _result, job) {
      return pushAll(connection, target, job, options);
    },
    gone: (error) => engineGone(error, connection.endpoint),
    close() {},
  };
}

/**
 * Pushes every tag of a built image, each on its own: one tag that fails (a local-only name, a
 * registry that refuses) does not keep the others from being pushed, and the image stays built.
 */
async function pushAll(
  connection: EngineConnection,
  target: BuildTarget,
  job: { readonly signal?: AbortSignal | undefined; readonly onEvent: (event: { type: 'pushing'; tag: string; text: string }) => void },
  options: { readonly configDir: string; readonly env: Env },
): Promise<PushedTag[] | 'cancelled'> {
  const pushed: PushedTag[] = [];
  for (const tag of target.tags) {
    if (job.signal?.aborted) return 'cancelled';
    try {
      const digest = await pushTag(connection, tag, {
        configDir: options.configDir,
        env: options.env,
        signal: job.signal,
        onProgress: (t, text) => job.onEvent({ type: 'pushing', tag: t, text }),
      });
      pushed.push({ tag, digest });
    } catch (error) {
      if (job.signal?.aborted) return 'cancelled';
      pushed.push({ tag, error: (error as Error).message });
    }
  }
  return pushed;
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
