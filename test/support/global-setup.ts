import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

/**
 * Every temporary folder of a test run, and of the processes the tests start, goes under one
 * folder of the run's own (TMPDIR, which the test workers and their children inherit), removed
 * when the run ends: a run leaves nothing in the system's temporary folder.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'dockwright-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    try {
      rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      // A killed test engine can leave a mount behind in its folder: say so, and go on.
      const left = readdirSync(root).join(', ');
      process.stderr.write(`global teardown: could not remove ${root} (${(error as Error).message}); left: ${left}\n`);
    }
  };
}
