/**
 * Prints, as one JSON array on stdout, what each image described on stdin (a JSON array of
 * op lists, see ops.ts) synthesizes to, or the rules that refused it. Run in a process of its own
 * by the test of invariant 5, which compares the bytes two processes print.
 */
import { readFileSync } from 'node:fs';
import { from, synth, SynthError } from 'dockwright';
import { apply, type Op } from './ops.js';

const images = JSON.parse(readFileSync(0, 'utf8')) as Op[][];
const printed = images.map((ops) => {
  try {
    return synth(ops.reduce(apply, from('alpine')));
  } catch (error) {
    if (!(error instanceof SynthError)) throw error;
    return 'refused: ' + error.diagnostics.map((d) => `${d.rule} ${d.message}`).join('; ');
  }
});
process.stdout.write(JSON.stringify(printed));
