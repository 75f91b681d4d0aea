import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { project } from '../../packages/cli/test/helpers.js';
import { describeWithEngine, removeImages, testEngine, uniqueRepo } from './engine-helpers.js';

/**
 * The live view in a real terminal: tmux runs `dockwright build --progress tty` in a window of
 * 100 x 30 and the test reads the screen as a person would see it, while the build runs and after.
 */
const COLUMNS = 100;
const ROWS = 30;
const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'dist', 'bin.cjs');
const server = `dockwright-live-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8' });

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // no server was started
  }
  if (testEngine.available) await removeImages('dockwright-e2e/live-');
});

const screen = (): string[] => tmux('capture-pane', '-p', '-t', 'live').split('\n');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, ready: (lines: string[]) => boolean, ms = 60_000): Promise<string[]> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(150)) {
    const lines = screen();
    if (ready(lines)) return lines;
  }
  throw new Error(`the screen never showed ${what}:\n${screen().join('\n')}`);
}

describeWithEngine('the live view in a terminal (tmux)', () => {
  test('running steps with their time and last output lines, folded when they end; errors kept; lines fit', async () => {
    const repo = uniqueRepo('live');
    const long = 'x'.repeat(150);
    const dir = project({
      'dockwright.ts': `import { from } from 'dockwright';
export const slow = from('${testEngine.image}')
  .run('for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo "output line $i"; sleep 0.4; done; echo ${long}')
  .$meta({ name: 'slow', tags: ['${repo}:slow'] });
export const broken = from('${testEngine.image}')
  .run('echo "about to fail"; sleep 1; exit 3')
  .$meta({ name: 'broken', tags: ['${repo}:broken'] });
`,
    });
    const command = `${process.execPath} ${BIN} build --builder buildkit --network none --no-cache --progress tty; echo "exit=$?"; sleep 600`;
    tmux('new-session', '-d', '-s', 'live', '-x', String(COLUMNS), '-y', String(ROWS), '-c', dir, '-e', `DOCKER_HOST=${testEngine.host}`, command);

    // While it runs: the step, its time, and its latest output under it.
    const running = await until('a running step with output', (lines) => lines.some((l) => /output line [3-9]/.test(l)));
    const stepLine = running.find((l) => l.includes('=> ') && l.includes('RUN for i'));
    expect(stepLine, running.join('\n')).toMatch(/\d+\.\ds$/);
    expect(running.some((l) => /^\s+output line \d+$/.test(l))).toBe(true);
    expect(running[0]).toMatch(/^\[\+\] Building \d+\.\ds \(\d\/2 images\)/);

    // After: the steps folded away, the failure kept with its output, every line within the width.
    const done = await until('the end of the run', (lines) => lines.some((l) => l.startsWith('exit=')));
    const text = done.join('\n');
    expect(done.find((l) => l.startsWith('exit='))).toBe('exit=1');
    expect(text).not.toMatch(/output line 3/);
    expect(text).toMatch(/✔ slow\s+built/);
    expect(text).toMatch(/✖ broken\s+failed/);
    expect(text).toContain('about to fail');
    expect(text).toMatch(/✖ broken\s+failed\n\s+error: executor failed running \[\/bin\/sh -c echo "about to fail"/);
    for (const line of done) expect(line.length).toBeLessThanOrEqual(COLUMNS);
    // "…" only where a line was cut: the 150-character output line was, nothing shorter was.
    for (const line of done.filter((l) => l.includes('…'))) expect(line.length).toBeGreaterThanOrEqual(COLUMNS - 2);
    console.log(`the live view, captured during and after the run:\n${running.join('\n')}\n---\n${text}`);
  }, 120_000);
});
