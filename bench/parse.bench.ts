/**
 * Parse throughput on BuildKit's conformance Dockerfiles (../shared/corpus), side by side with
 * dockerfile-ast and docker-file-parser in one process. Prints MB/s and the ratios.
 *
 *   pnpm bench
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { parse, parseRaw } from 'dockwright';

const require = createRequire(import.meta.url);
const dockerFileParser = require('docker-file-parser') as { parse(text: string): unknown[] };

const corpus = join(import.meta.dirname, '..', '..', 'shared', 'corpus', 'buildkit', 'testfiles');
if (!existsSync(corpus)) {
  console.log(`parse benchmark skipped: no corpus at ${corpus}`);
  process.exit(0);
}
const files = readdirSync(corpus).map((name) => readFileSync(join(corpus, name, 'Dockerfile'), 'utf8'));
const readable = files.filter((text) => {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
});
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const TARGET_BYTES = 8 * 1024 * 1024;

function throughput(texts: readonly string[], run: (text: string) => unknown): number {
  const bytes = texts.reduce((sum, t) => sum + Buffer.byteLength(t), 0);
  const repeats = Math.ceil(TARGET_BYTES / bytes);
  const start = process.hrtime.bigint();
  for (let r = 0; r < repeats; r++) for (const text of texts) run(text);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (bytes * repeats) / seconds / 1e6;
}

const contenders: [string, readonly string[], (text: string) => unknown][] = [
  ['dockwright parseRaw (BuildKit tree)', files, (t) => parseRaw(t)],
  ['dockwright parse (to the IR)', readable, (t) => parse(t)],
  // The IR comparison runs on the very files parse() reads, so that both sides do the same work,
  // right after it in each round.
  ['dockerfile-ast (same files as parse)', readable, (t) => DockerfileParser.parse(t)],
  ['dockerfile-ast', files, (t) => DockerfileParser.parse(t)],
  ['docker-file-parser', files, (t) => dockerFileParser.parse(t)],
];
const results = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
for (const [, texts, run] of contenders) throughput(texts, run); // warm up
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, texts, run] of contenders) results.get(name)!.push(throughput(texts, run));
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ours = median(results.get('dockwright parseRaw (BuildKit tree)')!);
console.log(`parse throughput on ${files.length} corpus Dockerfiles (${readable.length} read into the IR), median of ${ROUNDS} rounds`);
for (const [name] of contenders) {
  const value = median(results.get(name)!);
  console.log(`  ${name.padEnd(38)} ${value.toFixed(1).padStart(6)} MB/s   dockwright parseRaw / this: ${(ours / value).toFixed(2)}x`);
}
// Round by round, the two ran one after the other: the ratio of each round is measured under the
// same machine load, which moves by a third within minutes here; its median is the figure.
const toIRRounds = results.get('dockwright parse (to the IR)')!;
const peerRounds = results.get('dockerfile-ast (same files as parse)')!;
const pairedRatios = toIRRounds.map((value, round) => value / peerRounds[round]!);
const spread = (name: string): string => {
  const values = results.get(name)!;
  return `${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)} MB/s`;
};
console.log(
  `  parse (to the IR) / dockerfile-ast on the same ${readable.length} files, round by round: median ${median(pairedRatios).toFixed(2)}x, ` +
    `${Math.min(...pairedRatios).toFixed(2)}x to ${Math.max(...pairedRatios).toFixed(2)}x (target: at least 10x)`,
);
console.log(`  the same from each side's median: ${(median(toIRRounds) / median(peerRounds)).toFixed(2)}x`);
console.log(`  spread across rounds: parse ${spread('dockwright parse (to the IR)')}, dockerfile-ast ${spread('dockerfile-ast (same files as parse)')}`);
