/**
 * Packing a context of 20,000 files: dockwright's walk and tar stream (what the classic builder
 * is sent) against GNU tar on the same folder, run alternately; both streams are read to their
 * end (GNU tar is piped through `cat`: writing to /dev/null itself, it would skip reading files).
 *
 *   pnpm bench        (or: jiti bench/context.bench.ts)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contextFilter, packContext, walkContext } from '@dockwright/engine';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const FILES = Number(process.env.BENCH_FILES ?? 20_000);

const dir = mkdtempSync(join(tmpdir(), 'dockwright-context-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
// 200 folders of 100 files, 1 to 4 kB each: a source tree.
for (let i = 0; i < FILES; i++) {
  const folder = join(dir, `pkg${Math.floor(i / 100)}`);
  if (i % 100 === 0) mkdirSync(folder);
  writeFileSync(join(folder, `file${i}.ts`), `// ${i}\n`.padEnd(1024 * (1 + (i % 4)), 'x'));
}

async function ours(): Promise<{ ms: number; bytes: number }> {
  const start = process.hrtime.bigint();
  const spec = { dir, dockerfile: 'FROM scratch\nCOPY . /\n' };
  const filter = contextFilter(spec);
  const packed = packContext(spec, walkContext(dir, filter), filter.hasDockerignore);
  let bytes = 0;
  for await (const chunk of packed.stream) bytes += (chunk as Buffer).length;
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes };
}

function gnuTar(): { ms: number; bytes: number } {
  const start = process.hrtime.bigint();
  const result = spawnSync('sh', ['-c', `tar -C '${dir}' -cf - . | wc -c`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tar failed: ${result.stderr}`);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes: Number(result.stdout.trim()) };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
await ours();
gnuTar();
const oursMs: number[] = [];
const tarMs: number[] = [];
let sizes = { ours: 0, tar: 0 };
for (let i = 0; i < ROUNDS; i++) {
  const a = await ours();
  const b = gnuTar();
  oursMs.push(a.ms);
  tarMs.push(b.ms);
  sizes = { ours: a.bytes, tar: b.bytes };
}
console.log(
  `a context of ${FILES} files (${(sizes.tar / 1e6).toFixed(1)} MB as GNU tar writes it, ${(sizes.ours / 1e6).toFixed(1)} MB as dockwright does), median of ${ROUNDS} rounds`,
);
console.log(
  `  packing the context    dockwright ${median(oursMs).toFixed(0).padStart(5)} ms   GNU tar ${median(tarMs).toFixed(0).padStart(5)} ms   ratio ${(median(oursMs) / median(tarMs)).toFixed(2)}x (target: at most 1.5x)`,
);
