import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
    // Some tests leave read-only folders (the write-refusal tests): make them removable first.
    for (const name of readdirSync(root)) rmSync(join(root, name), { recursive: true, force: true, maxRetries: 3 });
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
