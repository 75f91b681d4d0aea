import { describe, expect, test } from 'vitest';
import { schedule, type Job } from '@dockwright/engine';

/** A job that records when it started and finished, and settles when told to. */
function jobs(spec: Record<string, { deps?: string[]; fail?: boolean }>) {
  const log: string[] = [];
  const release = new Map<string, () => void>();
  const list: Job<string>[] = Object.entries(spec).map(([name, { deps = [], fail }]) => ({
    name,
    dependsOn: deps,
    run: (signal) =>
      new Promise<string>((resolve, reject) => {
        log.push(`start ${name}`);
        signal.addEventListener('abort', () => reject(new Error('aborted')));
        release.set(name, () => {
          log.push(`end ${name}`);
          if (fail) reject(new Error(`${name} failed`));
          else resolve(name);
        });
      }),
  }));
  const finish = async (name: string): Promise<void> => {
    while (!release.has(name)) await new Promise((r) => setTimeout(r, 1));
    release.get(name)!();
  };
  return { list, log, finish };
}

describe('schedule', () => {
  test('dependencies first, then independent jobs together up to the limit', async () => {
    const { list, log, finish } = jobs({ base: {}, a: { deps: ['base'] }, b: { deps: ['base'] }, c: { deps: ['base'] } });
    const done = schedule(list, { parallel: 2, failFast: false });
    await finish('base');
    await finish('a');
    await finish('b');
    await finish('c');
    const outcomes = await done;
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(log.slice(0, 4)).toEqual(['start base', 'end base', 'start a', 'start b']); // c waits for a slot
  });

  test('keep going: a failure skips its dependents only', async () => {
    const { list, finish } = jobs({ bad: { fail: true }, child: { deps: ['bad'] }, fine: {} });
    const done = schedule(list, { parallel: 4, failFast: false });
    await finish('bad');
    await finish('fine');
    expect((await done).map((o) => `${o.name} ${o.status}`)).toEqual(['bad failed', 'child skipped', 'fine done']);
  });

  test('fail fast: the first failure cancels what runs and what waits', async () => {
    const { list, finish } = jobs({ bad: { fail: true }, slow: {}, later: { deps: ['slow'] } });
    const done = schedule(list, { parallel: 4, failFast: true });
    await finish('bad');
    expect((await done).map((o) => `${o.name} ${o.status}`)).toEqual(['bad failed', 'slow cancelled', 'later cancelled']);
  });

  test('an error that halts everything: that job and those not started are skipped, running ones end as they end', async () => {
    const { list, log, finish } = jobs({ running: { fail: true }, gone: { fail: true }, waiting: {}, after: { deps: ['gone'] } });
    const halts = (error: unknown): string | undefined => ((error as Error).message === 'gone failed' ? 'the engine stopped answering' : undefined);
    const done = schedule(list, { parallel: 2, failFast: false, haltsAll: halts });
    await finish('gone');
    await finish('running');
    const outcomes = await done;
    expect(outcomes.map((o) => `${o.name} ${o.status} ${o.status === 'skipped' ? o.because : ''}`.trim())).toEqual([
      'running failed',
      'gone skipped the engine stopped answering',
      'waiting skipped the engine stopped answering',
      'after skipped the engine stopped answering',
    ]);
    expect(log).not.toContain('start waiting');
  });

  test('of the jobs ready, the one with the longest chain waiting on it starts first', async () => {
    const { list, log, finish } = jobs({ leaf: {}, other: {}, root: {}, mid: { deps: ['root'] }, top: { deps: ['mid'] } });
    const done = schedule(list, { parallel: 1, failFast: false });
    for (const name of ['root', 'mid', 'leaf', 'other', 'top']) await finish(name);
    await done;
    // root first though it is third; then mid; then, all with nothing waiting on them, in order.
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start root', 'start mid', 'start leaf', 'start other', 'start top']);
  });

  test('a cycle is refused before anything runs', async () => {
    const { list, log } = jobs({ a: { deps: ['b'] }, b: { deps: ['a'] } });
    await expect(schedule(list, { parallel: 1, failFast: false })).rejects.toThrow('cycle: a -> b -> a');
    expect(log).toEqual([]);
  });
});
