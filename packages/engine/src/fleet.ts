import type { Backend, BuildJob, ImageEvent, ImageResult } from './backend.js';
import { buildError } from './errors.js';
import type { BuildTarget } from './images.js';
import { place, type PlacedNode } from './placement.js';
import { registryOf } from './auth.js';

/** One node of a fleet: where it is, what it builds, and the backend that builds there. */
export interface FleetMember {
  readonly address: string;
  readonly platforms: readonly string[];
  readonly backend: Backend;
  /** Answers within the time allowed: the node is alive (a watchdog asks while it builds). */
  readonly alive?: (() => Promise<boolean>) | undefined;
}

export interface FleetOptions {
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
 * (its own node while that is up, else the least loaded: see placement.ts), at most
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

  /** A slot on a node for `target`, waiting while every node that can build it is full. */
  const acquire = async (target: BuildTarget, avoid: ReadonlySet<string>, signal: AbortSignal): Promise<Node> => {
    for (;;) {
      const placed = place(nodes, target.name, target.platform, options.slotsPerNode, avoid);
      if (placed.node) {
        placed.node.running++;
        return placed.node;
      }
      if (placed.reason === 'none') {
        const down = nodes.every((n) => !n.up);
        const error = buildError(
          'engine.unreachable',
          down ? 'Every node of the fleet is down.' : `${target.name}: no node of the fleet that is up can build ${target.platform ?? 'it'} (${nodes.filter((n) => n.up).map((n) => `${n.address}: ${n.platforms.join(', ')}`).join('; ')}).`,
        );
        throw Object.assign(error, { fleetDown: down });
      }
      if (signal.aborted) throw signal.reason;
      await new Promise<void>((resume) => waiting.push(resume));
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
      watch();
    },
    async build(target, job) {
      const avoid = new Set<string>();
      const moved: string[] = [];
      for (;;) {
        const node = await acquire(target, avoid, job.signal);
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
