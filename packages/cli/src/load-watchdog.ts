import { createRequire } from 'node:module';
import type { Verdict, WatchdogData } from './load-watchdog-worker.js';

/**
 * A definitions file that never finishes loading would leave the CLI silent for ever, and one that
 * loops blocks the only thread that could say so. So a worker thread (load-watchdog-worker.ts) keeps the time. When the time
 * is up it asks the main thread, through the inspector, to call HOOK: V8 runs inspector messages
 * between the steps of running JavaScript, so the hook runs inside the loop and its stack shows
 * the line that loops. Only the main thread decides, so a load that has just ended is never
 * mistaken for a hung one.
 *
 * Stopping is the delicate part. Node prints "Waiting for the debugger to disconnect..." when the
 * process exits with the worker's session still open, and a session cannot close while the main
 * thread is busy. So the main thread always ends by having the worker close its session, waiting
 * for that with Atomics.wait (which still lets the closing run), and:
 *  - code that loops while a module evaluates is stopped by the worker (Runtime.terminateExecution);
 *    the main thread then reports and exits on 'exit';
 *  - a main thread that is idle (an await that waits for ever) is told by message, reports, exits;
 *  - code that loops inside a callback of Node's (a timer, an event) cannot be terminated safely
 *    (Node aborts), so the hook exits there and then, and Node adds its line about the debugger.
 * Until the process is gone the worker keeps asking: a main thread that was idle and has started
 * to loop before it read the message is stopped as a loop, and one that a termination did not
 * end is ended by the hook itself.
 */
const HOOK = Symbol.for('dockwright.loadWatchdog');

const require = createRequire(import.meta.url);

// Taken before bin.ts traps process.exit for the definitions file's sake.
const exitProcess: (code: number) => never = process.exit.bind(process);

// The worker is its own entry of the command's build, beside this file's chunk in dist/ (see rolldown.config.ts).
const WORKER_URL = new URL('./load-watchdog-worker.cjs', import.meta.url);

/** Watches one load until the function it returns is called (see watchLoad). */
export type WatchLoad = (timeoutMs: number, report: (hang: Hang) => void) => () => void;

export type Hang =
  /** Still loading when the time was up. `stack` is what the main thread was running then; `waiting` when it was running nothing. */
  | { readonly kind: 'timeout'; readonly waiting: boolean; readonly stack: string }
  /** Waiting on a promise that nothing can settle any more: Node's event loop has nothing left to run. */
  | { readonly kind: 'neverSettles' };

const EXIT_HUNG = 2;

/**
 * Watches one load from now until the returned `stop` is called. If it hangs, `report` runs on the
 * main thread once the user's code no longer runs, and the process then ends with exit code 2.
 * Nothing is watched while a debugger is attached: a paused file is not a hung one.
 */
export const watchLoad: WatchLoad = (timeoutMs, report) => {
  if (!canWatch()) return () => {};
  /** `terminating`: the worker was told to stop the running code; the process is to end. */
  let state: 'loading' | 'waiting' | 'terminating' = 'loading';
  let found: Hang | undefined;
  let reported = false;
  const reportOnce = (): void => {
    if (reported || found === undefined) return;
    reported = true;
    report(found);
  };

  const closed = new Int32Array(new SharedArrayBuffer(4));
  const workerData: WatchdogData = { timeoutMs, closed: closed.buffer as SharedArrayBuffer };
  // Required here, not imported: a load that never waits never starts the watchdog (module-runner.ts), nor loads its builtins.
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new Worker(WORKER_URL, { workerData, stdout: true, stderr: true });
  /** Until the worker has no session open (Atomics.wait still lets the closing run here). */
  const sessionClosed = (): void => void Atomics.wait(closed, 0, 0, 2000);
  const endNow = (): never => {
    reportOnce();
    exitProcess(EXIT_HUNG);
  };

  const globals = globalThis as { [HOOK]?: () => Verdict };
  globals[HOOK] = function hook(): Verdict {
    if (state === 'terminating') return endNow(); // the termination did not end it
    const stack = stackBelow(hook);
    // Only the inspector's own `<anonymous>` frame: nothing else was running.
    const waiting = stack.split('\n').filter((line) => line.trimStart().startsWith('at ')).length <= 1;
    found = { kind: 'timeout', waiting, stack };
    if (waiting) {
      state = 'waiting';
      return 'waiting';
    }
    state = 'terminating';
    process.off('beforeExit', onNeverSettles); // Node empties its loop after the termination
    process.exitCode = EXIT_HUNG;
    if (/(?:\(|at )node:(?!internal\/modules\/)/.test(stack)) endNow();
    process.once('exit', () => {
      reportOnce();
      sessionClosed(); // the worker closes it once the termination is done
    });
    return 'running';
  };
  worker.on('message', () => {
    if (state !== 'waiting') return;
    reportOnce();
    worker.postMessage('close');
    sessionClosed();
    exitProcess(EXIT_HUNG);
  });
  worker.on('error', () => {}); // an inspector this Node cannot open: nothing is watched
  worker.unref(); // never what keeps the process alive (after the listeners, which would)
  const onNeverSettles = (): void => {
    found = { kind: 'neverSettles' };
    reportOnce();
    process.exitCode = EXIT_HUNG;
    stop(); // Node exits once the worker has gone, with no session left open
  };
  process.once('beforeExit', onNeverSettles);

  function stop(): void {
    delete globals[HOOK];
    process.off('beforeExit', onNeverSettles);
    worker.removeAllListeners('message'); // a wait that ended after all is no hang
    void worker.terminate();
  }
  return stop;
};

/** Not while a debugger is attached (a paused file is not a hung one), nor in a Node without an inspector. */
function canWatch(): boolean {
  try {
    const inspector = require('node:inspector') as typeof import('node:inspector');
    return inspector.url() === undefined;
  } catch {
    return false;
  }
}

/** The main thread's stack under `caller`, deep enough to reach the user's frame under a library's. */
function stackBelow(caller: () => unknown): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, caller);
  Error.stackTraceLimit = limit;
  return holder.stack ?? '';
}
