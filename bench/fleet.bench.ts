/**
 * The fleet's placement and scheduling at scale, by simulation: the same code that runs a fleet
 * (buildTargets, the scheduler, fleetBackend, placement) over simulated nodes, whose builds take
 * the time a seeded model gives (a fake backend: nothing is built). Prints, for each fleet, the
 * makespan against its lower bound: the longer of the critical path and the total work spread
 * over every slot. Goal: at most 1.15x.
 *
 *   jiti bench/fleet.bench.ts        (pnpm bench runs it)
 */
import { buildTargets, fleetBackend, type Backend, type BuildTarget, type FleetMember, type ImageResult } from '@dockwright/engine';

const SLOTS = 4; // --parallel: builds per node at once

/** mulberry32: a small seeded generator, so every run simulates the same graph. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Model {
  readonly targets: BuildTarget[];
  readonly durations: Map<string, number>;
}

/**
 * A monorepo's graph: a few bases, images that build on one or two earlier images (most on a
 * base, some on another app), build times from 20 to about 400 ms with a long tail.
 */
function model(count: number, seed: number): Model {
  const next = random(seed);
  const targets: BuildTarget[] = [];
  const durations = new Map<string, number>();
  const bases = Math.max(2, Math.round(count / 40));
  for (let i = 0; i < count; i++) {
    const name = `img${i}`;
    const dependsOn = new Set<string>();
    if (i >= bases) {
      dependsOn.add(`img${Math.floor(next() * bases)}`);
      // Some build on an earlier image that is not a base.
      if (i > bases && next() < 0.3) dependsOn.add(`img${bases + Math.floor(next() * (i - bases))}`);
    }
    dependsOn.delete(name);
    durations.set(name, Math.round(20 + 380 * next() ** 3 + (i < bases ? 200 : 0)));
    targets.push({ name, dependsOn: [...dependsOn], tags: [`registry.example/${name}:1`], platform: undefined } as unknown as BuildTarget);
  }
  return { targets, durations };
}

/** A node whose builds only take their time. */
function simulatedNode(address: string, durations: Map<string, number>): FleetMember {
  const backend: Backend = {
    kind: 'buildkit',
    address,
    check: () => undefined,
    build: (target, job) =>
      new Promise<ImageResult>((resolve, reject) => {
        job.onEvent({ type: 'started', builder: 'simulated' });
        const timer = setTimeout(
          () =>
            resolve({
              name: target.name,
              id: `sha256:${target.name}`,
              digest: `sha256:${target.name}`,
              tags: target.tags,
              size: undefined,
              durationMs: durations.get(target.name)!,
              steps: 1,
              cachedSteps: 0,
              upToDate: false,
              builder: 'simulated',
              node: address,
              pushed: [],
            }),
          durations.get(target.name),
        );
        job.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(job.signal.reason);
        });
      }),
    gone: () => undefined,
    close: () => undefined,
  };
  return { address, platforms: ['linux/amd64'], backend };
}

function lowerBound(m: Model, slots: number): { bound: number; path: number; spread: number } {
  const finish = new Map<string, number>();
  for (const t of m.targets) finish.set(t.name, Math.max(0, ...t.dependsOn.map((d) => finish.get(d)!)) + m.durations.get(t.name)!);
  const path = Math.max(...finish.values());
  const spread = [...m.durations.values()].reduce((a, b) => a + b, 0) / slots;
  return { bound: Math.max(path, spread), path, spread };
}

async function simulate(images: number, nodes: number, seed: number): Promise<number> {
  const m = model(images, seed);
  const members = Array.from({ length: nodes }, (_, i) => simulatedNode(`tcp://node${i}:1234`, m.durations));
  const backend = fleetBackend(members, { slotsPerNode: SLOTS });
  const started = performance.now();
  const outcomes = await buildTargets(backend, m.targets, {
    parallel: SLOTS,
    env: { HOME: '/nonexistent' },
    records: { imagesFor: () => [], add: () => undefined },
  });
  const makespan = performance.now() - started;
  if (outcomes.some((o) => o.status !== 'done')) throw new Error('a simulated build did not finish');
  const { bound, path, spread } = lowerBound(m, nodes * SLOTS);
  const ratio = makespan / bound;
  console.log(
    `  ${String(images).padStart(3)} images on ${String(nodes).padStart(2)} nodes x ${SLOTS} slots: makespan ${makespan.toFixed(0)} ms, critical path ${path.toFixed(0)} ms, work per slot ${spread.toFixed(0)} ms`,
  );
  return ratio;
}

console.log('fleet simulation (seeded graph, simulated build times, the real placement and scheduler)');
const small = await simulate(50, 3, 7);
const large = await simulate(500, 20, 42);
console.log(`  50 images on 3 nodes: makespan ${small.toFixed(2)} x the lower bound`);
console.log(`makespan ${large.toFixed(2)} x the lower bound (500 images on 20 nodes; goal: at most 1.15)`);
