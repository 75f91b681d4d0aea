/**
 * Cold start: `dockwright synth` on the redis example, `--version` and `--help`, against a bare `node -e 0`, run
 * alternately as real processes on the same machine. Prints the medians and their ratio.
 *
 *   pnpm bench
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const root = join(import.meta.dirname, '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const redis = join(root, 'examples', 'redis', 'dockwright.ts');

function time(args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const synthArgs = [bin, 'synth', '-f', redis];

time(['-e', '0']);
time(synthArgs); // fills jiti's transform cache, as every later run finds it
const bare: number[] = [];
const synth: number[] = [];
const version: number[] = [];
const help: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  bare.push(time(['-e', '0']));
  synth.push(time(synthArgs));
  version.push(time([bin, '--version']));
  help.push(time([bin, '--help']));
}
console.log(`cold start, median of ${ROUNDS} runs each`);
console.log(`  node -e 0                                   ${median(bare).toFixed(0)} ms`);
console.log(`  dockwright synth (redis example)            ${median(synth).toFixed(0)} ms`);
console.log(`  dockwright --version                        ${median(version).toFixed(0)} ms (${(median(version) / median(bare)).toFixed(2)}x)`);
console.log(`  dockwright --help                           ${median(help).toFixed(0)} ms (${(median(help) / median(bare)).toFixed(2)}x)`);
console.log(`  ratio                                       ${(median(synth) / median(bare)).toFixed(2)}x (target: at most 1.5x)`);
