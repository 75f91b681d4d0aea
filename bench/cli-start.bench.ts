/**
 * Cold start: `dockwright synth` on the redis example, `--version` and `--help`, against a bare `node -e 0`, run
 * alternately as real processes on the same machine. Prints the medians, and the ratios taken round by round.
 *
 *   pnpm bench
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 21);
const root = join(import.meta.dirname, '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.cjs');
const redis = join(root, 'examples', 'redis', 'dockwright.ts');

// Node reads NODE_EXTRA_CA_CERTS's bundle at every start (these CI machines set it): that adds the
// same time to both sides and flatters the ratio. So the runs are measured both ways.
const withoutExtraCerts = { ...process.env };
delete withoutExtraCerts.NODE_EXTRA_CA_CERTS;
const environments: [string, NodeJS.ProcessEnv][] = [['as this machine starts node', process.env]];
if (process.env.NODE_EXTRA_CA_CERTS !== undefined) environments.push(['without NODE_EXTRA_CA_CERTS', withoutExtraCerts]);

function time(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return ms;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const synthArgs = [bin, 'synth', '-f', redis];

for (const [label, env] of environments) {
  time(['-e', '0'], env);
  time(synthArgs, env); // fills the module runner's cache, as every later run finds it
  const bare: number[] = [];
  const synth: number[] = [];
  const version: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bare.push(time(['-e', '0'], env));
    synth.push(time(synthArgs, env));
    version.push(time([bin, '--version'], env));
    help.push(time([bin, '--help'], env));
  }
  // This machine's speed drifts within a run: each round's ratio pairs runs made side by side.
  const paired = (runs: number[]): number => median(runs.map((ms, i) => ms / bare[i]!));
  const spread = (runs: number[]): string => {
    const ratios = runs.map((ms, i) => ms / bare[i]!).sort((a, b) => a - b);
    return `${ratios[Math.floor(ratios.length / 4)]!.toFixed(2)}x to ${ratios[Math.floor((ratios.length * 3) / 4)]!.toFixed(2)}x`;
  };
  console.log(`cold start ${label}, median of ${ROUNDS} runs each; ratios to node -e 0 round by round (median, middle half)`);
  console.log(`  node -e 0                                   ${median(bare).toFixed(0)} ms`);
  console.log(`  dockwright --version                        ${median(version).toFixed(0)} ms: ${paired(version).toFixed(2)}x (${spread(version)})`);
  console.log(`  dockwright --help                           ${median(help).toFixed(0)} ms: ${paired(help).toFixed(2)}x (${spread(help)})`);
  console.log(
    `  dockwright synth (redis example)            ${median(synth).toFixed(0)} ms: ${paired(synth).toFixed(2)}x (${spread(synth)}) (target: at most 1.5x)`,
  );
}
