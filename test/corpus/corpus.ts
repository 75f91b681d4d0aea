import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';

/** Docker's own parser tests, read where they are (../shared/corpus/buildkit, see its README). */
export const CORPUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'buildkit');

/** `describe` for conformance tests: skipped with the missing path named, failing under CI=true. */
export function describeWithCorpus(name: string, body: () => void): void {
  if (existsSync(CORPUS)) describe(name, body);
  else if (process.env.CI) {
    describe(name, () => {
      throw new Error(`CI=true but the conformance corpus is missing at ${CORPUS}`);
    });
  } else describe.skip(`${name} (corpus missing at ${CORPUS})`, body);
}
