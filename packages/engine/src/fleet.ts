import type { Backend, BuildJob, ImageEvent, ImageResult } from './backend.js';
import { buildError } from './errors.js';
import type { BuildTarget } from './images.js';
import { canBuild, place, type PlacedNode } from './placement.js';
import { registryOf } from './auth.js';

/** One node of a fleet: where it is, what it builds, and the backend that builds there. */
export interface FleetMember {
  readonly address: string;
  readonly platforms: readonly string[];
  readonly backend: Backend;
  /** Answers within the time allowed: the node is alive (a watchdog asks while it builds). */
  readonly alive?: (() => Promise<boolean>) | undefined;
}

/** One platform of an image, built on some node and pushed by digest. */
export interface PlatformPart {
  readonly platform: string;
  readonly result: ImageResult;
}

/** Puts the platforms of an image built across nodes together as one index (buildkit/platforms.ts). */
export interface IndexAssembler {
  /** The inputs' digest, and the registry's image when every tag already names one built from them. */
  before(target: BuildTarget, job: BuildJob): Promise<{ readonly digest: string | undefined; readonly upToDate: ImageResult | undefined }>;
  assemble(target: BuildTarget, parts: readonly PlatformPart[], job: BuildJob, digest: string | undefined, started: number): Promise<ImageResult>;
}

export interface FleetOptions {
  /** For images of several platforms: each platform on its own node, then one index. Without it, one node builds them all. */
  readonly assembler?: IndexAssembler | undefined;
  /** At most this many builds per node at once (`--parallel`). */
  readonly slotsPerNode: number;
  /** Said before anything builds: nodes that never answered, left out. */
  readonly notices?: readonly string[] | undefined;
  /** How often the nodes that build are asked whether they are alive (ms; 0: never). */
  readonly watchEveryMs?: number | undefined;
}

interface Node extends PlacedNode {
  readonly member: FleetMember;
  /** The builds running there, to stop when the node stops answering. */
  readonly stops: Set<AbortController>;
}

/**
 * Several BuildKit nodes as one backend. Each image goes to a node that can build its platform
 * (its own node when that has a free slot, else the least loaded: see placement.ts), at most
 * `slotsPerNode` at a time on each. Images others build on go through the registry by digest
 * (each node's backend does that), so a dependent builds on exactly those bytes wherever it
 * lands. A node whose connection breaks, or that stops answering, is marked down and its images
 * are built again on the others; the result says what moved.
 */
export function fleetBackend(members: readonly FleetMember[], options: FleetOptions): Backend {
  const nodes: Node[] = members.map((member) => ({ member, address: member.address, platforms: member.platforms, up: true, running: 0, stops: new Set() }));
  const waiting: (() => void)[] = [];
  const wake = (): void => waiting.splice(0).forEach((resume) => resume());
  let watchdog: NodeJS.Timeout | undefined;

  const markDown = (node: Node, why: string): void => {
    if (!node.up) return;
    node.up = false;
    for (const stop of node.stops) stop.abort(Object.assign(new Error(`${node.address} ${why}`), { nodeDown: true }));
    wake();
  };
  const watch = (): void => {
    if (watchdog || !options.watchEveryMs) return;
    watchdog = setInterval(() => {
      for (const node of nodes) {
        if (!node.up || node.running === 0 || !node.member.alive) continue;
        void node.member.alive().then((alive) => alive || markDown(node, 'stopped answering'));
      }
    }, options.watchEveryMs);
    watchdog.unref();
  };

  /**
   * A slot on a node for `target`, waiting while every node that can build it is full; away from
   * `spread` when it can. When no node up lists the platform, any node takes it, as buildx does:
   * BuildKit builds what needs no emulation (FROM scratch, COPY), and a RUN step needs the node's
   * emulation for that platform; a note says so.
   */
  const acquire = async (target: BuildTarget, job: BuildJob, avoid: ReadonlySet<string>, spread: Set<string> | undefined): Promise<Node> => {
    for (;;) {
      // A node that failed this build went down first (markDown), so none left means none up.
      const candidates = nodes.filter((n) => n.up && !avoid.has(n.address));
      if (candidates.length === 0) throw Object.assign(buildError('engine.unreachable', 'Every node of the fleet is down.'), { fleetDown: true });
      const listed = candidates.some((n) => canBuild(n, target.platform));
      const platform = listed ? target.platform : undefined;
      let placed = place(nodes, target.name, platform, options.slotsPerNode, spread ? new Set([...avoid, ...spread]) : avoid);
      if (!placed.node && placed.reason === 'none' && spread) placed = place(nodes, target.name, platform, options.slotsPerNode, avoid);
      if (placed.node) {
        placed.node.running++;
        spread?.add(placed.node.address);
        if (!listed) {
          const runs = candidates.map((n) => `${n.address}: ${n.platforms.join(', ')}`).join('; ');
          job.onEvent({
            type: 'note',
            text: `no node of the fleet lists ${target.platform} (${runs}): building it on ${placed.node.address}, as buildx does; a RUN step for ${target.platform} needs emulation (QEMU) there`,
          });
        }
        return placed.node;
      }
      if (job.signal.aborted) throw job.signal.reason;
      // A slot frees, a node goes down, or the run is cancelled: look again.
      await new Promise<void>((resume) => {
        waiting.push(resume);
        job.signal.addEventListener('abort', () => resume(), { once: true });
      });
    }
  };

  /** Builds `target` on a node, and again on another when that node goes down. */
  const buildSomewhere = async (target: BuildTarget, job: BuildJob, spread?: Set<string>): Promise<ImageResult> => {
    const avoid = new Set<string>();
    const moved: string[] = [];
    for (;;) {
      const node = await acquire(target, job, avoid, spread);
      const stop = new AbortController();
      const forward = (): void => stop.abort(job.signal.reason);
      job.signal.addEventListener('abort', forward, { once: true });
      node.stops.add(stop);
      try {
        const onEvent = (event: ImageEvent): void => job.onEvent(event.type === 'started' ? { ...event, node: node.address } : event);
        const result = await node.member.backend.build(target, { ...job, signal: stop.signal, onEvent } satisfies BuildJob);
        return { ...result, node: node.address, ...(moved.length > 0 ? { moved: moved.join('; ') } : {}) } satisfies ImageResult;
      } catch (error) {
        if (job.signal.aborted) throw error;
        const lost = !node.up || node.member.backend.lost?.(error) === true;
        if (!lost) throw error;
        markDown(node, 'went down');
        avoid.add(node.address);
        moved.push(`${node.address} went down`);
        job.onEvent({ type: 'note', text: `${node.address} went down in the middle of the build: building it again on another node` });
      } finally {
        node.running--;
        node.stops.delete(stop);
        job.signal.removeEventListener('abort', forward);
        wake();
      }
    }
  };

  return {
    kind: 'fleet',
    address: nodes.map((n) => n.address).join(','),
    notices: options.notices ?? [],
    concurrency: (parallel) => parallel * nodes.filter((n) => n.up).length,
    async check(targets, request) {
      await members[0]?.backend.check(targets, request);
      const dependedOn = new Set(targets.flatMap((t) => t.dependsOn));
      const local = targets.filter((t) => dependedOn.has(t.name) && !t.tags.some((tag) => registryOf(tag) !== 'docker.io' || tag.startsWith('docker.io/')));
      if (local.length > 0) {
        throw buildError(
          'build.unsupported',
          `${local.map((t) => t.name).join(', ')}: images of the run build on ${local.length === 1 ? 'it' : 'them'}, and on a fleet they go from node to node through a registry by digest, but ${local.length === 1 ? 'it has' : 'they have'} no tag in a registry (${local.map((t) => t.tags[0]).join(', ')}): give ${local.length === 1 ? 'it' : 'each'} one the nodes can reach, as $meta({ tags: ['registry.example/${local[0]!.name}:1'] }).`,
        );
      }
      if (options.assembler) {
        const split = targets.filter((t) => (t.platform?.includes(',') ?? false) && (request.load || t.outputs.length > 0));
        if (split.length > 0)
          throw buildError(
            'build.unsupported',
            `${split.map((t) => t.name).join(', ')}: on a fleet the platforms of an image build on different nodes and meet only in the registry, so --load and --output are not supported with several platforms; build on one node (one --builder) for those.`,
          );
      }
      watch();
    },
    async build(target, job) {
      const platforms =
        target.platform
          ?.split(',')
          .map((p) => p.trim())
          .filter(Boolean) ?? [];
      if (platforms.length < 2 || !options.assembler) return buildSomewhere(target, job);
      const started = Date.now();
      const { digest, upToDate } = await options.assembler.before(target, job);
      if (upToDate) return upToDate;
      job.onEvent({ type: 'note', text: `${platforms.join(', ')}: each on a node that runs it, pushed by digest, then one index` });
      const spread = new Set<string>(); // the platforms of one image go to different nodes when they can
      const parts = await Promise.all(
        platforms.map(async (platform) => ({
          platform,
          result: await buildSomewhere(platformOf(target, platform), { ...job, push: false, load: false, neededByOthers: false, byDigest: true }, spread),
        })),
      );
      return options.assembler.assemble(target, parts, job, digest, started);
    },
    gone(error) {
      return (error as { fleetDown?: boolean }).fleetDown ? 'every node of the fleet is down' : undefined;
    },
    close() {
      if (watchdog) clearInterval(watchdog);
      for (const member of members) member.backend.close();
    },
  };
}

/** One platform of a target; its registry caches get a place of their own (two platforms would overwrite one). */
function platformOf(target: BuildTarget, platform: string): BuildTarget {
  const own = (spec: BuildTarget['cacheTo'][number]): BuildTarget['cacheTo'][number] =>
    spec.type === 'registry' && spec.attrs.ref ? { ...spec, attrs: { ...spec.attrs, ref: `${spec.attrs.ref}-${platform.replaceAll('/', '-')}` } } : spec;
  return { ...target, platform, outputs: [], cacheTo: target.cacheTo.map(own), cacheFrom: target.cacheFrom.map(own) };
}
