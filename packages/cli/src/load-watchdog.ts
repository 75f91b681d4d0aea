import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * A definitions file that never finishes loading would leave the CLI silent for ever, and one that
 * loops blocks the only thread that could say so. So a worker thread keeps the time. When the time
 * is up it asks the main thread, through the inspector, to call HOOK: V8 runs inspector messages
 * between the steps of running JavaScript, so the hook runs inside the loop and its stack shows
 * the line that loops. Only the main thread decides, so a load that has just ended is never
 * mistaken for a hung one.
 *
 * Stopping is the delicate part. Node prints "Waiting for the debugger to disconnect..." when the
 * process exits with the worker's session still open, and a session cannot close while the main
 * thread is busy. So:
 *  - code that loops while a module evaluates is stopped by the worker (Runtime.terminateExecution,
 *    then it closes its session); the process then exits with code 2 and reports on 'exit';
 *  - a main thread that is idle (an await that waits for ever) is told by message once the
 *    session is closed, and exits;
 *  - code that loops inside a callback of Node's (a timer, an event) cannot be terminated safely
 *    (Node aborts), so the hook exits there and then, and Node adds its line about the debugger.
 */
const HOOK = Symbol.for('dockwright.loadWatchdog');

/** What the hook tells the worker: stop the code that runs, or the main thread waits for a message. */
type Verdict = 'running' | 'waiting';

// The worker runs this as a CommonJS script: no path to resolve, and it runs the same from the
// bundle and from the TypeScript sources under test.
const WORKER_SOURCE = `
const { Session } = require('node:inspector');
const { parentPort, workerData } = require('node:worker_threads');
const session = new Session();
session.connectToMainThread();
setTimeout(() => {
  const keepAlive = setInterval(() => {}, 60000); // until the main thread answers
  const close = () => { session.disconnect(); clearInterval(keepAlive); };
  session.post('Runtime.evaluate', { expression: 'globalThis[Symbol.for("dockwright.loadWatchdog")]?.()' }, (error, reply) => {
    const verdict = reply?.result?.value;
    if (verdict === 'running') return session.post('Runtime.terminateExecution', close);
    close();
    if (verdict === 'waiting') parentPort.postMessage('closed');
  });
}, Math.min(workerData.timeoutMs, 2 ** 31 - 1)); // beyond that, setTimeout fires at once
`;

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
export function watchLoad(timeoutMs: number, report: (hang: Hang) => void): () => void {
  if (!canWatch()) return () => {};
  let hang: Hang | undefined;
  const reportOnce = (): void => {
    const found = hang;
    hang = undefined;
    if (found) report(found);
  };

  const globals = globalThis as { [HOOK]?: () => Verdict };
  globals[HOOK] = function hook() {
    const stack = stackBelow(hook);
    // Only the inspector's own `<anonymous>` frame: nothing else was running.
    const waiting = stack.split('\n').filter((line) => line.trimStart().startsWith('at ')).length <= 1;
    hang = { kind: 'timeout', waiting, stack };
    if (waiting) return 'waiting';
    process.off('beforeExit', onNeverSettles); // Node empties its loop after the termination
    process.exitCode = EXIT_HUNG;
    if (/(?:\(|at )node:(?!internal\/modules\/)/.test(stack)) {
      reportOnce();
      process.exit(EXIT_HUNG);
    }
    process.once('exit', reportOnce);
    return 'running';
  };
  const onNeverSettles = (): void => {
    hang = { kind: 'neverSettles' };
    reportOnce();
    process.exitCode = EXIT_HUNG;
    stop(); // Node exits once the worker has gone, with no session left open
  };
  process.once('beforeExit', onNeverSettles);

  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { timeoutMs }, stdout: true, stderr: true });
  worker.on('error', () => {}); // an inspector this Node cannot open: nothing is watched
  worker.on('message', () => {
    reportOnce();
    process.exit(EXIT_HUNG);
  });
  worker.unref(); // never what keeps the process alive

  function stop(): void {
    delete globals[HOOK];
    process.off('beforeExit', onNeverSettles);
    worker.removeAllListeners('message'); // a wait that ended after all is no hang
    void worker.terminate();
  }
  return stop;
}

/** Not while a debugger is attached (a paused file is not a hung one), nor in a Node without an inspector. */
function canWatch(): boolean {
  try {
    const inspector = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
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
