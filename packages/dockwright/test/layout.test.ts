import { describe, expect, test } from 'vitest';
import { arg, buildDifference, check, expand, from, parse, print, raw, synth } from 'dockwright';

/** The expected file: lines joined, with the trailing newline every printed file has. */
const lines = (...text: string[]): string => text.join('\n') + '\n';

describe('a shell command written as lines', () => {
  test('prints with continuations; the shell gets the lines joined as Docker joins them', () => {
    const image = from('debian').run({
      lines: ['apt-get update', '  && apt-get install -y curl', '  # curl for the health check', '', '  && rm -rf /var/lib/apt/lists/*'],
    });
    const text = synth(image);
    expect(text).toBe(
      lines('FROM debian', 'RUN apt-get update \\', '  && apt-get install -y curl \\', '  # curl for the health check', '', '  && rm -rf /var/lib/apt/lists/*'),
    );
    const run = parse(text).ir.stages[0]!.instructions[0]!;
    expect(run.kind === 'run' && run.command.form === 'shell' && run.command.command).toBe(
      'apt-get update   && apt-get install -y curl   && rm -rf /var/lib/apt/lists/*',
    );
    expect(print(parse(text).ir)).toBe(text);
  });

  test('CMD and ENTRYPOINT take lines too', () => {
    expect(synth(from('alpine').entrypoint({ lines: ['exec server', '  --port 80'] }))).toBe(lines('FROM alpine', 'ENTRYPOINT exec server \\', '  --port 80'));
  });

  test('lines that would break the instruction are refused', () => {
    const problems = (command: readonly string[]) =>
      check(from('alpine').run({ lines: command }))
        .filter((d) => d.rule === 'UnencodableValue')
        .map((d) => d.message);
    expect(problems(['# not a comment here', 'make'])).toEqual([expect.stringContaining('starts with a comment or an empty line')]);
    expect(problems(['make', '# the end'])).toEqual([expect.stringContaining('ends with a comment or an empty line')]);
    expect(problems(['make', 'a\nb'])).toEqual([expect.stringContaining('newline')]);
    expect(problems(['make <<EOF', 'x'])).toEqual([expect.stringContaining('heredoc marker')]);
  });
});

describe('comments and blank lines where they were', () => {
  test('before a FROM and a global ARG, in place of the usual blank line; $blank() inside a stage', () => {
    const version = arg('VERSION', '1', { before: ['# the version to build'] });
    const base = from(expand`alpine:${version}`, { as: 'base', before: ['', '', '# the base'] }).run('true');
    const image = from(base, { before: [] }).comment('then').$blank(2).cmd(['sh']);
    expect(synth(image)).toBe(
      lines(
        '# the version to build',
        'ARG VERSION=1',
        '',
        '',
        '# the base',
        'FROM alpine:${VERSION} AS base',
        'RUN true',
        'FROM base',
        '# then',
        '',
        '',
        'CMD ["sh"]',
      ),
    );
    expect(() => from('alpine', { before: ['RUN rm -rf /'] })).toThrow(/neither blank nor a comment/);
  });

  test('a comment at the top that reads like a parser directive is refused', () => {
    expect(check(from('alpine', { before: ['# escape=`'] })).map((d) => d.rule)).toContain('UnencodableValue');
    expect(check(from('alpine', { before: ['# escape is the backtick'] })).map((d) => d.rule)).not.toContain('UnencodableValue');
  });
});

describe('every stage and every global ARG of a Dockerfile', () => {
  test('$dockerfile({ targets }) keeps stages the image does not need, in order, before the image', () => {
    const build = from('golang', { as: 'build' }).run('go build');
    const test_ = from(build, { as: 'test' }).run('go test');
    const image = from('alpine')
      .copy({ from: build, src: '/out', dest: '/out' })
      .$dockerfile({ targets: [build, test_] });
    expect(synth(image)).toBe(
      lines('FROM golang AS build', 'RUN go build', '', 'FROM build AS test', 'RUN go test', '', 'FROM alpine', 'COPY --from=build /out /out'),
    );
  });

  test('$dockerfile({ args }) declares global ARGs a stage inherits; arg(previous, default) redeclares, in order', () => {
    const platform = arg('EXTRA', raw('${TARGETPLATFORM#linux/amd64}'));
    const extra = arg(arg(platform, raw('${EXTRA:+"unsupported"}')), raw('${EXTRA:-"supported"}'));
    const flags = arg('FLAGS', '-v');
    const image = from(expand`base-${extra}`)
      .arg(flags)
      .run('make $FLAGS')
      .$dockerfile({ args: [flags] });
    expect(synth(image)).toBe(
      lines(
        'ARG FLAGS=-v',
        'ARG EXTRA=${TARGETPLATFORM#linux/amd64}',
        'ARG EXTRA=${EXTRA:+"unsupported"}',
        'ARG EXTRA=${EXTRA:-"supported"}',
        '',
        'FROM base-${EXTRA}',
        'ARG FLAGS',
        'RUN make $FLAGS',
      ),
    );
    // A redeclaration is no conflict; two unrelated references with one name and two defaults are.
    expect(check(image).map((d) => d.rule)).not.toContain('ConflictingArgDefault');
    const a = arg('IMG', 'alpine');
    const b = arg('IMG', 'debian');
    expect(check(from(expand`${a}`).copy({ from: from(expand`${b}`, { as: 'other' }), src: '/x', dest: '/x' })).map((d) => d.rule)).toContain(
      'ConflictingArgDefault',
    );
  });

  test('a default that uses another argument declares that one first', () => {
    const major = arg('MAJOR', '3');
    const version = arg('VERSION', expand`${major}.20`);
    expect(synth(from(expand`alpine:${version}`))).toBe(lines('ARG MAJOR=3', 'ARG VERSION=${MAJOR}.20', '', 'FROM alpine:${VERSION}'));
  });

  test('$overridden keeps an earlier CMD where a file had it; MultipleInstructionsDisallowed does not fire for it', () => {
    const image = from('alpine')
      .$overridden((s) => s.cmd(['echo', 'old']))
      .cmd(['echo', 'new']);
    expect(synth(image)).toBe(lines('FROM alpine', 'CMD ["echo", "old"]', 'CMD ["echo", "new"]'));
    expect(() => from('alpine').$overridden((s) => s.run('true'))).toThrow(/one CMD, ENTRYPOINT or HEALTHCHECK/);
  });
});

describe('heredocs as written', () => {
  test('a word of its own and unquoted (Docker expands variables in it); empty content stays empty', () => {
    const image = from('alpine')
      .copy({ content: 'built with ${GO_VERSION}\n', dest: '/etc/motd', delimiter: 'EOT', expand: true })
      .copy({ content: '', dest: '/done' })
      .run('echo one\necho two\n', { delimiter: 'SCRIPT', errexit: false });
    expect(synth(image)).toBe(
      lines(
        'FROM alpine',
        'COPY <<EOT /etc/motd',
        'built with ${GO_VERSION}',
        'EOT',
        "COPY <<'EOF' /done",
        'EOF',
        "RUN <<'SCRIPT'",
        'echo one',
        'echo two',
        'SCRIPT',
      ),
    );
    expect(check(from('alpine').copy({ content: 'x', dest: '/x', delimiter: 'E O F' })).map((d) => d.rule)).toContain('UnencodableValue');
  });
});

describe('raw Docker syntax is written as it is', () => {
  test('a modifier with quotes and a space is not quoted again (it would change the value)', () => {
    const flags = arg('GOGCFLAGS', raw('${BUILDKIT_DEBUG:+"all=-N -l"}'));
    expect(
      synth(
        from(expand`golang:${arg('V', '1')}`)
          .arg(flags)
          .run('true'),
      ),
    ).toContain('ARG GOGCFLAGS=${BUILDKIT_DEBUG:+"all=-N -l"}');
    // Raw text with a blank outside quotes would split the word: then it is quoted.
    expect(synth(from('alpine').env('A', raw('a b')))).toContain('ENV A="a b"');
  });
});

describe('buildDifference: the same build, or the first difference', () => {
  const diff = (a: string, b: string) => buildDifference(parse(a).ir, parse(b).ir);

  test('layout, comments, LABEL order and $X against ${X} make no difference', () => {
    expect(diff('FROM a\n# c\nLABEL b=1 a=2\nRUN x \\\n  y\nENV P=$X\n', 'FROM a\n\nLABEL a=2 b=1\nRUN x   y\nENV P=${X}\n')).toBeUndefined();
    expect(diff('FROM a AS b\nFROM a\nCOPY --from=0 /x /x\n', 'FROM a AS b\nFROM a\nCOPY --from=b /x /x\n')).toBeUndefined();
  });

  test('a changed value, a lost stage or instruction does', () => {
    expect(diff('FROM a\nRUN x\n', 'FROM a\nRUN y\n')).toBe('stage 0, instruction 1 (RUN): they differ');
    expect(diff('FROM a AS b\nFROM a\n', 'FROM a\n')).toBe('one has 2 stages, the other 1');
    expect(diff('FROM a\nCMD y\nUSER u\n', 'FROM a\nCMD y\n')).toBe('stage 0: one has 2 instructions, the other 1');
    expect(diff('ARG V=1\nFROM a:$V\n', 'ARG V=2\nFROM a:$V\n')).toBe('the ARGs before the first FROM differ');
  });
});
