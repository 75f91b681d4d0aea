import type { SerializedError } from 'vitest';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line after vitest's own summary, so any CI reader can count the run:
 * `tests: N passed, N failed, N skipped; suites: N passed, N failed; N errors`. A suite (test
 * file) that failed to load or crashed counts as failed even though none of its tests ran, and
 * errors outside any test count too: "210 passed, 0 failed" must never hide a crashed file.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    const tests = { passed: 0, failed: 0, skipped: 0 };
    const suites = { passed: 0, failed: 0 };
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') tests.passed++;
        else if (state === 'failed') tests.failed++;
        else tests.skipped++;
      }
      if (module.state() === 'failed' || !module.ok()) suites.failed++;
      else suites.passed++;
    }
    const errors = unhandledErrors.length;
    process.stdout.write(
      `\ntests: ${tests.passed} passed, ${tests.failed} failed, ${tests.skipped} skipped; ` +
        `suites: ${suites.passed} passed, ${suites.failed} failed; ${errors} error${errors === 1 ? '' : 's'} outside tests\n`,
    );
  }
}
