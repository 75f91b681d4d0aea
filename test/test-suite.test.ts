import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

/** The test suite itself: what it counts, and what it does without the conformance corpus. */
const ROOT = join(import.meta.dirname, '..');
const VITEST = join(ROOT, 'node_modules', '.bin', 'vitest');

function vitest(args: string[], env: Record<string, string | undefined> = {}): { code: number | null; out: string } {
  const result = spawnSync(VITEST, ['run', '--typecheck.enabled=false', ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: undefined, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, out: result.stdout + result.stderr };
}

describe('the summary line', () => {
  test('counts a suite that crashed as it loaded, whose tests never ran', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dockwright-suite-'));
    writeFileSync(join(dir, 'crash.test.ts'), "import { test } from 'vitest';\nthrow new Error('crash at load');\ntest('never', () => {});\n");
    writeFileSync(join(dir, 'ok.test.ts'), "import { expect, test } from 'vitest';\ntest('fine', () => expect(1).toBe(1));\n");
    const result = vitest(['--root', dir, '--reporter', join(ROOT, 'test', 'support', 'summary-reporter.ts')]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('tests: 1 passed, 0 failed, 0 skipped; suites: 1 passed, 1 failed;');
  });
});

describe('without the conformance corpus', () => {
  test('its tests skip, naming the missing path; under CI=true they fail', () => {
    const missing = join(tmpdir(), 'no-shared', 'corpus', 'buildkit');
    const skipped = vitest(['test/corpus', '--reporter', 'verbose'], { DOCKWRIGHT_CORPUS: missing });
    expect(skipped.code, skipped.out).toBe(0);
    expect(skipped.out).not.toContain('ENOENT');
    expect(skipped.out).toContain(`skipped: the corpus is missing at ${missing}`);
    const failed = vitest(['test/corpus'], { DOCKWRIGHT_CORPUS: missing, CI: 'true' });
    expect(failed.code).toBe(1);
    expect(failed.out).toContain(`CI=true but the conformance corpus is missing at ${missing}`);
  }, 120_000);
});

describe('without a BuildKit daemon', () => {
  test('its tests skip with a message; under CI=true they fail', () => {
    const skipped = vitest(['test/buildkit/daemons.test.ts', '--reporter', 'verbose'], { DOCKWRIGHT_TEST_BUILDKIT: undefined });
    expect(skipped.code, skipped.out).toBe(0);
    expect(skipped.out).toContain('no test BuildKit daemon');
    const failed = vitest(['test/buildkit/daemons.test.ts'], { DOCKWRIGHT_TEST_BUILDKIT: undefined, CI: 'true' });
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('CI=true but no test BuildKit daemon');
  }, 120_000);
});

describe('without a Docker Engine', () => {
  test('its tests skip with a message; under CI=true they fail', () => {
    const env = { DOCKER_HOST: undefined, DOCKWRIGHT_TEST_IMAGE: undefined };
    const skipped = vitest(['test/engine/live-view.test.ts', '--reporter', 'verbose'], env);
    expect(skipped.code, skipped.out).toBe(0);
    expect(skipped.out).toContain('no test engine');
    const failed = vitest(['test/engine/live-view.test.ts'], { ...env, CI: 'true' });
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('CI=true but no test engine');
  }, 120_000);
});
