import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DockwrightError,
  from,
  parse,
  print,
  rules,
  synth,
  SynthError,
  validate,
  type Image,
  type MountOptions,
  type RunOptions,
  type Stage,
} from 'dockwright';
import {
  copyOperandProblem,
  flagValueProblem,
  labelKeyProblem,
  portProblem,
  shellFormProblem,
  shellFormProblemInFull,
  wordProblem,
} from '../src/ir/encodability.js';
import { remembered } from '../src/ir/remember.js';
import { isBlank, trimmed } from '../src/ir/text.js';
import { freezeTree } from '../src/ir/nodes/node.js';
import { flagValue, hasWhitespace, isPlainWord, jsonArray, jsonWord, word } from '../src/print/quote.js';
import { isVariableName, VARIABLE } from '../src/validate/rules/invalid-name.js';
import { unfrozenIn } from './frozen.js';
import { apply, op, type Op } from './ops.js';

/**
 * Invariant 3 of DESIGN.md: no value can change the structure of the file. Every generated
 * image either is refused with `synth.invalid`, or prints a file that an independent parser
 * (dockerfile-ast) reads back as exactly the instructions we meant, with the values we gave.
 */

/** What we expect Docker to see, one entry per instruction (comments are not instructions). */
function expected(o: Op): { keyword: string; check?: (i: Instruction) => void }[] {
  switch (o.kind) {
    case 'env':
    case 'label':
    case 'arg':
      // Keys are lexed too; ENV and ARG names are plain names, label keys may hold anything.
      return [{ keyword: o.kind.toUpperCase(), check: (i) => expect(properties(i)).toEqual([[lexerView(o.key), lexerView(o.value)]]) }];
    case 'run':
      if (o.command.includes('\n')) return [{ keyword: 'RUN', check: (i) => expect(heredocBody(i)).toBe(withNewline(`set -e\n${o.command}`)) }];
      return [{ keyword: 'RUN', check: (i) => expect(operands(i)).toBe(o.command.trim()) }];
    case 'runExec':
      return [{ keyword: 'RUN', check: (i) => expect(JSON.parse(operands(i))).toEqual(o.args) }];
    case 'cmd':
      return [{ keyword: 'SHELL' }, { keyword: 'RUN' }, { keyword: 'CMD', check: (i) => expect(JSON.parse(operands(i))).toEqual(o.args) }];
    case 'workdir':
      return [{ keyword: 'WORKDIR', check: (i) => expect(processWord(i.getArgumentsContent()!)).toBe(o.path) }];
    case 'user':
      return [{ keyword: 'USER', check: (i) => expect(processWord(i.getArgumentsContent()!)).toBe(o.user) }];
    case 'copy':
      return [{ keyword: 'COPY', check: (i) => expect(copyOperands(operands(i))).toEqual([...o.sources, o.dest]) }];
    case 'content':
      return [{ keyword: 'COPY', check: (i) => expect(heredocBody(i)).toBe(withNewline(o.content)) }];
    case 'comment':
    case 'blank':
      return [];
    case 'before':
      return [{ keyword: 'FROM' }];
    case 'lines': {
      // What Docker runs: the lines joined, comment and empty lines left out.
      const command = o.lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).join(' ');
      return [{ keyword: 'RUN', check: (i) => expect(operands(i).replace(/ \\\n(?:[ \t]*(?:#[^\n]*)?\n)*/g, ' ')).toBe(command.trim()) }];
    }
    case 'mount':
      return [{ keyword: 'RUN' }];
    case 'health':
      return [{ keyword: 'HEALTHCHECK', check: (i) => expect(JSON.parse(operands(i).replace(/^.*?CMD /, ''))).toEqual(o.args) }];
    case 'expose':
      return [{ keyword: 'EXPOSE' }];
    case 'volume':
      return [{ keyword: 'VOLUME', check: (i) => expect((JSON.parse(operands(i)) as string[]).map(processWord)).toEqual([o.path]) }];
    case 'stopsignal':
      return [{ keyword: 'STOPSIGNAL' }];
    case 'copyFlags':
      return [{ keyword: 'COPY', check: (i) => expect(i.getArgumentsContent()?.endsWith('a /b/')).toBe(true) }];
    case 'add':
      return [{ keyword: 'ADD' }];
    case 'onbuild':
      return [{ keyword: 'ONBUILD' }];
  }
}

/** The text after the keyword, as written (dockerfile-ast's own view drops what looks like flags). */
function operands(i: Instruction): string {
  return i.getTextContent().slice(i.getKeyword().length).trim();
}

/** dockerfile-ast shows ENV/LABEL/ARG values with quotes removed but `\$` kept as written. */
function lexerView(value: string): string {
  return value.replaceAll('$', '\\$');
}

function properties(i: Instruction): [string, string | null][] {
  return (i as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }).getProperties().map((p) => [p.getName(), p.getValue()]);
}

/** The heredoc body as Docker reads it: every line between the marker and the delimiter, each ending in a newline. */
function heredocBody(i: Instruction): string {
  // dockerfile-ast keeps the heredoc in the instruction's text: drop the first and last line.
  return i
    .getTextContent()
    .split('\n')
    .slice(1, -1)
    .map((line) => line + '\n')
    .join('');
}

/** Inline content is documented to end with a newline (added when missing). */
function withNewline(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

/**
 * A model of Docker's word lexer (ProcessWord with no variables set), enough to read back the
 * values we print: double quotes with `\"`, `\$`, `\\`; single quotes; `\x` outside quotes.
 */
function processWord(word: string): string {
  let out = '';
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    if (ch === '\\') out += word[++i] ?? '';
    else if (ch === "'") {
      const end = word.indexOf("'", i + 1);
      out += word.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      for (i++; word[i] !== '"'; i++) {
        if (i >= word.length) throw new Error(`unterminated quote in ${word}`);
        if (word[i] === '\\' && ['"', '$', '\\'].includes(word[i + 1]!)) i++;
        out += word[i];
      }
    } else if (ch === '$') throw new Error(`unescaped $ in ${word}`);
    else out += ch;
  }
  return out;
}

function copyOperands(args: string): string[] {
  if (args.startsWith('[')) return (JSON.parse(args) as string[]).map(processWord);
  return args.split(/[ \t]+/).map(processWord);
}

/**
 * A property that holds for every printed file would hold too if synth refused everything: each
 * property test counts the images that printed and requires a floor of them (about a third print
 * with these values; the floor is a fifth of the runs).
 */
const ACCEPTED_FLOOR = 1 / 5;

describe('invariant 3: values never change the structure', () => {
  test('synth refuses with synth.invalid or dockerfile-ast reads back what was given', () => {
    const runs = Number(process.env.DOCKWRIGHT_FUZZ_RUNS ?? (process.env.CI ? 10_000 : 1000));
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), (ops) => {
        let text: string;
        try {
          text = synth(ops.reduce(apply, from('alpine')));
        } catch (error) {
          expect(error).toBeInstanceOf(SynthError);
          expect((error as SynthError).code).toBe('synth.invalid');
          return;
        }
        accepted++;
        const instructions = DockerfileParser.parse(text).getInstructions();
        const wanted = [{ keyword: 'FROM' }, ...ops.flatMap(expected)];
        expect(instructions.map((i) => i.getKeyword())).toEqual(wanted.map((w) => w.keyword));
        wanted.forEach((w, n) => w.check?.(instructions[n]!));
      }),
      { numRuns: runs },
    );
    console.log(`invariant 3: ${accepted} of ${runs} images printed and read back`);
    expect(accepted).toBeGreaterThanOrEqual(runs * ACCEPTED_FLOOR);
  }, 300_000);

  test('a comment inside run({ lines }) led by a blank other than a space or tab prints from its "#": dockerfile-ast ended the RUN there (found by this fuzzer)', () => {
    for (const blank of ['\u00a0', '\u2028', '\ufeff']) {
      const text = synth(from('alpine').run({ lines: ['a', `${blank}#`, 'a'] }));
      expect(text).toBe('FROM alpine\nRUN a \\\n#\na\n');
      expect(
        DockerfileParser.parse(text)
          .getInstructions()
          .map((i) => i.getKeyword()),
      ).toEqual(['FROM', 'RUN']);
      expect(parse(text).ir.stages[0]!.instructions).toHaveLength(1);
    }
    // Spaces and tabs are layout, kept as written.
    expect(synth(from('alpine').run({ lines: ['a', ' \t# note', 'a'] }))).toBe('FROM alpine\nRUN a \\\n \t# note\na\n');
  });

  test('a line that starts with an escaped # is refused: dockerfile-ast would run the command on (found by this fuzzer)', () => {
    expect(() =>
      synth(
        from('alpine')
          .run({ lines: ['a', '\\#'] })
          .run(['a']),
      ),
    ).toThrow(/starts with \\#, which some parsers read as a comment/);
  });

  test('a line of blanks among the lines of a command stays inside it (found by this fuzzer)', () => {
    const text = synth(from('alpine').run({ lines: ['  && next', ' ', 'a'] }));
    expect(
      DockerfileParser.parse(text)
        .getInstructions()
        .map((i) => i.getKeyword()),
    ).toEqual(['FROM', 'RUN']);
  });

  test('the generator of the issue: ENV with "x\\nRUN rm -rf /" is refused, never a second instruction', () => {
    expect(() => synth(from('alpine').env('A', 'x\nRUN rm -rf /'))).toThrow(SynthError);
  });
});

describe('the printer refuses exactly what UnencodableValue and LineTooLong report', () => {
  // synth() runs those two rules only when printing fails, to place the refusal at the user's call;
  // that is sound only if every value they report is one the printer refuses.
  const printerRules = rules.filter((r) => r.name === 'UnencodableValue' || r.name === 'LineTooLong');
  const agree = (stage: Image): boolean => {
    const file = stage.toIR();
    const reported = validate(file, { rules: printerRules }).length > 0;
    let refused = false;
    try {
      print(file);
    } catch (error) {
      expect(error).toBeInstanceOf(DockwrightError);
      expect((error as DockwrightError).code).toBe('synth.unencodable');
      refused = true;
    }
    expect({ reported, refused }).toEqual({ reported, refused: reported });
    return refused;
  };

  test('for generated images', () => {
    const runs = Number(process.env.DOCKWRIGHT_FUZZ_RUNS ?? (process.env.CI ? 10_000 : 1000));
    let refused = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), (ops) => {
        if (agree(ops.reduce(apply, from('alpine')))) refused++;
      }),
      { numRuns: runs },
    );
    expect(refused).toBeGreaterThan(runs / 10);
  }, 300_000);

  test('for flag values, mounts and exec arguments', () => {
    const bad = [
      from('alpine', { platform: 'linux/"amd64' }),
      from('alpine').copy('a', '/a', { chown: 'app user' }),
      from('alpine').copy('a', '/a', { chmod: "7'55" }),
      from('alpine').copy({ src: 'a', dest: '/a', exclude: ['x y'] }),
      from('alpine').copy({ from: 'img"x', src: '/a', dest: '/a' }),
      from('alpine').add({ src: 'https://x/a', dest: '/a', checksum: 'sha256:a b' }),
      from('alpine').run('make', { mount: { type: 'cache', target: '/a,b' } }),
      from('alpine').run('make', { mount: { type: 'bind', target: '/a', source: '$HOME' } }),
      from('alpine').run(['make', 'a\0b']),
      from('alpine').cmd(['a\0b']),
      from('alpine').shell(['/bin/sh', '-c\0']),
      from('alpine').copy({ content: 'x', dest: '/a b\n' }),
    ];
    for (const stage of bad) expect(agree(stage)).toBe(true);
    expect(
      agree(
        from('alpine')
          .copy('a', '/a', { chown: 'app:app', chmod: '755' })
          .run('make', { mount: { type: 'cache', target: '/root/.cache' } }),
      ),
    ).toBe(false);
  });
});

describe('invariant 4: two builders derived from one base never affect each other', () => {
  test('any two chains from one base print as if built alone', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 4 }), fc.array(op, { maxLength: 4 }), fc.array(op, { maxLength: 4 }), (base, left, right) => {
        const shared = base.reduce(apply, from('alpine'));
        const a = left.reduce(apply, shared);
        const b = right.reduce(apply, shared);
        const alone = (ops: Op[]): string => tryPrint(() => ops.reduce(apply, from('alpine')));
        expect(tryPrint(() => a)).toBe(alone([...base, ...left]));
        expect(tryPrint(() => b)).toBe(alone([...base, ...right]));
        expect(tryPrint(() => shared)).toBe(alone(base));
      }),
      { numRuns: 300 },
    );
  });

  test('stage values are frozen', () => {
    const stage = from('alpine');
    expect(Object.isFrozen(stage)).toBe(true);
    expect(Object.isFrozen(stage.toIR().stages[0])).toBe(true);
  });

  test('the IR of any chain is frozen all the way down', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 8 }), (ops) => {
        let stage: Stage;
        try {
          stage = ops.reduce(apply, from('alpine'));
        } catch {
          return; // a refused chain has no IR
        }
        expect(unfrozenIn(stage.toIR())).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  test('synth() reads the IR unfrozen, and what toIR() hands out after it is frozen all the way down', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 6 }), fc.array(op, { maxLength: 3 }), (base, more) => {
        let shared: Stage;
        let derived: Stage;
        try {
          shared = base.reduce(apply, from('alpine'));
          derived = more.reduce(apply, shared);
        } catch {
          return;
        }
        tryPrint(() => derived); // synth() first: it assembles the IR without freezing it
        expect(unfrozenIn(shared.toIR())).toEqual([]);
        expect(unfrozenIn(derived.toIR())).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  test("a caller's array changed after the call does not change the image", () => {
    const shell = ['/bin/bash', '-c'];
    const sources = ['a.txt', 'b.txt'];
    const command = ['node', 'server.js'];
    const base = from('alpine').as('base');
    // The bind mount names a stage: that RUN is made when the file is assembled, after the call.
    const mounts: MountOptions[] = [
      { type: 'cache', target: '/root/.npm' },
      { type: 'bind', from: base, target: '/src' },
    ];
    const runOptions: RunOptions = { mount: mounts, network: 'none' };
    const image = from('alpine').shell(shell).copy(sources, '/app/').run('npm ci', runOptions).cmd(command);
    const before = synth(image);
    shell.push('-e');
    sources[0] = 'other.txt';
    command.length = 0;
    mounts.push({ type: 'tmpfs', target: '/tmp' });
    (mounts[1] as { target: string }).target = '/elsewhere';
    (runOptions as { network?: string }).network = 'host';
    image.toIR(); // assembled once more: still what the calls said
    expect(synth(image)).toBe(before);
    expect(before).toContain('SHELL ["/bin/bash", "-c"]');
    expect(before).toContain('--mount=type=bind,target=/src,from=base --network=none npm ci');
    expect(unfrozenIn(image.toIR())).toEqual([]);
    expect(synth(image)).toBe(before);
  });
});

describe('freezeTree', () => {
  test('freezes objects and arrays all the way down, and leaves what is frozen as it is', () => {
    const leaf = Object.freeze({ kind: 'text', parts: Object.freeze(['a']) });
    const tree = { kind: 'run', list: [{ key: 'a', value: leaf }, [1, [2]]], nothing: undefined, text: 'x' };
    expect(freezeTree(tree)).toBe(tree);
    expect(unfrozenIn(tree)).toEqual([]);
    expect(tree.list[0]!).toEqual({ key: 'a', value: leaf });
    expect(freezeTree('plain')).toBe('plain');
    expect(freezeTree(null)).toBe(null);
  });
});

describe('invariant 5: the same input prints the same bytes', () => {
  test('in two processes with different time zones, locales and working folders', async () => {
    const { spawnSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const images = fc.sample(fc.array(op, { minLength: 1, maxLength: 6 }), { numRuns: 500, seed: 5 });
    const script = join(import.meta.dirname, 'print-ops.ts');
    const jiti = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'jiti');
    const print = (env: Record<string, string>, cwd: string): string[] => {
      const result = spawnSync(jiti, [script], {
        input: JSON.stringify(images),
        cwd,
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as string[];
    };
    const first = print({ TZ: 'UTC', LANG: 'C', LC_ALL: 'C' }, import.meta.dirname);
    const second = print({ TZ: 'Asia/Kathmandu', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' }, tmpdir());
    expect(first).toHaveLength(images.length);
    expect(first.filter((text) => !text.startsWith('refused: ')).length).toBeGreaterThanOrEqual(images.length * ACCEPTED_FLOOR);
    expect(second).toEqual(first);
    // And in this process, the same again.
    expect(images.map((ops) => tryPrint(() => ops.reduce(apply, from('alpine'))))).toEqual(first);
  }, 60_000);

  test('building the same chain twice prints identical text', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 6 }), (ops) => {
        expect(tryPrint(() => ops.reduce(apply, from('alpine')))).toBe(tryPrint(() => ops.reduce(apply, from('alpine'))));
      }),
      { numRuns: 300 },
    );
  });
});

/** The printed file, or the rules that refused it (so refusals compare too). */
function tryPrint(make: () => Stage): string {
  try {
    return synth(make());
  } catch (error) {
    if (!(error instanceof SynthError)) throw error;
    return 'refused: ' + error.diagnostics.map((d) => d.rule + ' ' + d.message).join('; ');
  }
}

describe('invariant 1: print(parse(print(ir))) equals print(ir)', () => {
  test('for every image the builder can make', async () => {
    const { parse, print } = await import('dockwright');
    const runs = Number(process.env.DOCKWRIGHT_FUZZ_RUNS ?? (process.env.CI ? 3000 : 1000));
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), (ops) => {
        let text: string;
        try {
          text = synth(ops.reduce(apply, from('alpine')));
        } catch {
          return; // refused images have no text to read back
        }
        accepted++;
        expect(print(parse(text).ir)).toBe(text);
      }),
      { numRuns: runs },
    );
    console.log(`invariant 1: ${accepted} of ${runs} images printed, parsed and printed again`);
    expect(accepted).toBeGreaterThanOrEqual(runs * ACCEPTED_FLOOR);
  }, 300_000);
});

describe("the printer's plain-word shortcut", () => {
  test('a word it takes as it is is one the full checks would print unchanged and refuse nothing in', () => {
    // Plain characters and the ones that need quoting or refusing, so that both answers come up.
    const char = fc.constantFrom(...'aZ09_./:@%+,=^~*?#-'.split(''), ' ', '\t', '\n', '\r', '\0', '$', '"', "'", '\\', '`', '<', 'é', '\u00a0');
    let plain = 0;
    fc.assert(
      fc.property(fc.array(char, { maxLength: 8 }), (chars) => {
        const text = chars.join('');
        // The printer's BARE words without an UNSAFE_START, as regular expressions say it.
        expect(isPlainWord(text)).toBe(/^(?!--|#)[A-Za-z0-9_./:@%+,=^~*?#-]+$/.test(text));
        if (!isPlainWord(text)) return;
        plain++;
        for (const escape of ['\\', '`'] as const) {
          expect(word(text, escape)).toBe(text);
          expect(flagValue(text, escape)).toBe(text);
          expect(flagValueProblem(text)).toBeUndefined();
          expect(portProblem(text)).toBeUndefined();
          expect(jsonWord(text, escape)).toBe(JSON.stringify(text));
          expect(wordProblem(text, escape)).toBeUndefined();
          expect(copyOperandProblem(text, escape)).toBeUndefined();
        }
        expect(hasWhitespace(text)).toBe(false);
        if (!text.includes('=')) expect(labelKeyProblem(text, '\\')).toBeUndefined();
      }),
      { numRuns: 5000 },
    );
    expect(plain).toBeGreaterThan(100);
    // And the other way: what needs quoting or a check is never taken as it is.
    for (const text of ['', '--flag', '#x', 'a b', 'a$b', 'a"b', 'a\\', 'a`b', 'a\nb', 'é', 'a<<b']) expect(isPlainWord(text)).toBe(false);
  });
});

/** The shortcuts synthesis takes for the usual value, each held to the full answer it stands for. */
describe('shortcuts for the usual value', () => {
  // Visible ASCII, which the shortcuts take, and what they must leave to the full answer.
  const char = fc.constantFrom(...'aZ09_.-[]"<\\`#$=:@/'.split(''), ' ', '\t', '\n', '\r', '\0', '\u00a0', '\ufeff', 'é', '\u2028', '\ud800');
  const text = fc.array(char, { maxLength: 8 }).map((chars) => chars.join(''));

  test('a shell-form command: the same problem as the full checks find', () => {
    fc.assert(
      fc.property(text, fc.constantFrom('\\' as const, '`' as const), (command, escape) => {
        expect(shellFormProblem(command, escape)).toBe(shellFormProblemInFull(command, escape));
      }),
      { numRuns: 5000 },
    );
  });

  test('trimmed() and isBlank() answer as trim() does', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(trimmed(value)).toBe(value.trim());
        expect(isBlank(value)).toBe(value.trim() === '');
      }),
      { numRuns: 5000 },
    );
  });

  test('a JSON array is JSON, with every "<" of a "<<" written \\u003c', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 3 }), (items) => {
        const json = jsonArray(items);
        expect(JSON.parse(json)).toEqual(items);
        const plain = `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
        expect(json).toBe(items.some((item) => JSON.stringify(item).includes('<<')) ? jsonArrayOfEscaped(items) : plain);
      }),
      { numRuns: 5000 },
    );
    function jsonArrayOfEscaped(items: string[]): string {
      return `[${items.map((item) => (JSON.stringify(item).includes('<<') ? JSON.stringify(item).replaceAll('<', '\\u003c') : JSON.stringify(item))).join(', ')}]`;
    }
  });

  test('isVariableName() is the VARIABLE expression', () => {
    fc.assert(
      fc.property(text, (name) => {
        expect(isVariableName(name)).toBe(VARIABLE.test(name));
      }),
      { numRuns: 5000 },
    );
  });

  test('remembered() answers as its test, and asks it once per string until it starts over', () => {
    const asked: string[] = [];
    const test = remembered((value) => {
      asked.push(value);
      return value.startsWith('a');
    }, 2);
    expect([test('ab'), test('b'), test('ab'), test('b')]).toEqual([true, false, true, false]);
    expect(asked).toEqual(['ab', 'b']);
    expect(test('c')).toBe(false); // full: starts over with 'c' alone
    expect(test('ab')).toBe(true);
    expect(asked).toEqual(['ab', 'b', 'c', 'ab']);
  });
});
