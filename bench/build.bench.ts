/**
 * Builds through the engine, side by side with the docker CLI on the same engine, Dockerfiles
 * and contexts (the classic builder for both). Needs the test engine:
 *
 *   bash scripts/test-env.sh run -- jiti bench/build.bench.ts      (pnpm bench does this)
 *
 * 1. one image, no cache: `dockwright build` against `docker build`, start-up included;
 * 2. twelve images with dependencies, no cache: `dockwright build --parallel 4` against a
 *    sequential `docker build` loop;
 * 3. the same twelve again with nothing changed: dockwright's up-to-date check against the loop
 *    hitting the layer cache.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const root = join(import.meta.dirname, '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const base = process.env.DOCKWRIGHT_TEST_IMAGE;
if (!process.env.DOCKER_HOST || !base) {
  console.log('build benchmarks skipped: no test engine (run through bash scripts/test-env.sh run -- ...)');
  process.exit(0);
}

function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const classic = { DOCKER_BUILDKIT: '0' };

/**
 * A project with `count` images: image 0 is the base of every other; each copies a file and runs
 * two steps. Each tool gets its own copy under its own image names, so neither retags the other's
 * images (which would defeat dockwright's up-to-date check).
 */
const projects: string[] = [];
process.on('exit', () => projects.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function makeProject(count: number, owner: string): { dir: string; images: { tag: string; dockerfile: string }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'dockwright-bench-'));
  projects.push(dir);
  writeFileSync(join(dir, 'payload.txt'), 'x'.repeat(64 * 1024));
  const tag = (i: number): string => `${owner}-bench/img${i}:1`;
  const lines = [`import { from } from 'dockwright';`];
  lines.push(`export const img0 = from('${base}').copy('payload.txt', '/payload').run('echo 0 > /id').$meta({ name: 'img0', tags: ['${tag(0)}'], dockerfile: 'img0.Dockerfile' });`);
  for (let i = 1; i < count; i++) {
    lines.push(`export const img${i} = from(img0).copy('payload.txt', '/payload-${i}').run('echo ${i} > /id && sleep 0.2').run('wc -c /payload-${i}').$meta({ name: 'img${i}', tags: ['${tag(i)}'], dockerfile: 'img${i}.Dockerfile' });`);
  }
  writeFileSync(join(dir, 'dockwright.ts'), lines.join('\n') + '\n');
  run(process.execPath, [bin, 'synth'], dir); // the same Dockerfiles, for the docker CLI
  return { dir, images: Array.from({ length: count }, (_, i) => ({ tag: tag(i), dockerfile: `img${i}.Dockerfile` })) };
}

function dockerLoop(project: { dir: string; images: { tag: string; dockerfile: string }[] }, noCache: boolean): number {
  let total = 0;
  for (const image of project.images) {
    total += run('docker', ['build', '-q', ...(noCache ? ['--no-cache'] : []), '-f', image.dockerfile, '-t', image.tag, '.'], project.dir, classic);
  }
  return total;
}

const report = (label: string, ours: number[], theirs: number[], target: string): void => {
  const ratio = median(ours) / median(theirs);
  console.log(`  ${label.padEnd(46)} dockwright ${median(ours).toFixed(0).padStart(6)} ms   docker ${median(theirs).toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}x (target: ${target})`);
};

console.log(`builds on ${process.env.DOCKER_HOST}, classic builder, median of ${ROUNDS} rounds`);

const one = makeProject(1, 'dockwright');
const oneDocker = makeProject(1, 'docker');
const oneOurs: number[] = [];
const oneTheirs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  oneOurs.push(run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain', '--no-cache', '--force'], one.dir));
  oneTheirs.push(dockerLoop(oneDocker, true));
}
report('one image, no cache', oneOurs, oneTheirs, 'at most 1.1x');

const twelve = makeProject(12, 'dockwright');
const twelveDocker = makeProject(12, 'docker');
const manyOurs: number[] = [];
const manyTheirs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  manyOurs.push(run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain', '--no-cache', '--force', '--parallel', '4'], twelve.dir));
  manyTheirs.push(dockerLoop(twelveDocker, true));
}
report('twelve images with dependencies, no cache', manyOurs, manyTheirs, 'at most 0.6x');

run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain'], twelve.dir);
dockerLoop(twelveDocker, false);
const againOurs: number[] = [];
const againTheirs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  againOurs.push(run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain'], twelve.dir));
  againTheirs.push(dockerLoop(twelveDocker, false));
}
report('twelve images, nothing changed', againOurs, againTheirs, 'at most 0.2x');
