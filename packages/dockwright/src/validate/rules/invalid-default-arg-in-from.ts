import type { DockerfileNode } from '../../ir/nodes/index.js';
import type { EscapeChar } from '../../ir/encodability.js';
import type { Text } from '../../ir/text.js';
import { processWord } from '../../parse/shell.js';
import { buildkitUrl, defineRule } from '../rule.js';
import { isImageReference } from '../reference.js';

/** The platform ARGs as a linux/amd64 builder sets them, as BuildKit's own check evaluates FROM lines. */
const PLATFORM = new Map([
  ['BUILDPLATFORM', 'linux/amd64'],
  ['BUILDOS', 'linux'],
  ['BUILDARCH', 'amd64'],
  ['BUILDVARIANT', ''],
  ['TARGETPLATFORM', 'linux/amd64'],
  ['TARGETOS', 'linux'],
  ['TARGETARCH', 'amd64'],
  ['TARGETVARIANT', ''],
]);

/** With its ARG defaults, a FROM must still name a valid image (a build without --build-arg would fail). */
export const InvalidDefaultArgInFrom = defineRule({
  name: 'InvalidDefaultArgInFrom',
  severity: 'warning',
  description: 'With the default values of its ARGs, a FROM names no valid image.',
  url: buildkitUrl('InvalidDefaultArgInFrom'),
  create(ctx) {
    let file: DockerfileNode | undefined;
    // Worked out at the first FROM that uses a variable: most files have none.
    let globals: { values: Map<string, string>; known: boolean } | undefined;
    let stageNames: Set<string> | undefined;
    return {
      file: (current) => {
        file = current;
        globals = undefined;
        stageNames = undefined;
      },
      instruction: {
        from: (node) => {
          const image = node.image;
          if (typeof image !== 'string') {
            globals ??= globalValues(file!, ctx.escape);
            const expanded = globals.known ? evaluate(image, globals.values, ctx.escape) : undefined;
            if (expanded !== undefined && !stageNames?.has(expanded.toLowerCase()) && !isImageReference(expanded)) {
              ctx.report(node.loc, `With the default ARG values, FROM names "${expanded}", which is not a valid image: give the ARG a default.`);
            }
          }
          if (node.name !== undefined) (stageNames ??= new Set()).add(node.name.toLowerCase());
        },
      },
    };
  },
});

/**
 * The global ARGs in order, each default evaluated with those before it, as BuildKit does: a
 * chain (`ARG V=${TARGETPLATFORM#linux/}`, then `ARG V=${V:-none}`) comes out right.
 */
function globalValues(file: DockerfileNode, escape: EscapeChar): { values: Map<string, string>; known: boolean } {
  const values = new Map(PLATFORM);
  let known = true;
  for (const arg of file.globalArgs) {
    if (arg.default === undefined) {
      if (!values.has(arg.name)) values.set(arg.name, '');
      continue;
    }
    const value = evaluate(arg.default, values, escape);
    if (value === undefined) known = false;
    else values.set(arg.name, value);
  }
  return { values, known };
}

/** The text as Docker's lexer reads it with these variables; undefined when it cannot be read. */
function evaluate(text: Text, values: ReadonlyMap<string, string>, escape: '\\' | '`'): string | undefined {
  if (typeof text === 'string') return text;
  let word = '';
  for (const part of text.parts) {
    if (typeof part === 'string') word += part.replace(/[\\`$"']/g, (ch) => (ch === escape || ch === '$' || ch === '"' || ch === "'" ? escape + ch : ch));
    else if (part.kind === 'var') word += '${' + part.name + '}';
    else word += part.text;
  }
  try {
    return processWord(word, values, escape);
  } catch {
    return undefined;
  }
}
