import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { from, synth, SynthError, type Stage } from 'dockwright';

/**
 * Invariant 3 of DESIGN.md: no value can change the structure of the file. Every generated
 * image either is refused with `synth.invalid`, or prints a file that an independent parser
 * (dockerfile-ast) reads back as exactly the instructions we meant, with the values we gave.
 */

/** Pieces that break Dockerfiles when printed carelessly. */
const hostileUnit = fc.constantFrom(
  'a', 'b', 'Z', '0', ' ', '\t', '\n', '\r', '\\', '"', "'", '$', '${X}', '`', '{', '}', '<<EOF', 'EOF', '<', '#',
  '--', '-', '=', ':', '[', ']', '[]', '\0', 'é', '\u2028', ',', '/', '.', '..', '*',
);
const hostile = fc.string({ unit: hostileUnit, minLength: 0, maxLength: 10 });
const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/);

type Op =
  | { readonly kind: 'env'; readonly key: string; readonly value: string }
  | { readonly kind: 'label'; readonly key: string; readonly value: string }
  | { readonly kind: 'arg'; readonly key: string; readonly value: string }
  | { readonly kind: 'run'; readonly command: string }
  | { readonly kind: 'runExec'; readonly args: string[] }
  | { readonly kind: 'cmd'; readonly args: string[] }
  | { readonly kind: 'workdir'; readonly path: string }
  | { readonly kind: 'user'; readonly user: string }
  | { readonly kind: 'copy'; readonly sources: string[]; readonly dest: string }
  | { readonly kind: 'content'; readonly content: string; readonly dest: string }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'mount'; readonly target: string; readonly id: string; readonly command: string }
  | { readonly kind: 'health'; readonly args: string[]; readonly interval: string; readonly retries: number }
  | { readonly kind: 'expose'; readonly port: string }
  | { readonly kind: 'volume'; readonly path: string }
  | { readonly kind: 'stopsignal'; readonly signal: string }
  | { readonly kind: 'copyFlags'; readonly chown: string; readonly chmod: string; readonly exclude: string; readonly from: string }
  | { readonly kind: 'add'; readonly source: string; readonly checksum: string }
  | { readonly kind: 'onbuild'; readonly command: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('env' as const), key: name, value: hostile }),
  fc.record({ kind: fc.constant('label' as const), key: hostile, value: hostile }),
  fc.record({ kind: fc.constant('arg' as const), key: name, value: hostile }),
  fc.record({ kind: fc.constant('run' as const), command: hostile }),
  fc.record({ kind: fc.constant('runExec' as const), args: fc.array(hostile, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('cmd' as const), args: fc.array(hostile, { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('workdir' as const), path: hostile.map((p) => '/' + p) }),
  fc.record({ kind: fc.constant('user' as const), user: hostile }),
  fc.record({ kind: fc.constant('copy' as const), sources: fc.array(hostile, { minLength: 1, maxLength: 2 }), dest: hostile.map((d) => '/' + d + '/') }),
  fc.record({ kind: fc.constant('content' as const), content: hostile, dest: hostile.map((d) => '/' + d) }),
  fc.record({ kind: fc.constant('comment' as const), text: hostile }),
  fc.record({ kind: fc.constant('mount' as const), target: hostile.map((t) => '/' + t), id: hostile, command: hostile }),
  fc.record({ kind: fc.constant('health' as const), args: fc.array(hostile, { minLength: 1, maxLength: 2 }), interval: hostile, retries: fc.integer({ min: -1, max: 5 }) }),
  fc.record({ kind: fc.constant('expose' as const), port: hostile }),
  fc.record({ kind: fc.constant('volume' as const), path: hostile.map((p) => '/' + p) }),
  fc.record({ kind: fc.constant('stopsignal' as const), signal: hostile }),
  fc.record({ kind: fc.constant('copyFlags' as const), chown: hostile, chmod: hostile, exclude: hostile, from: hostile }),
  fc.record({ kind: fc.constant('add' as const), source: hostile, checksum: hostile }),
  fc.record({ kind: fc.constant('onbuild' as const), command: hostile }),
);

function apply(stage: Stage, o: Op): Stage {
  switch (o.kind) {
    case 'env': return stage.env(o.key, o.value);
    case 'label': return stage.label(o.key, o.value);
    case 'arg': return stage.arg(o.key, o.value);
    case 'run': return stage.run(o.command);
    case 'runExec': return stage.run(o.args);
    case 'cmd': return stage.shell(['/bin/sh', '-c']).run(['true']).$apply((s) => s.cmd(o.args) as unknown as Stage);
    case 'workdir': return stage.workdir(o.path);
    case 'user': return stage.user(o.user);
    case 'copy': return stage.copy(o.sources, o.dest);
    case 'content': return stage.copy({ content: o.content, dest: o.dest });
    case 'comment': return stage.comment(o.text);
    case 'mount': return stage.run(o.command, { mount: { type: 'cache', target: o.target, id: o.id } });
    case 'health': return stage.healthcheck(o.args, { interval: o.interval, retries: o.retries }) as unknown as Stage;
    case 'expose': return stage.expose(o.port);
    case 'volume': return stage.volume(o.path);
    case 'stopsignal': return stage.stopsignal(o.signal);
    case 'copyFlags': return stage.copy('a', '/b/', { chown: o.chown, chmod: o.chmod, exclude: o.exclude, from: o.from });
    case 'add': return stage.add(o.source, '/dst/', { checksum: o.checksum });
    case 'onbuild': return stage.onbuild((s) => s.run(o.command));
  }
}

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
      return [];
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
  return (i as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] })
    .getProperties()
    .map((p) => [p.getName(), p.getValue()]);
}

/** The heredoc body as Docker reads it: every line between the marker and the delimiter, each ending in a newline. */
function heredocBody(i: Instruction): string {
  // dockerfile-ast keeps the heredoc in the instruction's text: drop the first and last line.
  return i.getTextContent().split('\n').slice(1, -1).map((line) => line + '\n').join('');
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

describe('invariant 3: values never change the structure', () => {
  test('synth refuses with synth.invalid or dockerfile-ast reads back what was given', () => {
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
        const instructions = DockerfileParser.parse(text).getInstructions();
        const wanted = [{ keyword: 'FROM' }, ...ops.flatMap(expected)];
        expect(instructions.map((i) => i.getKeyword())).toEqual(wanted.map((w) => w.keyword));
        wanted.forEach((w, n) => w.check?.(instructions[n]!));
      }),
      { numRuns: Number(process.env.DOCKWRIGHT_FUZZ_RUNS ?? (process.env.CI ? 10_000 : 1000)) },
    );
  }, 300_000);

  test('the generator of the issue: ENV with "x\\nRUN rm -rf /" is refused, never a second instruction', () => {
    expect(() => synth(from('alpine').env('A', 'x\nRUN rm -rf /'))).toThrow(SynthError);
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
});

describe('invariant 5: the same input prints the same bytes', () => {
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
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 6 }), (ops) => {
        let text: string;
        try {
          text = synth(ops.reduce(apply, from('alpine')));
        } catch {
          return; // refused images have no text to read back
        }
        expect(print(parse(text).ir)).toBe(text);
      }),
      { numRuns: Number(process.env.DOCKWRIGHT_FUZZ_RUNS ?? (process.env.CI ? 3000 : 1000)) },
    );
  }, 300_000);
});
