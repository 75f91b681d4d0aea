/**
 * The SDK's work in instructions, which this machine's noise does not move (wall time moves by a
 * third within minutes here): run under valgrind by bench/instructions.sh, twice with different
 * counts, so that Node's start and the warm-up cancel out.
 *
 *   jiti bench/instructions.ts synth|parse COUNT [SDK entry, default: the workspace's dockwright]
 *
 * synth: COUNT images of bench/synth.bench.ts's shape; parse: COUNT passes over the corpus files
 * that parse() reads.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Dockwright from 'dockwright';
import { synthImage } from './synth-image.js';

const [kind, countText, entry] = process.argv.slice(2);
const count = Number(countText);
if ((kind !== 'synth' && kind !== 'parse') || !Number.isInteger(count)) {
  console.error('usage: jiti bench/instructions.ts synth|parse COUNT [SDK entry]');
  process.exit(2);
}
const sdk: typeof Dockwright = await import(entry === undefined ? 'dockwright' : pathToFileURL(entry).href);
const { arg, configureCallSites, from, parse, synth } = sdk;
configureCallSites({ readSource: (file) => readFileSync(file, 'utf8') });

const image = synthImage({ arg, from, synth });

let work: (n: number) => number;
if (kind === 'synth') {
  work = (n: number): number => {
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += image(i).length;
    return bytes;
  };
} else {
  const corpus = join(import.meta.dirname, '..', '..', 'shared', 'corpus', 'buildkit', 'testfiles');
  const texts = readdirSync(corpus)
    .map((name) => readFileSync(join(corpus, name, 'Dockerfile'), 'utf8'))
    .filter((text: string) => {
      try {
        parse(text);
        return true;
      } catch {
        return false;
      }
    });
  work = (n: number): number => {
    let stages = 0;
    for (let r = 0; r < n; r++) for (const text of texts) stages += parse(text).ir.stages.length;
    return stages;
  };
}
work(kind === 'synth' ? 20_000 : 300); // warm: what V8 optimizes is optimized before the count
if (work(count) === 0) throw new Error('nothing was done');
