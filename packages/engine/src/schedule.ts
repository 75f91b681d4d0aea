import { setMaxListeners } from 'node:events';
import { buildError } from './errors.js';

/** A unit of work with the names of the units it needs first. */
export interface Job<T> {
  readonly name: string;
  readonly dependsOn: readonly string[];
  run(signal: AbortSignal): Promise<T>;
}

export type Outcome<T> =
  | { readonly name: string; readonly status: 'done'; readonly value: T }
  | { readonly name: string; readonly status: 'failed'; readonly error: unknown }
  /** Never started: a job it depends on failed or was skipped, or no job could run any more. */
  | { readonly name: string; readonly status: 'skipped'; readonly because: string }
  /** Cancelled while running, or never started after a cancel (fail-fast, Ctrl-C). */
  | { readonly name: string; readonly status: 'cancelled' };

export interface ScheduleOptions {
  /** How many jobs run at once. */
  readonly parallel: number;
  /** Cancel everything at the first failure (else: keep going with what does not depend on it). */
  readonly failFast: boolean;
  /** Cancels running jobs and starts no more. */
  readonly signal?: AbortSignal | undefined;
  readonly onOutcome?: ((outcome: Outcome<unknown>) => void) | undefined;
  /**
   * Says why, when a job's error means that no job can run any more (the engine is gone): that
   * job never really started, so it and every job not started yet are skipped for this reason.
   */
  readonly haltsAll?: ((error: unknown) => string | undefined) | undefined;
}

/**
 * Runs jobs in dependency order, independent ones in parallel up to `parallel`. Of the jobs
 * ready, the one with the longest chain of jobs waiting on it starts first (list scheduling by
 * critical path: what many others wait for is never left for last); ties keep the jobs' order.
 * Outcomes come back in the jobs' order. A dependency cycle or an unknown dependency is refused
 * before anything runs.
 */
export async function schedule<T>(jobs: readonly Job<T>[], options: ScheduleOptions): Promise<Outcome<T>[]> {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  for (const job of jobs) {
    for (const dep of job.dependsOn) {
      if (!byName.has(dep)) throw buildError('cli.usage', `${job.name} depends on ${dep}, which is not being built.`);
    }
  }
  assertAcyclic(jobs);
  const order = byCriticalPath(jobs);

  const cancel = new AbortController();
  // Every running job listens to it (a fleet's builds, their calls): no leak, many listeners.
  setMaxListeners(Infinity, cancel.signal);
  const onAbort = (): void => cancel.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) cancel.abort();

  const outcomes = new Map<string, Outcome<T>>();
  const running = new Set<string>();
  let halted: string | undefined;
  return new Promise((resolve) => {
    const settle = (outcome: Outcome<T>): void => {
      outcomes.set(outcome.name, outcome);
      options.onOutcome?.(outcome);
    };
    const pump = (): void => {
      for (const job of order) {
        if (outcomes.has(job.name) || running.has(job.name)) continue;
        if (cancel.signal.aborted) {
          settle({ name: job.name, status: 'cancelled' });
          continue;
        }
        if (halted !== undefined) {
          settle({ name: job.name, status: 'skipped', because: halted });
          continue;
        }
        const blocked = job.dependsOn.map((dep) => outcomes.get(dep)).find((o) => o !== undefined && o.status !== 'done');
        if (blocked) {
          settle({ name: job.name, status: 'skipped', because: `${blocked.name} ${blocked.status === 'failed' ? 'failed' : `was ${blocked.status}`}` });
          continue;
        }
        const ready = job.dependsOn.every((dep) => outcomes.get(dep)?.status === 'done');
        if (!ready || running.size >= options.parallel) continue;
        running.add(job.name);
        job.run(cancel.signal).then(
          (value) => finish({ name: job.name, status: 'done', value }),
          (error: unknown) => {
            if (cancel.signal.aborted) return finish({ name: job.name, status: 'cancelled' });
            const haltedBy = options.haltsAll?.(error);
            halted ??= haltedBy;
            finish(haltedBy === undefined ? { name: job.name, status: 'failed', error } : { name: job.name, status: 'skipped', because: haltedBy });
          },
        );
      }
      if (running.size === 0 && outcomes.size === jobs.length) {
        options.signal?.removeEventListener('abort', onAbort);
        resolve(jobs.map((job) => outcomes.get(job.name)!));
      }
    };
    const finish = (outcome: Outcome<T>): void => {
      running.delete(outcome.name);
      settle(outcome);
      if (outcome.status === 'failed' && options.failFast) cancel.abort();
      pump();
    };
    // A cancel starts nothing new; running jobs see the signal and finish as cancelled.
    cancel.signal.addEventListener('abort', () => queueMicrotask(pump), { once: true });
    pump();
  });
}

/** The jobs, those with the longest chain of dependents first (weights from `weight`, default 1). */
export function byCriticalPath<T>(jobs: readonly Job<T>[], weight: (job: Job<T>) => number = () => 1): Job<T>[] {
  const dependents = new Map<string, Job<T>[]>(jobs.map((job) => [job.name, []]));
  for (const job of jobs) for (const dep of job.dependsOn) dependents.get(dep)?.push(job);
  const height = new Map<string, number>();
  const heightOf = (job: Job<T>): number => {
    const known = height.get(job.name);
    if (known !== undefined) return known;
    const value = weight(job) + Math.max(0, ...dependents.get(job.name)!.map(heightOf));
    height.set(job.name, value);
    return value;
  };
  return jobs
    .map((job, index) => ({ job, index, height: heightOf(job) }))
    .sort((a, b) => b.height - a.height || a.index - b.index)
    .map((e) => e.job);
}

function assertAcyclic(jobs: readonly Job<unknown>[]): void {
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      throw buildError('cli.usage', `The images depend on each other in a cycle: ${[...path, name].join(' -> ')}.`);
    }
    state.set(name, 'visiting');
    for (const dep of byName.get(name)!.dependsOn) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const job of jobs) visit(job.name, []);
}
