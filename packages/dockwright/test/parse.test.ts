import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parse, parseRaw, print, ParseError, type ir } from 'dockwright';
import { extractBuilderFlags, parseWords, scannedFlags, scannedWords } from '../src/parse/raw.js';
import { wordParts } from '../src/parse/shell.js';
import { objectsIn, unfrozenIn } from './frozen.js';
import { quotedLiteral } from '../src/parse/to-ir.js';

const lines = (...text: string[]): string => text.join('\n') + '\n';

/** The IR without locations, to compare what two files mean. */
export function meaning(file: ir.DockerfileNode): unknown {
  return JSON.parse(JSON.stringify(file, (key, value: unknown) => (key === 'loc' ? undefined : value)));
}

describe('parse: Dockerfile text to the IR', () => {
  test('words lose quotes and escapes; $ references stay as written', () => {
    const { ir } = parse(lines('FROM alpine', 'ENV A="costs \\$5" B=${HOME}/bin C=\'single $x\'', 'WORKDIR "/my dir"'));
    const env = ir.stages[0]!.instructions[0] as ir.EnvNode;
    expect(env.pairs).toEqual([
      { key: 'A', value: 'costs $5' },
      { key: 'B', value: { kind: 'text', parts: [{ kind: 'raw', text: '${HOME}' }, '/bin'] } },
      { key: 'C', value: 'single $x' },
    ]);
    expect((ir.stages[0]!.instructions[1] as ir.WorkdirNode).path).toBe('/my dir');
  });

  test('every node carries its line range', () => {
    const { ir } = parse(lines('FROM alpine', '', 'RUN a \\', '  && b', 'CMD ["x"]'));
    expect(ir.stages[0]!.from.loc).toEqual({ file: 'Dockerfile', line: 1, column: 1, endLine: 1 });
    expect(ir.stages[0]!.instructions.map((n) => [n.kind, n.loc?.line, n.loc?.endLine])).toEqual([
      ['blank', 2, undefined],
      ['run', 3, 4],
      ['cmd', 5, 5],
    ]);
  });

  test('directives, global ARGs, stages, flags and mounts', () => {
    const { ir } = parse(
      lines(
        '# syntax=docker/dockerfile:1',
        '# check=skip=JSONArgsRecommended',
        'ARG V=1',
        'FROM --platform=$BUILDPLATFORM golang:${V} AS build',
        'RUN --mount=type=cache,target=/root/.cache,id=go,sharing=locked --network=none go build',
        'FROM scratch',
        'COPY --from=build --chmod=755 --link /out/app /app',
      ),
    );
    expect(ir.directives).toEqual({ syntax: 'docker/dockerfile:1', escape: undefined, check: 'skip=JSONArgsRecommended' });
    expect(ir.globalArgs.map((a) => [a.name, a.default])).toEqual([['V', '1']]);
    const [build, final] = ir.stages;
    expect(build!.from.name).toBe('build');
    expect((build!.instructions[0] as ir.RunNode).mounts).toEqual([
      {
        type: 'cache',
        target: '/root/.cache',
        id: 'go',
        sharing: 'locked',
        readonly: undefined,
        from: undefined,
        source: undefined,
        mode: undefined,
        uid: undefined,
        gid: undefined,
      },
    ]);
    const copy = final!.instructions[0] as ir.CopyNode;
    expect([copy.from, copy.chmod, copy.link, copy.sources, copy.dest]).toEqual(['build', '755', true, ['/out/app'], '/app']);
  });

  test('heredocs: a RUN script and an inline COPY file', () => {
    const { ir } = parse(lines('FROM alpine', "RUN <<'EOF'", 'set -e', 'apk update', 'EOF', 'COPY <<EOF /etc/motd', 'hello', 'EOF'));
    const [run, copy] = ir.stages[0]!.instructions as [ir.RunNode, ir.CopyNode];
    expect(run.command).toEqual({ form: 'script', script: 'apk update\n', errexit: true });
    expect([copy.inline, copy.dest]).toEqual(['hello\n', '/etc/motd']);
  });

  test('comments are kept, as comment instructions', () => {
    const { ir } = parse(lines('FROM alpine', '# install the server', 'RUN apk add redis'));
    expect(ir.stages[0]!.instructions.map((n) => n.kind)).toEqual(['comment', 'run']);
  });

  test('legacy ENV k v and several ARGs in one line normalize to one form', () => {
    const text = lines('FROM alpine', 'ENV PATH /usr/bin:/bin', 'ARG A=1 B');
    expect(print(parse(text).ir)).toBe(lines('FROM alpine', 'ENV PATH=/usr/bin:/bin', 'ARG A=1', 'ARG B'));
  });
});

describe('the IR parse returns', () => {
  test('is frozen all the way down, shared values and locations included', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      '# check=skip=JSONArgsRecommended',
      'ARG BASE=alpine',
      'ARG TAG',
      '',
      '# the build',
      'FROM --platform=$BUILDPLATFORM ${BASE} AS build',
      'ENV A="x y" B=$TAG',
      'RUN --mount=type=cache,target=/root/.cache apk add \\',
      '    curl \\',
      '    git',
      'COPY --chown=1:1 --link ["a b", "c", "/dst/"]',
      'LABEL \'k\'=v other="w"',
      'RUN <<EOF',
      'echo hi',
      'EOF',
      'FROM build',
      'COPY --from=build /out /out',
      'ONBUILD RUN make',
      'HEALTHCHECK --interval=5s CMD ["true"]',
      'CMD ["run"]',
      '# trailing',
      '',
    ].join('\n');
    for (const file of [text, 'FROM alpine\nRUN true\n']) {
      const { ir } = parse(file);
      expect(unfrozenIn(ir)).toEqual([]);
    }
    expect(objectsIn(parse(text).ir)).toBeGreaterThan(60);
  });
});

describe('parse errors name the file and line', () => {
  const cases: [string, string, number][] = [
    ['an unterminated heredoc', lines('FROM alpine', 'RUN <<EOF', 'echo'), 2],
    ['an instruction before FROM', lines('RUN true', 'FROM alpine'), 1],
    ['an unknown flag', lines('FROM alpine', 'COPY --bogus a b'), 2],
    ['an unknown instruction', lines('FROM alpine', 'FROBNICATE x'), 2],
    ['an unterminated quote', lines('FROM alpine', 'ENV A="x'), 2],
    ['a heredoc shape the IR cannot hold', lines('FROM alpine', 'RUN cat <<EOF > /x', 'hi', 'EOF'), 2],
    ['nothing but comments', lines('# just a comment'), 1],
  ];
  test.each(cases)('%s', (_, text, line) => {
    let error: unknown;
    try {
      parse(text, 'images/Dockerfile');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ParseError);
    expect((error as ParseError).line).toBe(line);
    expect((error as ParseError).message).toMatch(new RegExp(`^images/Dockerfile:${line}: `));
  });

  test('NoEmptyContinuation is recorded as a warning of the raw parse', () => {
    expect(parseRaw(lines('FROM alpine', 'RUN a \\', '', '  b')).warnings.map((w) => [w.rule, w.line])).toEqual([['NoEmptyContinuation', 2]]);
  });
});

describe('the exec form is read as JSON.parse reads it', () => {
  /** What BuildKit makes of `CMD <rest>`: a JSON array of strings, an error for other arrays, else the shell form. */
  function oracle(rest: string): { json: boolean; args: readonly string[] } | 'error' {
    let value: unknown;
    try {
      value = JSON.parse(rest);
    } catch {
      return { json: false, args: [rest] };
    }
    if (!Array.isArray(value)) return { json: false, args: [rest] };
    return value.every((v) => typeof v === 'string') ? { json: true, args: value as string[] } : 'error';
  }

  test('arrays of plain and escaped strings, odd spacing, and text that only starts like one', () => {
    const agrees = (rest: string): void => {
      if (rest.endsWith('\\') || rest.includes('\n')) return; // a continued line, or a second line: not one CMD
      const expected = oracle(rest);
      const read = (): { json: boolean; args: readonly string[] } => {
        const node = parseRaw(`FROM a\nCMD ${rest}\n`).nodes[1]!;
        return { json: node.json, args: node.args };
      };
      if (expected === 'error') expect(read).toThrow(ParseError);
      else expect(read()).toEqual(expected);
    };
    // Real arrays, of any strings (escapes included), written with odd spacing.
    const space = fc.constantFrom('', ' ', '  ', '\t');
    const item = fc.oneof(fc.string(), fc.constantFrom('a\\b', 'say "hi"', 'tab\there', '\u00e9', '/bin/sh', ''));
    fc.assert(
      fc.property(fc.array(fc.tuple(item, space, space), { maxLength: 5 }), space, (items, inner) => {
        agrees(`[${inner}${items.map(([text, before, after]) => `${before}${JSON.stringify(text)}${after}`).join(',')}${inner}]`);
      }),
      { numRuns: 2000 },
    );
    // Near-arrays and non-arrays built from pieces: the fast path must give up where JSON.parse does.
    const piece = fc.constantFrom('[', ']', ',', '"', ' ', '\t', 'a', 'b c', '\\"', '\\n', '\\u0041', '1', 'null', '\u00e9', '\\', '\u2028', '[]', '"x"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => agrees(`[${pieces.join('')}`.trim())),
      { numRuns: 3000 },
    );
    expect(parseRaw('FROM a\nCMD [ "a" ,"b c",  "" ]\n').nodes[1]!.args).toEqual(['a', 'b c', '']);
    expect(parseRaw('FROM a\nCMD ["a", "b"] x\n').nodes[1]!.json).toBe(false);
  });
});

describe('words without quotes or escapes', () => {
  test('split on every kind of space the word scanner knows, as the scanner splits them', () => {
    const piece = fc.constantFrom('a', 'b=c', '$X', ' ', '\t', '\u00a0', '\u2003', '\u3000', '\v', '\f', '\r', 'é', '😀'.slice(0, 1), '#');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const text = pieces.join('');
        expect(parseWords(text, '\\')).toEqual(text.split(/\s+/).filter((w) => w !== ''));
      }),
      { numRuns: 2000 },
    );
    // With a quote, the scanner itself: the space inside stays.
    expect(parseWords('a "b c"\u00a0d', '\\')).toEqual(['a', '"b c"', 'd']);
  });
});

describe('builder flags', () => {
  test('read without the scanner when plain, as the scanner reads them', () => {
    const piece = fc.constantFrom(
      '--',
      '--mount=type=cache,target=/x',
      '--from=build',
      '--link',
      ' ',
      '  ',
      '\t',
      '\u00a0',
      'echo',
      'a=b',
      '"q"',
      "'s'",
      '\\',
      '-x',
      '--chown="a b"',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), (pieces) => {
        const line = pieces.join('');
        expect(extractBuilderFlags(line)).toEqual(scannedFlags(line));
      }),
      { numRuns: 3000 },
    );
    expect(extractBuilderFlags('--from=build --link src /dst')).toEqual({ args: 'src /dst', flags: ['--from=build', '--link'] });
  });
});

describe('quoted words read without the lexer', () => {
  test('give what the lexer gives, for either escape character', () => {
    const piece = fc.constantFrom('a', ' ', '"', "'", '\\', '`', '$V', '${V}', '\t', 'é', '=');
    for (const escape of ['\\', '`'] as const) {
      fc.assert(
        fc.property(fc.constantFrom('"', "'", ''), fc.array(piece, { maxLength: 8 }), (quote, pieces) => {
          const word = quote + pieces.join('') + quote;
          const fast = quotedLiteral(word, escape);
          if (fast === undefined) return;
          const parts = wordParts(word, escape);
          expect(parts.every((p) => typeof p === 'string')).toBe(true);
          expect(fast).toBe(parts.join(''));
        }),
        { numRuns: 4000 },
      );
    }
    expect(quotedLiteral('"a b"', '\\')).toBe('a b');
    expect(quotedLiteral("'a $b \\'", '\\')).toBe('a $b \\');
    expect(quotedLiteral('"a $b"', '\\')).toBeUndefined();
  });
});

describe('arguments split on blanks', () => {
  test('as BuildKit splits them: tab, vertical tab, form feed, carriage return and space, nothing else', () => {
    const piece = fc.constantFrom('80', 'a/b', ' ', '   ', '\t', '\v', '\f', '\r', '\u00a0', '\u3000', 'é', '"x y"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = `x${pieces.join('')}y`;
        expect(parseRaw(`FROM a\nEXPOSE ${text}\n`).nodes[1]!.args).toEqual(text.split(/[\t\v\f\r ]+/));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('words with quotes and escapes kept', () => {
  test('sliced from the text exactly as the word scanner builds them', () => {
    const piece = fc.constantFrom('a', 'b=c', ' ', '\t', '\u00a0', '"', "'", '\\', '`', '\\"', '"x y"', "'p q'", '$V', '=', 'é');
    for (const escape of ['\\', '`'] as const) {
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
          const text = pieces.join('');
          expect(parseWords(text, escape)).toEqual(scannedWords(text, escape));
        }),
        { numRuns: 3000 },
      );
    }
  });
});
