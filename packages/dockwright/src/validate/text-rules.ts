/**
 * Checks only the text can show (the IR forgets casing and the legacy `ENV k v` form), run by
 * `lint()` on hand-written Dockerfiles. BuildKit has each of them, under these names.
 */
import type { RawDockerfile, RawNode } from '../parse/raw.js';
import { buildkitUrl } from './rule.js';
import type { Severity } from '../errors/diagnostic.js';

export interface TextRule {
  readonly name: string;
  readonly severity: Severity;
  readonly description: string;
  readonly url: string;
  check(file: RawDockerfile, report: (line: number, message: string) => void): void;
}

const rule = (name: string, description: string, check: TextRule['check']): TextRule =>
  Object.freeze({ name, severity: 'warning', description, url: buildkitUrl(name), check });

const casing = (word: string): 'upper' | 'lower' | 'mixed' => (word === word.toUpperCase() ? 'upper' : word === word.toLowerCase() ? 'lower' : 'mixed');

/** Every instruction, ONBUILD triggers included. */
function* instructions(file: RawDockerfile): Generator<RawNode> {
  for (const node of file.nodes) {
    yield node;
    if (node.child) yield { ...node.child, startLine: node.startLine, endLine: node.endLine };
  }
}

export const textRules: readonly TextRule[] = Object.freeze([
  rule('ConsistentInstructionCasing', 'Instructions mix upper and lower case.', (file, report) => {
    const all = [...instructions(file)];
    const upper = all.filter((n) => casing(n.command) === 'upper').length;
    const majority = upper >= all.length - upper ? 'upper' : 'lower';
    for (const node of all) {
      if (casing(node.command) !== majority) {
        report(node.startLine, `Command '${node.command}' should match the case of the command majority (${majority}case).`);
      }
    }
  }),
  rule('FromAsCasing', "The 'AS' keyword's casing does not match FROM's.", (file, report) => {
    for (const node of file.nodes) {
      const as = node.args[1];
      if (node.keyword !== 'from' || as === undefined || as.toLowerCase() !== 'as') continue;
      const from = casing(node.command);
      if ((from === 'upper' && as !== 'AS') || (from === 'lower' && as !== 'as')) {
        report(node.startLine, `'${as}' and '${node.command}' keywords' casing do not match.`);
      }
    }
  }),
  rule('NoEmptyContinuation', 'An empty line inside a continued instruction.', (file, report) => {
    for (const warning of file.warnings)
      if (warning.rule === 'NoEmptyContinuation') report(warning.line, 'Empty continuation line: remove it, a later Docker will refuse it.');
  }),
  rule('LegacyKeyValueFormat', 'ENV or LABEL uses the legacy "key value" form.', (file, report) => {
    for (const node of instructions(file)) {
      const kind = node.command.toUpperCase();
      if ((kind === 'ENV' || kind === 'LABEL') && node.args[2] === '') {
        report(node.startLine, `"${kind} key=value" should be used instead of legacy "${kind} key value" format.`);
      }
    }
  }),
]);
