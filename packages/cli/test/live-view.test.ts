import { describe, expect, test } from 'vitest';
import { LiveState, renderLive } from '../src/progress-view.js';

const plain = (_style: unknown, text: string): string => text;
const frame = (state: LiveState, now: number, columns = 60, rows = 40) => renderLive(state, { now, columns, rows, frame: 0, paint: plain }).split('\n');

describe('the live view (a unit of the renderer; test/engine/live-view.test.ts draws it in tmux)', () => {
  test('a running step shows its time and last output; it folds away when it ends', () => {
    const state = new LiveState(['api', 'worker'], 0);
    state.see('api', { type: 'started', builder: 'buildkitd' }, 0);
    state.see('api', { type: 'step', id: 's1', name: '[2/3] RUN make' }, 1000);
    for (let i = 1; i <= 9; i++) state.see('api', { type: 'log', id: 's1', text: `line ${i}\n` }, 1000);
    const running = frame(state, 3500);
    expect(running[0]).toBe('[+] Building 3.5s (0/2 images)');
    expect(running).toContainEqual(expect.stringMatching(/^ {3}=> \[2\/3\] RUN make +2\.5s$/));
    expect(running.filter((l) => /^ {6}line \d$/.test(l)).map((l) => l.trim())).toEqual(['line 4', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9']);
    expect(running).toContainEqual('   worker  waiting');
    state.see('api', { type: 'stepDone', id: 's1', name: '[2/3] RUN make', cached: false }, 4000);
    const after = frame(state, 4000);
    expect(after.join('\n')).not.toContain('line 9');
    expect(after[1]).toMatch(/api +building \(BuildKit daemon\) · 1 step done +4\.0s$/);
  });

  test('every line fits the width, with "…" only where it was cut; the frame fits the height', () => {
    const state = new LiveState(['a'], 0);
    state.see('a', { type: 'started', builder: 'classic' }, 0);
    state.see('a', { type: 'step', id: 's', name: `RUN ${'x'.repeat(100)}` }, 0);
    state.see('a', { type: 'log', id: 's', text: 'short' }, 0);
    for (const line of frame(state, 0, 40)) {
      expect(line.length).toBeLessThanOrEqual(39);
      if (line.includes('…')) expect(line).toMatch(/x…/);
    }
    expect(frame(state, 0, 40).some((l) => l.includes('…') && l.includes('short'))).toBe(false);
    const many = new LiveState(
      Array.from({ length: 30 }, (_, i) => `image-${i}`),
      0,
    );
    expect(frame(many, 0, 60, 10).length).toBeLessThanOrEqual(9);
  });

  test('a failure keeps its message and the output of its step', () => {
    const state = new LiveState(['db'], 0);
    state.see('db', { type: 'started', builder: 'classic' }, 0);
    state.see('db', { type: 'step', id: 's', name: 'RUN migrate' }, 0);
    state.see('db', { type: 'log', id: 's', text: 'connecting\nrefused' }, 0);
    state.see('db', { type: 'error', message: 'exit code: 1', step: 'RUN migrate' }, 0);
    state.see('db', { type: 'finished', outcome: { status: 'failed', name: 'db', error: new Error('x') } as never }, 0);
    expect(frame(state, 0).slice(1)).toEqual([' ✖ db  failed', '      error: exit code: 1', '      | connecting', '      | refused']);
  });
});
