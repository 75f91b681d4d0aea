import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';

/**
 * A process killed while it writes leaves the old file or the new one, whole: never half of
 * either. The child rewrites one file with two large contents, turn about, until it is killed.
 */
test('a kill in the middle of writes never leaves a half-written file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dockwright-atomic-'));
  const target = join(dir, 'Dockerfile');
  const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'index.js');
  const a = 'A'.repeat(4 * 1024 * 1024);
  const b = 'B'.repeat(4 * 1024 * 1024);
  const script = `
    const { writeGenerated } = await import(${JSON.stringify(cli)});
    const contents = [${JSON.stringify(a.slice(0, 1))}.repeat(${a.length}), ${JSON.stringify(b.slice(0, 1))}.repeat(${b.length})];
    writeGenerated(${JSON.stringify(target)}, contents[0]);
    process.stdout.write('ready\\n');
    for (let i = 1; ; i++) writeGenerated(${JSON.stringify(target)}, contents[i % 2]);
  `;
  for (let round = 0; round < 8; round++) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 20 + round * 17));
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    const content = readFileSync(target, 'utf8');
    expect(content === a || content === b, `round ${round}: ${content.length} bytes`).toBe(true);
  }
  // The next write clears what an interrupted one left behind.
  const { writeGenerated } = (await import(cli)) as { writeGenerated(path: string, content: string): string };
  writeGenerated(target, 'FROM alpine\n');
  expect(readdirSync(dir)).toEqual(['Dockerfile']);
}, 60_000);
