/**
 * Synthesis throughput: 10,000 images of 16 instructions each, with dockwright (builder calls,
 * call sites, validation, printing) and with dockerfile-generator (`generate`, which validates
 * its JSON input against a schema), side by side in one process. Prints images/s and the ratio,
 * and how long the image's first call (`from()`, which captures the stack once for the chain)
 * takes alone, next to the time an image may take for the target.
 *
 *   pnpm bench            (builds first)
 *   BENCH_NO_STACK=1 pnpm exec jiti bench/synth.bench.ts   (no stack API, so no call sites: what they cost)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arg, configureCallSites, from, synth } from 'dockwright';
import { firstCall, synthImage } from './synth-image.js';

const require = createRequire(import.meta.url);
const generator = require('dockerfile-generator') as { generate(input: unknown): Promise<string> };

// As the CLI does: the SDK reads no files, so it is handed the sources to find chains of calls in.
configureCallSites({ readSource: (file) => readFileSync(file, 'utf8') });

const IMAGES = 10_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
// BENCH_NO_STACK=1: as on an engine without V8's stack API, where the SDK records no call sites.
// Not how anyone runs it on Node; it shows what the stack captures cost an image.
const NO_STACK = process.env.BENCH_NO_STACK === '1';
if (NO_STACK) (Error as { captureStackTrace?: unknown }).captureStackTrace = undefined;

const dockwrightImage = synthImage({ arg, from, synth });

async function generatorImage(i: number): Promise<string> {
  return generator.generate({
    from: { baseImage: `node:${20 + (i % 3)}-alpine` },
    working_dir: '/app',
    env: { NODE_ENV: 'production', APP_ID: `app-${i}` },
    labels: { 'org.opencontainers.image.version': `1.0.${i}` },
    args: [`BUILD_ID=${i}`, 'UNUSED=1'],
    copy: { 'package.json': './', '.': '.' },
    add: { 'extra.tar': '/opt/' },
    run: ['npm', 'ci', '--omit=dev'],
    user: 'node',
    expose: [`${3000 + (i % 100)}/tcp`],
    volumes: ['/data'],
    entrypoint: 'node',
    cmd: ['dist/server.js', `--id=${i}`],
  });
}

async function timeRound(make: (i: number) => string | Promise<string>): Promise<number> {
  let bytes = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < IMAGES; i++) bytes += (await make(i)).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (bytes === 0) throw new Error('nothing was synthesized');
  return IMAGES / seconds;
}

// The image's first call alone: from() records its call site with a stack capture, the one a chain
// makes (see call-sites.ts). Timed to show the capture's share of an image on this machine.
const firstCallOnly = firstCall({ from });

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

// Warm both up, then alternate rounds so machine noise hits both alike.
await timeRound(dockwrightImage);
await timeRound(generatorImage);
await timeRound(firstCallOnly);
const ours: number[] = [];
const theirs: number[] = [];
const firstCalls: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  ours.push(await timeRound(dockwrightImage));
  theirs.push(await timeRound(generatorImage));
  firstCalls.push(await timeRound(firstCallOnly));
}
const format = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(
  `synthesis, ${IMAGES.toLocaleString('en-US')} images x 16 instructions, median of ${ROUNDS} rounds${NO_STACK ? ' (BENCH_NO_STACK: no call sites recorded)' : ''}`,
);
console.log(`  dockwright           ${format(median(ours))} images/s (builder + ${NO_STACK ? 'no call sites' : 'call sites'} + validation + print)`);
console.log(`  dockerfile-generator ${format(median(theirs))} images/s (generate: schema validation + print)`);
const micros = (perSecond: number): string => (1e6 / perSecond).toFixed(2);
console.log(
  `  of an image's ${micros(median(ours))} µs, from() alone takes ${micros(median(firstCalls))} µs (its stack capture, nearly all of it); at 20x the peer an image has ${micros(median(theirs) * 20)} µs`,
);
// This machine's speed drifts within a run: each round's ratio pairs rounds run one after the other.
const ratios = ours.map((images, round) => images / theirs[round]!).sort((a, b) => a - b);
console.log(
  `  ratio                ${(median(ours) / median(theirs)).toFixed(1)}x from the medians; round by round ${median(ratios).toFixed(1)}x (${ratios[0]!.toFixed(1)}x to ${ratios.at(-1)!.toFixed(1)}x) (target: at least 20x)`,
);
