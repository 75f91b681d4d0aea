/**
 * Builds side by side with the peer tools on the same daemon, Dockerfiles and contexts, run
 * alternately. Needs the test engine (and, for the last line, the test BuildKit daemon):
 *
 *   bash scripts/test-env.sh run -- jiti bench/build.bench.ts      (pnpm bench does this)
 *
 * On the Docker Engine, the classic builder for both:
 * 1. one image, no cache: `dockwright build` against `docker build`, start-up included;
 * 2. one image, cached: `dockwright build --force` against `docker build` hitting the cache;
 * 3. twelve images with dependencies, no cache: `dockwright build --parallel 4` against a shell
 *    pipeline (`docker build` of the base, then `xargs -P 4 docker build` of the other eleven);
 * 4. the same twelve again with nothing changed: dockwright's up-to-date check against the
 *    pipeline hitting the layer cache.
 * Through a BuildKit daemon:
 * 5. twelve images with dependencies, no cache: `dockwright build --builder unix://…` against a
 *    `buildctl` pipeline (the base pushed to the registry, then `xargs -P 4 buildctl build`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const root = join(import.meta.dirname, '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.cjs');
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

function makeProject(count: number, owner: string, from = base!, registry = ''): { dir: string; images: { tag: string; dockerfile: string }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'dockwright-bench-'));
  projects.push(dir);
  writeFileSync(join(dir, 'payload.txt'), 'x'.repeat(64 * 1024));
  const tag = (i: number): string => `${registry}${owner}-bench/img${i}:1`;
  const lines = [`import { from } from 'dockwright';`];
  lines.push(
    `export const img0 = from('${from}').copy('payload.txt', '/payload').run('echo 0 > /id').$meta({ name: 'img0', tags: ['${tag(0)}'], dockerfile: 'img0.Dockerfile' });`,
  );
  for (let i = 1; i < count; i++) {
    lines.push(
      `export const img${i} = from(img0).copy('payload.txt', '/payload-${i}').run('echo ${i} > /id && sleep 0.2').run('wc -c /payload-${i}').$meta({ name: 'img${i}', tags: ['${tag(i)}'], dockerfile: 'img${i}.Dockerfile' });`,
    );
  }
  writeFileSync(join(dir, 'dockwright.ts'), lines.join('\n') + '\n');
  run(process.execPath, [bin, 'synth'], dir); // the same Dockerfiles, for the docker CLI
  return { dir, images: Array.from({ length: count }, (_, i) => ({ tag: tag(i), dockerfile: `img${i}.Dockerfile` })) };
}

/** The peer: the base first, then the others four at a time (`xargs -P 4`), as a shell script would. */
function dockerPipeline(project: { dir: string; images: { tag: string; dockerfile: string }[] }, noCache: boolean): number {
  const flags = noCache ? '--no-cache ' : '';
  const [first, ...rest] = project.images;
  const script = [
    `docker build -q ${flags}-f ${first!.dockerfile} -t ${first!.tag} . >/dev/null`,
    ...(rest.length > 0
      ? [
          `printf '%s\\n' ${rest.map((i) => `'${i.dockerfile} ${i.tag}'`).join(' ')} | xargs -P 4 -L 1 sh -c 'docker build -q ${flags}-f "$0" -t "$1" . >/dev/null'`,
        ]
      : []),
  ].join(' && ');
  return run('sh', ['-c', script], project.dir, classic);
}

/** The same through buildctl on a BuildKit daemon: the base pushed (the others start from it), the others into the cache. */
function buildctlPipeline(address: string, project: { dir: string; images: { tag: string; dockerfile: string }[] }): number {
  const build = `buildctl --addr ${address} build --frontend dockerfile.v0 --local context=. --local dockerfile=. --no-cache`;
  const [first, ...rest] = project.images;
  const script = [
    `${build} --opt filename=${first!.dockerfile} --output type=image,name=${first!.tag},push=true 2>/dev/null`,
    `printf '%s\\n' ${rest.map((i) => i.dockerfile).join(' ')} | xargs -P 4 -I{} sh -c '${build} --opt filename={} 2>/dev/null'`,
  ].join(' && ');
  return run('sh', ['-c', script], project.dir);
}

const report = (label: string, ours: number[], theirs: number[], peer: string, target: string): void => {
  const ratio = median(ours) / median(theirs);
  console.log(
    `  ${label.padEnd(46)} dockwright ${median(ours).toFixed(0).padStart(6)} ms   ${peer} ${median(theirs).toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}x (target: ${target})`,
  );
};

console.log(`builds on ${process.env.DOCKER_HOST}, classic builder, median of ${ROUNDS} rounds`);

const one = makeProject(1, 'dockwright');
const oneDocker = makeProject(1, 'docker');
const oneOurs: number[] = [];
const oneTheirs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  oneOurs.push(run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain', '--no-cache', '--force'], one.dir));
  oneTheirs.push(dockerPipeline(oneDocker, true));
}
report('one image, no cache', oneOurs, oneTheirs, 'docker build', 'at most 1.15x');

const warmOurs: number[] = [];
const warmTheirs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  warmOurs.push(run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain', '--force'], one.dir));
  warmTheirs.push(dockerPipeline(oneDocker, false));
}
report('one image, cached (--force)', warmOurs, warmTheirs, 'docker build', 'at most 2x');

const twelve = makeProject(12, 'dockwright');
const twelveDocker = makeProject(12, 'docker');
const manyOurs: number[] = [];
const manyTheirs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  manyOurs.push(run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain', '--no-cache', '--force', '--parallel', '4'], twelve.dir));
  manyTheirs.push(dockerPipeline(twelveDocker, true));
}
report('twelve images with dependencies, no cache', manyOurs, manyTheirs, 'pipeline', 'at most 0.9x');

run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain'], twelve.dir);
dockerPipeline(twelveDocker, false);
const againOurs: number[] = [];
const againTheirs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  againOurs.push(run(process.execPath, [bin, 'build', '--builder', 'classic', '--progress', 'plain'], twelve.dir));
  againTheirs.push(dockerPipeline(twelveDocker, false));
}
report('twelve images, nothing changed', againOurs, againTheirs, 'pipeline', 'at most 0.2x');

const buildkit = process.env.DOCKWRIGHT_TEST_BUILDKIT;
const registry = process.env.DOCKWRIGHT_TEST_REGISTRY;
if (buildkit && registry) {
  console.log(`builds on the BuildKit daemon at ${buildkit}, median of ${ROUNDS} rounds`);
  const bkOurs = makeProject(12, 'dockwright', `${registry}/${base}`, `${registry}/`);
  const bkTheirs = makeProject(12, 'buildctl', `${registry}/${base}`, `${registry}/`);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ours.push(run(process.execPath, [bin, 'build', '--builder', buildkit, '--progress', 'plain', '--no-cache', '--parallel', '4'], bkOurs.dir));
    theirs.push(buildctlPipeline(buildkit, bkTheirs));
  }
  report('twelve images with dependencies, no cache', ours, theirs, 'buildctl', 'at most 0.9x');
} else {
  console.log('BuildKit line skipped: no test BuildKit daemon (DOCKWRIGHT_TEST_BUILDKIT)');
}
