// The load watchdog's worker thread (see load-watchdog.ts): it keeps the time while the main
// thread loads a definitions file, and asks the main thread, through the inspector, what it runs.
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';

/** What the main thread hands the worker. */
export interface WatchdogData {
  readonly timeoutMs: number;
  /** One Int32: 1 once this worker's inspector session has closed. */
  readonly closed: SharedArrayBuffer;
}

/** What the hook answers: the main thread is running code, waiting on nothing, or (undefined) done loading. */
export type Verdict = 'running' | 'waiting';

/** The worker tells the main thread it found it waiting: the main thread then reports and exits. */
export const HUNG_MESSAGE = 'hung';

/** Evaluated on the main thread: calls the hook load-watchdog.ts installed, if the load still runs. */
const ASK_HOOK = 'globalThis[Symbol.for("dockwright.loadWatchdog")]?.()';

// Beyond this, setTimeout fires at once.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

if (parentPort !== null) watch(parentPort, workerData as WatchdogData);

function watch(port: NonNullable<typeof parentPort>, data: WatchdogData): void {
  const closed = new Int32Array(data.closed);
  let session: Session | undefined;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let done = false;

  const open = (): Session => {
    const opened = new Session();
    opened.connectToMainThread();
    Atomics.store(closed, 0, 0);
    session = opened;
    return opened;
  };
  const close = (): void => {
    session?.disconnect();
    session = undefined;
    Atomics.store(closed, 0, 1);
    Atomics.notify(closed, 0);
  };
  const finish = (): void => {
    if (done) return;
    done = true;
    close();
    clearInterval(keepAlive);
  };
  port.on('message', finish); // the main thread is about to exit

  const ask = (current: Session): void => {
    if (done) return;
    current.post('Runtime.evaluate', { expression: ASK_HOOK }, (_error, reply) => {
      const verdict = reply?.result?.value as Verdict | undefined;
      if (verdict === undefined) return finish(); // the load has ended
      if (verdict === 'waiting') {
        port.postMessage(HUNG_MESSAGE);
        setTimeout(() => ask(current), 500); // should it start running before it reads the message
        return;
      }
      current.post('Runtime.terminateExecution', () => {
        close();
        // Should the process still be there, ask again on a new session: the hook then ends it.
        setTimeout(() => {
          if (!done) ask(open());
        }, 3000);
      });
    });
  };

  // The session opens only when the time is up: a load that ends in time never pays for it.
  setTimeout(
    () => {
      keepAlive = setInterval(() => {}, 60_000); // until the main thread is gone
      ask(open());
    },
    Math.min(data.timeoutMs, MAX_TIMEOUT_MS),
  );
}
