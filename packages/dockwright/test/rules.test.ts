import { describe, expect, test } from 'vitest';
import {
  arg,
  check,
  expand,
  lint,
  parse,
  from,
  platformArgs,
  raw,
  rules,
  synth,
  SynthError,
  stageReferences,
  validate,
  type Diagnostic,
  type Image,
  type ir,
  type Rule,
} from 'dockwright';

/** The rule names an image breaks, with their severities. */
const found = (image: Image | ir.DockerfileNode): string[] => check(image).map((d) => `${d.severity} ${d.rule}`);

/** Any stage, for JavaScript-style calls the types would refuse. */
// biome-ignore lint/suspicious/noExplicitAny: the point is to call what the types refuse
const loose = (stage: unknown): any => stage;

describe('each rule reports its shape', () => {
  const cases: [string, () => Image, string][] = [
    ['MultipleInstructionsDisallowed', () => loose(from('alpine').cmd(['a'])).cmd(['b']), 'error'],
    ['DuplicateStageName', () => from(from('alpine', { as: 'x' })).copy({ from: from('alpine', { as: 'x' }), src: '/a', dest: '/a' }), 'error'],
    ['ReservedStageName', () => from(from('alpine', { as: 'scratch' })), 'error'],
    ['InvalidStageName', () => from(from('alpine', { as: 'Build' })), 'error'],
    ['WorkdirRelativePath', () => from('alpine').workdir('app'), 'warning'],
    ['UndefinedVar', () => from('alpine').env('A', expand`${arg('VERSION')}`), 'error'],
    ['UndefinedArgInFrom', () => from(raw('alpine:$TAG')), 'warning'],
    ['SecretsUsedInArgOrEnv', () => from('alpine').env('GITHUB_TOKEN', 'x'), 'warning'],
    ['ExposeInvalidFormat', () => from('alpine').expose('8080:80'), 'warning'],
    ['ExposeProtoCasing', () => from('alpine').expose('80/TCP'), 'warning'],
    ['JSONArgsRecommended', () => from('alpine').cmd('redis-server'), 'warning'],
    ['RedundantTargetPlatform', () => from('alpine', { platform: platformArgs.TARGETPLATFORM }), 'warning'],
    ['MaintainerDeprecated', () => from('alpine').maintainer('me'), 'warning'],
    ['InvalidDefaultArgInFrom', () => from(expand`alpine:${arg('TAG')}`), 'warning'],
    ['FromPlatformFlagConstDisallowed', () => from('alpine', { platform: 'linux/amd64' }), 'warning'],
    ['MissingFrom', () => from(''), 'error'],
    ['EmptyValue', () => from('alpine').run(''), 'error'],
    ['InvalidPort', () => from('alpine').expose(70000), 'error'],
    ['InvalidImageReference', () => from('Alpine Linux'), 'error'],
    ['CopySourceOutsideContext', () => from('alpine').copy('../secrets', '/s'), 'error'],
    ['MultipleSourcesNeedDirectory', () => from('alpine').copy(['a', 'b'], '/dst'), 'error'],
    ['InvalidOnbuildTrigger', () => from('alpine').onbuild((s) => s.onbuild((t) => t.run('x'))), 'error'],
    ['UnencodableValue', () => from('alpine').env('A', 'x\nRUN rm -rf /'), 'error'],
    ['InvalidName', () => from('alpine').env('MY VAR', 'x'), 'error'],
    ['InvalidFlagValue', () => from('alpine').copy('a', '/a', { chmod: 'rwx' }), 'error'],
    [
      'ConflictingArgDefault',
      () => from(expand`${arg('IMG', 'alpine')}`).copy({ from: from(expand`${arg('IMG', 'debian')}`, { as: 'other' }), src: '/a', dest: '/a' }),
      'error',
    ],
    ['InvalidDirective', () => from('alpine').$dockerfile({ escape: '/' as never }), 'error'],
    [
      'ImageReferenceIsStageName',
      () =>
        from('alpine')
          .copy({ from: from('golang', { as: 'build' }), src: '/a', dest: '/a' })
          .copy('/b', '/b', { from: 'build' }),
      'error',
    ],
    ['LineTooLong', () => from('alpine').run(`echo ${'x'.repeat(70_000)}`), 'error'],
  ];

  test.each(cases)('%s', (rule, make, severity) => {
    expect(found(make())).toContain(`${severity} ${rule}`);
  });

  test('rules made once and reused for many files report what they report for one file alone', () => {
    // validate() keeps one plan per rule set: state left over from an earlier file would show here.
    const files = [...cases, ...[...cases].reverse()].map(([, make]) => make().toIR());
    const strip = (ds: Diagnostic[]) => ds.map((d) => `${d.rule} ${d.severity} ${d.message}`);
    for (const file of files) {
      const reused = strip(validate(file));
      expect(reused).toEqual(strip(validate(file, { rules: [...rules] })));
      expect(strip(validate(file, { check: { error: true } }))).toEqual(strip(validate(file, { rules: [...rules], check: { error: true } })));
    }
    expect(files.every((file) => validate(file).length > 0)).toBe(true);
  });

  test('a rule of your own: made once, its hooks serve every file; ctx.file is read in hooks only', () => {
    let made = 0;
    const counter: Rule = {
      name: 'TooManyRuns',
      severity: 'warning',
      description: 'More than two RUN in a file.',
      url: 'https://example.com/too-many-runs',
      create(ctx) {
        made++;
        let runs = 0;
        return {
          file: () => {
            runs = 0;
          },
          instruction: {
            run: (node) => {
              if (++runs === 3) ctx.report(node.loc, `${ctx.file.stages.length} stage(s), a third RUN`);
            },
          },
        };
      },
    };
    const mine = [...rules, counter];
    const three = from('alpine').run('a').run('b').run('c').toIR();
    const two = from('alpine').run('a').run('b').toIR();
    for (const file of [three, two, three]) validate(file, { rules: mine });
    expect(validate(two, { rules: mine }).filter((d) => d.rule === 'TooManyRuns')).toEqual([]);
    expect(
      validate(three, { rules: mine })
        .filter((d) => d.rule === 'TooManyRuns')
        .map((d) => d.message),
    ).toEqual(['1 stage(s), a third RUN']);
    expect(made).toBe(1);
    const early: Rule = {
      ...counter,
      name: 'Early',
      create(ctx) {
        void ctx.file.stages; // at creation there is no file yet
        return {};
      },
    };
    expect(() => validate(two, { rules: [early] })).toThrow(/a rule read ctx.file outside a hook/);
  });

  test('ctx.stageReferences() in an end hook is what the walk gathered: the same as stageReferences(file), ONBUILD included', () => {
    const text = [
      'FROM alpine AS base',
      'FROM base AS build',
      'COPY --from=base /a /a',
      'RUN --mount=type=cache,from=build,target=/c --mount=type=bind,from=0,target=/b true',
      'ONBUILD COPY --from=build /x /x',
      'FROM scratch',
      'COPY --from=1 /y /y',
      'COPY --from=alpine:3 /z /z',
      'ONBUILD RUN --mount=type=cache,from=base,target=/d true',
    ].join('\n');
    const file = parse(text).ir;
    const seen: { atFile: unknown; atEnd: unknown }[] = [];
    const reader: Rule = {
      name: 'ReadsReferences',
      severity: 'warning',
      description: 'Reads the references twice.',
      url: 'https://example.com/reads-references',
      create(ctx) {
        let atFile: unknown;
        return {
          file: () => {
            atFile = undefined;
          },
          end: () => {
            seen.push({ atFile, atEnd: ctx.stageReferences() });
          },
        };
      },
    };
    const early: Rule = {
      ...reader,
      name: 'ReadsEarly',
      create: (ctx) => ({ file: () => void seen.push({ atFile: ctx.stageReferences(), atEnd: undefined }) }),
    };
    validate(file, { rules: [reader] });
    validate(file, { rules: [early] });
    const expected = stageReferences(file);
    expect(expected.map((r) => `${r.from}->${r.to} (${r.via})`)).toEqual([
      '1->base (FROM)',
      '1->base (COPY --from)',
      '1->build (--mount from)',
      '1->0 (--mount from)',
      '1->build (COPY --from)',
      '2->1 (COPY --from)',
      '2->alpine:3 (COPY --from)',
      '2->base (--mount from)',
    ]);
    expect(seen).toEqual([
      { atFile: undefined, atEnd: expected },
      { atFile: expected, atEnd: undefined },
    ]);
  });

  test('UndefinedVar: an arg() declared earlier in the stage, by .arg() or as an ENV key, is not reported; one declared later or in a trigger is', () => {
    const version = arg('VERSION', '1');
    const undefinedVars = (image: Image): number => check(image).filter((d) => d.rule === 'UndefinedVar').length;
    expect(undefinedVars(from('alpine').arg(version).env('A', expand`${version}`))).toBe(0);
    expect(undefinedVars(from('alpine').env('VERSION', '2').workdir(expand`/${version}`))).toBe(0);
    expect(undefinedVars(from('alpine').workdir(expand`/${version}`).arg(version))).toBe(1);
    expect(
      undefinedVars(
        from('alpine')
          .onbuild((s) => s.arg(version))
          .workdir(expand`/${version}`),
      ),
    ).toBe(1);
    // Each stage declares its own: a later stage does not see the first one's.
    const first = from('alpine').arg(version).workdir(expand`/${version}`);
    expect(undefinedVars(from(first).workdir(expand`/${version}`))).toBe(1);
  });

  test('every rule in the catalog has a case here', () => {
    expect(rules.map((r) => r.name).sort()).toEqual([...cases.map(([name]) => name), 'UnknownStageReference', 'CircularStageDependency'].sort());
  });

  test('BuildKit rules link to BuildKit, ours to our catalog', () => {
    const byName = new Map(rules.map((r) => [r.name, r.url]));
    expect(byName.get('JSONArgsRecommended')).toBe('https://docs.docker.com/go/dockerfile/rule/json-args-recommended/');
    expect(byName.get('EmptyValue')).toMatch(/docs\/rules\.md#emptyvalue$/);
  });
});

describe('stage graph rules on IR that a parser could produce', () => {
  const stage = (name: string, image: string, instructions: ir.InstructionNode[] = []): ir.StageNode =>
    ({ kind: 'stage', from: { kind: 'from', image, name }, instructions }) as ir.StageNode;
  const copyFrom = (from: string): ir.CopyNode => ({ kind: 'copy', from, sources: ['/a'], dest: '/a', exclude: [] });
  const file = (...stages: ir.StageNode[]): ir.DockerfileNode => ({ kind: 'dockerfile', directives: {}, globalArgs: [], stages });

  test('UnknownStageReference: an index at or after the current stage', () => {
    expect(found(file(stage('a', 'alpine', [copyFrom('1')])))).toContain('error UnknownStageReference');
    expect(found(file(stage('a', 'alpine'), stage('b', 'alpine', [copyFrom('0')])))).toEqual([]);
  });

  test('CircularStageDependency: stages that copy from each other', () => {
    expect(found(file(stage('a', 'alpine', [copyFrom('b')]), stage('b', 'alpine', [copyFrom('a')])))).toContain('error CircularStageDependency');
  });
});

describe('synth', () => {
  test('throws one SynthError with code synth.invalid carrying every diagnostic', () => {
    const image = from('alpine').run('').workdir('rel').env('A', 'x\ny');
    let error: unknown;
    try {
      synth(image);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SynthError);
    expect((error as SynthError).code).toBe('synth.invalid');
    expect((error as SynthError).diagnostics.map((d: Diagnostic) => d.rule)).toEqual(['EmptyValue', 'WorkdirRelativePath', 'UnencodableValue']);
  });

  test('warnings do not stop synth', () => {
    expect(synth(from('alpine').cmd('redis-server'))).toBe('FROM alpine\nCMD redis-server\n');
  });

  test("a diagnostic's loc is the user's call site: this file, this line", () => {
    const line = new Error().stack!.split('\n')[1]!.match(/:(\d+):\d+\)?$/)![1];
    const [d] = check(from('alpine').workdir('relative'));
    expect(d?.loc?.file).toBe(import.meta.filename);
    expect(d?.loc?.line).toBe(Number(line) + 1);
    expect(d?.loc?.column).toBeGreaterThan(1);
  });

  test('the loc of a global ARG is the from() call that used it', () => {
    const image = from(expand`alpine:${arg('GITHUB_TOKEN', 'x')}`);
    const [d] = check(image);
    expect(d?.rule).toBe('SecretsUsedInArgOrEnv');
    expect(d?.loc?.file).toBe(import.meta.filename);
  });
});

describe('check configuration', () => {
  const image = from('alpine').cmd('redis-server').workdir('rel');

  test('skip drops a rule; error=true turns warnings into errors', () => {
    expect(found(image)).toEqual(['warning JSONArgsRecommended', 'warning WorkdirRelativePath']);
    expect(check(image, { check: { skip: ['JSONArgsRecommended'] } }).map((d) => d.rule)).toEqual(['WorkdirRelativePath']);
    expect(() => synth(image, { check: { error: true } })).toThrow(SynthError);
  });

  test('the # check= directive on the image is honoured and printed', () => {
    const configured = image.$dockerfile({ check: { skip: 'all' } });
    expect(found(configured)).toEqual([]);
    expect(synth(configured)).toBe('# check=skip=all\n\nFROM alpine\nCMD redis-server\nWORKDIR rel\n');
  });

  test('rules that guard the structure cannot be skipped', () => {
    const broken = from('alpine')
      .env('A', 'x\nRUN rm -rf /')
      .$dockerfile({ check: { skip: 'all' } });
    expect(() => synth(broken)).toThrow(SynthError);
  });
});

describe('what Docker refuses, dockwright refuses first', () => {
  test('a line of more than 65535 bytes: refused at the call site, counted in bytes, not characters', () => {
    const at = (image: Image) => check(image).filter((d) => d.rule === 'LineTooLong');
    const [long] = at(from('alpine').env('BLOB', 'x'.repeat(65_530)));
    expect(long?.message).toMatch(/^ENV would print 65539 bytes on one line; Docker reads lines of up to 65535 bytes/);
    expect(long?.loc?.file).toMatch(/rules\.test\.ts$/);
    expect(at(from('alpine').env('BLOB', 'x'.repeat(65_520)))).toEqual([]); // ENV BLOB= plus 65520: 65529 bytes
    expect(at(from('alpine').label('text', 'é'.repeat(30_000)))).toEqual([]); // 30,000 characters, 60,000 bytes
    expect(at(from('alpine').label('text', 'é'.repeat(33_000)))[0]?.message).toMatch(/^LABEL would print 66013 bytes/);
    // A long script is fine: it prints as many short lines.
    expect(at(from('alpine').run(Array.from({ length: 5000 }, (_, i) => `echo line ${i} of a long script`).join('\n')))).toEqual([]);
    expect(() => synth(from('alpine').run(`echo ${'x'.repeat(70_000)}`))).toThrow(SynthError);
  });

  test('lint refuses a hand-written line of more than 65535 bytes at its line', () => {
    const text = `FROM alpine\nRUN echo ${'x'.repeat(66_000)}\n`;
    const [d] = lint(text, 'Dockerfile');
    expect(d).toMatchObject({ rule: 'SyntaxError', loc: { line: 2 } });
    expect(d?.message).toContain('66009 bytes long; Docker reads lines of up to 65535 bytes');
  });

  test('a string image reference that names a stage: Docker would use the stage, so it is an error', () => {
    const build = from('golang:1.23', { as: 'build' }).run('go build -o /out/app');
    const messages = (image: Image) =>
      check(image)
        .filter((d) => d.rule === 'ImageReferenceIsStageName')
        .map((d) => d.message);
    expect(messages(from('alpine').copy({ from: build, src: '/out/app', dest: '/app' }).copy('/x', '/x', { from: 'Build' }))).toEqual([
      "copy() from 'Build' names the stage build of this Dockerfile, so Docker would use that stage, not the image Build. Pass the stage value to mean the stage, or name the stage differently to mean the image.",
    ]);
    expect(messages(from(from('alpine', { as: 'node' })).copy('/x', '/x', { from: from('node', { as: 'tools' }) }))).toEqual([
      "from() 'node' names the stage node of this Dockerfile, so Docker would use that stage, not the image node. Pass the stage value to mean the stage, or name the stage differently to mean the image.",
    ]);
    expect(messages(from('alpine').copy({ from: build, src: '/out/app', dest: '/app' }))).toEqual([]); // a value: fine
    // In a parsed file a name is how a stage is referred to.
    expect(lint('FROM golang AS build\nRUN true\nFROM alpine\nCOPY --from=build /a /a\n').map((d) => d.rule)).not.toContain('ImageReferenceIsStageName');
  });
});

describe('image metadata', () => {
  const tagErrors = (image: Image) =>
    check(image)
      .filter((d) => d.rule === 'InvalidTag')
      .map((d) => d.message);

  test("tags follow Docker's reference grammar, reported at the $meta() line", () => {
    const line = Number(new Error().stack!.split('\n')[1]!.match(/:(\d+):\d+\)?$/)![1]) + 1;
    const image = from('alpine').$meta({
      tags: [
        'App:1',
        '',
        'ok/app:1.0',
        'registry.example.com:5000/team/app:2',
        'a:b:c',
        `x:${'t'.repeat(129)}`,
        'app@sha256:' + 'a'.repeat(64),
        'Registry.Example.com/team/app:1',
      ],
    });
    expect(tagErrors(image)).toEqual([
      'The tag "App:1" is not a valid tag: the repository name must be lower case (app:1).',
      'The tag "" is not a valid tag: it is empty.',
      'The tag "a:b:c" is not a valid tag: the repository name must be lower-case letters and digits, separated by "/", ".", "_", "__" or "-".',
      `The tag "x:${'t'.repeat(129)}" is not a valid tag: the tag "${'t'.repeat(129)}" must be letters, digits, "_", "." and "-" (first not "." or "-"), at most 128.`,
      'The tag "app@sha256:' + 'a'.repeat(64) + '" is not a valid tag: a tag cannot carry a digest (@sha256:...).',
    ]);
    const [first] = check(image).filter((d) => d.rule === 'InvalidTag');
    expect(first?.loc?.file).toMatch(/rules\.test\.ts$/);
    expect(first?.loc?.line).toBe(line);
    expect(() => synth(image)).toThrow(SynthError);
  });

  test('a name without tags stands for name:latest and is checked as such', () => {
    expect(tagErrors(from('alpine').$meta({ name: 'My App' }))).toEqual([
      'The name "My App" would tag the image My App:latest, which is not a valid tag: it contains whitespace. Give it valid tags with $meta({ tags }).',
    ]);
    expect(tagErrors(from('alpine').$meta({ name: 'family/base' }))).toEqual([]);
    expect(tagErrors(from('alpine').$meta({ name: 'My App', tags: ['app:1'] }))).toEqual([]); // the tags are what is tagged
  });
});

describe('the rule catalog in docs/rules.md', () => {
  test('lists every rule with its severity', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');
    for (const rule of rules) {
      expect(doc).toMatch(new RegExp(`\\| \\[${rule.name}\\]\\([^)]*\\) \\| ${rule.severity}`));
    }
  });
});
