import { describe, expect, test } from 'vitest';
import { fleetBackend, type Backend, type BuildJob, type BuildTarget, type FleetMember, type ImageResult } from '@dockwright/engine';

/** A node whose builds end only when told to, or when cancelled; a fake for the fleet's own logic (real daemons: test/buildkit/fleet.test.ts). */
function node(address: string, platforms: string[] = ['linux/amd64'], ignoresAbort = false) {
  const started: string[] = [];
  const pending = new Map<string, { resolve: (r: ImageResult) => void; reject: (e: unknown) => void }>();
  const backend: Backend = {
    kind: 'buildkit',
    address,
    check: () => undefined,
    build: (target, job) =>
      new Promise<ImageResult>((resolve, reject) => {
        started.push(target.name);
        pending.set(target.name, { resolve, reject });
        if (!ignoresAbort) job.signal.addEventListener('abort', () => reject(job.signal.reason), { once: true });
      }),
    lost: (error) => (error as { lost?: boolean }).lost === true,
    gone: () => undefined,
    close: () => undefined,
  };
  const finish = (name: string): void =>
    pending.get(name)!.resolve({
      name,
      id: name,
      tags: [],
      size: undefined,
      durationMs: 0,
      steps: 1,
      cachedSteps: 0,
      upToDate: false,
      builder: 'fake',
      node: address,
      pushed: [],
    });
  const lose = (name: string): void => pending.get(name)!.reject(Object.assign(new Error('connection reset'), { lost: true }));
  return { member: { address, platforms, backend } satisfies FleetMember, started, finish, lose };
}

const target = (name: string, platform?: string): BuildTarget =>
  ({ name, platform, dependsOn: [], tags: [`reg.example/${name}:1`], cacheTo: [], cacheFrom: [], outputs: [] }) as unknown as BuildTarget;
const job = (signal: AbortSignal, notes: string[] = []): BuildJob =>
  ({
    force: false,
    push: false,
    load: false,
    records: { imagesFor: () => [], add: () => undefined },
    credentials: () => undefined,
    dependencies: new Map(),
    neededByOthers: false,
    signal,
    onEvent: (e) => e.type === 'note' && notes.push(e.text),
  }) as BuildJob;

describe('a fleet', () => {
  test('a build waiting for a slot ends when the run is cancelled, even while the slot stays taken', async () => {
    const a = node('tcp://a:1', ['linux/amd64'], true); // its build goes on after the cancel
    const fleet = fleetBackend([a.member], { slotsPerNode: 1 });
    const cancel = new AbortController();
    const first = fleet.build(target('one'), job(cancel.signal));
    const second = fleet.build(target('two'), job(cancel.signal));
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.started).toEqual(['one']);
    cancel.abort(new Error('Ctrl-C'));
    await expect(second).rejects.toThrow('Ctrl-C');
    expect(a.started).toEqual(['one']);
    a.finish('one');
    await first;
  });

  test('a node lost mid-build: marked down, the image built on another, the result says what moved', async () => {
    const a = node('tcp://a:1');
    const b = node('tcp://b:1');
    const fleet = fleetBackend([a.member, b.member], { slotsPerNode: 2 });
    const notes: string[] = [];
    const building = fleet.build(target('api'), job(new AbortController().signal, notes));
    await new Promise((resolve) => setImmediate(resolve));
    const [first, second] = a.started.includes('api') ? [a, b] : [b, a];
    first.lose('api');
    while (!second.started.includes('api')) await new Promise((resolve) => setImmediate(resolve));
    second.finish('api');
    const result = await building;
    expect(result.node).toBe(second.member.address);
    expect(result.moved).toBe(`${first.member.address} went down`);
    expect(notes).toContain(`${first.member.address} went down in the middle of the build: building it again on another node`);
    // The lost node takes nothing more.
    const next = fleet.build(target('other'), job(new AbortController().signal));
    await new Promise((resolve) => setImmediate(resolve));
    expect(first.started).toEqual(['api']);
    second.finish('other');
    expect((await next).node).toBe(second.member.address);
  });

  test('a platform no node lists: built on a node anyway, as buildx does, with a note naming what each node runs', async () => {
    const a = node('tcp://a:1');
    const fleet = fleetBackend([a.member], { slotsPerNode: 1 });
    const notes: string[] = [];
    const built = fleet.build(target('api', 'linux/arm64'), job(new AbortController().signal, notes));
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.started).toEqual(['api']);
    expect(notes).toEqual([
      'no node of the fleet lists linux/arm64 (tcp://a:1: linux/amd64): building it on tcp://a:1, as buildx does; a RUN step for linux/arm64 needs emulation (QEMU) there',
    ]);
    a.finish('api');
    expect((await built).node).toBe('tcp://a:1');
  });

  test('a platform one node lists goes there, even when another is free', async () => {
    const a = node('tcp://a:1');
    const arm = node('tcp://arm:1', ['linux/arm64']);
    const fleet = fleetBackend([a.member, arm.member], { slotsPerNode: 1 });
    const notes: string[] = [];
    const built = fleet.build(target('api', 'linux/arm64'), job(new AbortController().signal, notes));
    await new Promise((resolve) => setImmediate(resolve));
    expect([a.started, arm.started, notes]).toEqual([[], ['api'], []]);
    arm.finish('api');
    await built;
  });

  test('every node down: refused as the fleet being gone', async () => {
    const a = node('tcp://a:1');
    const fleet = fleetBackend([a.member], { slotsPerNode: 1 });
    const built = fleet.build(target('api'), job(new AbortController().signal));
    await new Promise((resolve) => setImmediate(resolve));
    a.lose('api');
    const error = await built.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'engine.unreachable', message: 'Every node of the fleet is down.' });
    expect(fleet.gone(error)).toBe('every node of the fleet is down');
  });
});
