import { randomUUID } from 'node:crypto';
import type { BuildJob, ImageResult, PushedTag } from '../backend.js';
import { buildDigest, cancelled, sessionFiles, sharedKeyOf, StepTally, stepFailed, type ResolvedImage } from '../build.js';
import { contextFilter, walkContext } from '../context.js';
import { buildError } from '../errors.js';
import { GrpcError, GrpcStatus } from '../grpc.js';
import type { BuildTarget } from '../images.js';
import { statusDecoder } from '../progress.js';
import { familiarName, INPUTS_ANNOTATION, repositoryOf, type Manifest, type RegistryClient } from '../registry.js';
import { serveSession, sessionHeaders, type Session } from '../session.js';
import type { BuildkitClient, SolveRequest } from './client.js';
import { fileSink, folderSink, type Sink } from './sinks.js';

export interface BuildkitJob extends BuildJob {
  readonly registry: RegistryClient;
  /** Through the Docker Engine's own BuildKit (`docker://`): images land in the engine, as with `docker build`. */
  readonly engineStore: boolean;
  /** `--load`: where the docker archive goes (the Docker Engine). */
  readonly loadSink?: (() => Sink) | undefined;
  /** The builder's name in results: `buildkitd`, or `buildkit` for the engine's. */
  readonly builder: string;
}

type Entry = { Type: string; Attrs: Record<string, string> };

/**
 * Builds one image through BuildKit's Control API: the Dockerfile frontend (`dockerfile.v0`)
 * reads the context and the Dockerfile through the session, progress comes from `Status`, and
 * the exporters push to the registry, load into the Docker Engine or write files, as asked.
 *
 * With `--push`, an image whose inputs did not change is not built when the registry already
 * holds every tag at a manifest dockwright annotated with those inputs' digest: a fresh daemon
 * (a CI runner) needs no state of its own for that. An image that others of the run build on
 * goes through the registry, by digest, and they build on exactly those bytes (a named context
 * `docker-image://repo@sha256:…`), never on whatever the tag names by then.
 */
export async function buildOnBuildkit(client: BuildkitClient, target: BuildTarget, job: BuildkitJob): Promise<ImageResult> {
  const started = Date.now();
  const node = client.endpoint.address;
  const filter = contextFilter({ dir: target.context, dockerfile: target.dockerfile, dockerfileIgnore: target.dockerfileIgnore });
  const entries = walkContext(target.context, filter);
  const contexts = dependencyContexts(target, job);
  const platforms =
    target.platform
      ?.split(',')
      .map((p) => p.trim())
      .filter(Boolean) ?? [];

  const digest = job.push ? await buildDigest(target, entries, 'buildkit', (reference) => resolveImage(reference, target, job.registry, job)) : undefined;
  if (digest !== undefined && !job.force && !target.noCache && !target.pull && !job.load && target.outputs.length === 0 && target.tags.length > 0) {
    const found = await inRegistry(job.registry, target.tags, digest, job.signal).catch(() => undefined);
    if (found) {
      // Every tag already names it: nothing is built, nothing is pushed.
      return {
        name: target.name,
        id: found.id,
        digest: found.digest,
        tags: target.tags,
        size: undefined,
        durationMs: Date.now() - started,
        steps: 0,
        cachedSteps: 0,
        upToDate: true,
        builder: job.builder,
        node,
        pushed: [],
      };
    }
  }

  const { exporters, sinks, exchanged } = exportersFor(target, job, digest, platforms.length > 1);
  if (exchanged) job.onEvent({ type: 'note', text: `images of this run build on it: pushing it to ${exchanged} by digest (no tag is moved without --push)` });
  if (exporters.length === 0) job.onEvent({ type: 'note', text: 'no --push, --load or --output: the result stays in the build cache only' });

  const id = randomUUID();
  const services = {
    secrets: target.secrets,
    ssh: target.ssh,
    files: sessionFiles(target, entries),
    credentials: job.credentials,
    outputs: new Map([...sinks].map(([index, sink]) => [index, () => sink.open()])),
    sharedKey: sharedKeyOf(target),
  };
  const session: Session = serveSession(client.session(sessionHeaders(id, 'dockwright', services)), id, services);
  const ref = randomUUID().replace(/-/g, '');
  const request: SolveRequest = {
    Ref: ref,
    Session: id,
    Frontend: 'dockerfile.v0',
    FrontendAttrs: frontendAttrs(target, contexts),
    Exporters: exporters,
    // Daemons before v0.13 know one exporter, in these fields.
    ...(exporters[0] ? { ExporterDeprecated: exporters[0].Type, ExporterAttrsDeprecated: exporters[0].Attrs } : {}),
    Cache: {
      Exports: target.cacheTo.map((c) => ({ Type: c.type, Attrs: { ...c.attrs } })),
      Imports: target.cacheFrom.map((c) => ({ Type: c.type, Attrs: { ...c.attrs } })),
    },
    ...(target.network === 'host' ? { Entitlements: ['network.host'] } : {}),
  };

  const tally = new StepTally();
  const decoder = statusDecoder();
  const stopStatus = new AbortController();
  const status = client.status(ref, AbortSignal.any([job.signal, stopStatus.signal]));
  const following = (async () => {
    for await (const message of status) {
      for (const event of decoder.decode(message)) {
        tally.see(event);
        job.onEvent(event);
      }
    }
  })().catch(() => undefined); // the solve's own result says what went wrong

  try {
    const response = await client.solve(request, job.signal);
    await Promise.race([following, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    for (const sink of sinks.values()) await sink.commit();
    const exported = response.ExporterResponse ?? {};
    const imageDigest = exported['containerimage.digest'];
    const pushed: PushedTag[] = job.push ? target.tags.map((tag) => ({ tag, digest: imageDigest })) : [];
    return {
      name: target.name,
      id: exported['containerimage.config.digest'] ?? imageDigest ?? '',
      digest: imageDigest,
      tags: target.tags,
      size: undefined,
      durationMs: Date.now() - started,
      steps: tally.steps,
      cachedSteps: tally.cachedSteps,
      upToDate: false,
      builder: job.builder,
      node,
      pushed,
    };
  } catch (error) {
    for (const sink of sinks.values()) sink.abort();
    if (job.signal.aborted) throw cancelled(job.signal);
    throw solveFailed(target, error, tally, decoder.failedStep(), session.failure, client);
  } finally {
    stopStatus.abort();
    session.close();
  }
}

/** `dockerfile.v0`'s attributes: the docker CLI's flags as the frontend names them. */
function frontendAttrs(target: BuildTarget, contexts: Readonly<Record<string, string>>): Record<string, string> {
  const attrs: Record<string, string> = { filename: 'Dockerfile' };
  if (target.target) attrs.target = target.target;
  if (target.platform) attrs.platform = target.platform;
  for (const [key, value] of Object.entries(target.buildArgs)) attrs[`build-arg:${key}`] = value;
  for (const [key, value] of Object.entries(target.labels)) attrs[`label:${key}`] = value;
  if (target.noCache) attrs['no-cache'] = '';
  if (target.pull) attrs['image-resolve-mode'] = 'pull';
  if (target.network) attrs['force-network-mode'] = target.network;
  // The frontend resolves the stages itself, so it is the one told where caches come from (as buildctl does).
  if (target.cacheFrom.length > 0) attrs['cache-imports'] = JSON.stringify(target.cacheFrom.map((c) => ({ Type: c.type, Attrs: c.attrs })));
  Object.assign(attrs, contexts);
  return attrs;
}

/**
 * Named contexts that pin the images of this run it builds on: `context:<reference>` =
 * `docker-image://<repository>@<digest>`, the digest its build pushed. Through the Docker
 * Engine's BuildKit the engine has those images itself.
 */
function dependencyContexts(target: BuildTarget, job: BuildkitJob): Record<string, string> {
  const contexts: Record<string, string> = {};
  if (job.engineStore) return contexts;
  for (const name of target.dependsOn) {
    const built = job.dependencies.get(name);
    if (!built?.digest) continue;
    for (const reference of referencesTo(target, built)) {
      contexts[`context:${familiarName(reference)}`] = `docker-image://${repositoryOf(built.tags[0]!)}@${built.digest}`;
    }
  }
  return contexts;
}

/** The references in a target's Dockerfile that name a dependency (its tags, as FROM or COPY --from write them). */
function referencesTo(target: BuildTarget, dependency: ImageResult): string[] {
  const familiar = new Set(dependency.tags.map(familiarName));
  const found = new Set<string>();
  for (const stage of target.ir.stages) {
    const candidates = [stage.from.image, ...stage.instructions.flatMap((n) => (n.kind === 'copy' && typeof n.from === 'string' ? [n.from] : []))];
    for (const c of candidates) if (typeof c === 'string' && familiar.has(familiarName(c))) found.add(c);
  }
  return found.size > 0 ? [...found] : dependency.tags.slice(0, 1);
}

/** A base image as BuildKit will see it: this run's build of it, else the registry's digest for the tag. */
async function resolveImage(reference: string, target: BuildTarget, registry: RegistryClient, job: BuildJob): Promise<ResolvedImage | undefined> {
  const wanted = familiarName(reference);
  for (const name of target.dependsOn) {
    const built = job.dependencies.get(name);
    if (built?.digest && built.tags.some((t) => familiarName(t) === wanted)) return { id: built.digest, onBuild: false };
  }
  try {
    const manifest = await registry.manifest(reference, job.signal);
    if (!manifest) return undefined;
    const config = await registry.config(reference, target.platform?.split(',')[0], job.signal);
    return { id: manifest.digest, onBuild: (config?.config?.OnBuild?.length ?? 0) > 0 };
  } catch {
    return undefined;
  }
}

/** The digest of a target's inputs with base images as the registry names them (undefined: cannot be pinned down). */
export async function registryInputsDigest(target: BuildTarget, job: BuildJob, registry: RegistryClient): Promise<string | undefined> {
  const entries = walkContext(target.context, contextFilter({ dir: target.context, dockerfile: target.dockerfile, dockerfileIgnore: target.dockerfileIgnore }));
  return buildDigest(target, entries, 'buildkit', (reference) => resolveImage(reference, target, registry, job));
}

/**
 * The manifest every tag names, when all name one manifest annotated with `digest`; else
 * undefined. Its id is the image config's digest (the image id), or the index's digest.
 */
export async function inRegistry(
  registry: RegistryClient,
  tags: readonly string[],
  digest: string,
  signal: AbortSignal,
): Promise<{ digest: string; id: string } | undefined> {
  let found: Manifest | undefined;
  for (const tag of tags) {
    const manifest = await registry.manifest(tag, signal);
    if (!manifest || manifest.json.annotations?.[INPUTS_ANNOTATION] !== `sha256:${digest}`) return undefined;
    if (found !== undefined && found.digest !== manifest.digest) return undefined;
    found = manifest;
  }
  return found && { digest: found.digest, id: found.json.config?.digest ?? found.digest };
}

/**
 * The exporters of one solve, and where the files they send go (by exporter index). `--push`
 * pushes every tag, annotated with the inputs' digest; an image others build on, without
 * `--push`, is pushed by digest only; `--load` streams a docker archive into the engine.
 */
function exportersFor(
  target: BuildTarget,
  job: BuildkitJob,
  digest: string | undefined,
  multiPlatform: boolean,
): { exporters: Entry[]; sinks: Map<number, Sink>; exchanged: string | undefined } {
  const exporters: Entry[] = [];
  const sinks = new Map<number, Sink>();
  const annotations: Record<string, string> =
    digest === undefined ? {} : { [`${multiPlatform ? 'annotation-index' : 'annotation'}.${INPUTS_ANNOTATION}`]: `sha256:${digest}` };
  const names = target.tags.join(',');
  let exchanged: string | undefined;
  if (job.engineStore) {
    // The engine's BuildKit stores into the engine's images ("moby" exporter), and pushes from there.
    exporters.push({ Type: 'moby', Attrs: { name: names, ...(job.push ? { push: 'true' } : {}) } });
  } else if (job.push) {
    exporters.push({ Type: 'image', Attrs: { name: names, push: 'true', ...annotations } });
  } else if ((job.neededByOthers || job.byDigest) && target.tags.length > 0) {
    if (!job.byDigest) exchanged = repositoryOf(target.tags[0]!);
    exporters.push({ Type: 'image', Attrs: { name: repositoryOf(target.tags[0]!), push: 'true', 'push-by-digest': 'true' } });
  }
  if (job.load && job.loadSink && !job.engineStore) {
    sinks.set(exporters.length, job.loadSink());
    exporters.push({ Type: 'docker', Attrs: { name: names } });
  }
  for (const output of target.outputs) {
    const { dest, ...attrs } = output.attrs;
    if (output.type === 'image') {
      exporters.push({ Type: 'image', Attrs: { name: names, ...attrs } });
      continue;
    }
    sinks.set(exporters.length, output.type === 'local' ? folderSink(dest!) : fileSink(dest!));
    // A folder comes as a tar: the local exporter's own protocol is fsutil's, the other way round.
    exporters.push({
      Type: output.type === 'local' ? 'tar' : output.type,
      Attrs: output.type === 'oci' || output.type === 'docker' ? { name: names, ...attrs } : attrs,
    });
  }
  return { exporters, sinks, exchanged };
}

/** A solve that failed: at the user's line when a step failed; in words when the daemon went away. */
function solveFailed(
  target: BuildTarget,
  error: unknown,
  tally: StepTally,
  step: string | undefined,
  sending: Error | undefined,
  client: BuildkitClient,
): Error {
  if (error instanceof GrpcError && error.code !== GrpcStatus.UNAVAILABLE) {
    return stepFailed(target, { message: error.details.replace(/^failed to solve: /, ''), step }, tally.logs, sending);
  }
  const reason = error instanceof Error ? error.message : String(error);
  if (client.closed || (error instanceof GrpcError && error.code === GrpcStatus.UNAVAILABLE)) {
    return Object.assign(
      buildError(
        'build.stepFailed',
        `${target.name}: the BuildKit daemon at ${client.endpoint.address} closed the connection in the middle of the build (${reason}): did it stop?`,
        error,
      ),
      { lostDaemon: true },
    );
  }
  return error instanceof Error ? error : new Error(reason);
}
