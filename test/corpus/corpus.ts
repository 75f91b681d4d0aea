import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';

/** Docker's own parser tests, read where they are (../shared/corpus/buildkit, see its README; DOCKWRIGHT_CORPUS names another place). */
export const CORPUS = process.env.DOCKWRIGHT_CORPUS ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'buildkit');

/** The independent judge built from BuildKit's own code (../shared/tools/dfjudge, see its README). */
export const DFJUDGE = process.env.DOCKWRIGHT_DFJUDGE ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'tools', 'dfjudge', 'dfjudge');

/** Whether dfjudge can judge here: it is there, and runs (a linux/amd64 binary). Missing under CI=true is a failure. */
export function dfjudgeAvailable(): boolean {
  if (existsSync(DFJUDGE)) return true;
  if (process.env.CI) throw new Error(`CI=true but dfjudge is missing at ${DFJUDGE}`);
  return false;
}

/**
 * `describe` for conformance tests: skipped with the missing path named, failing under CI=true.
 * Without the corpus the body never runs (vitest runs a skipped suite's body to collect its
 * tests, and the body lists the corpus's folders).
 */
export function describeWithCorpus(name: string, body: () => void): void {
  if (existsSync(CORPUS)) describe(name, body);
  else if (process.env.CI) {
    describe(name, () => {
      test('has its corpus', () => {
        throw new Error(`CI=true but the conformance corpus is missing at ${CORPUS}`);
      });
    });
  } else {
    describe(name, () => {
      test.skip(`skipped: the corpus is missing at ${CORPUS}`, () => undefined);
    });
  }
}
