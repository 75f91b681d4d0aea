import fc from 'fast-check';
import { from, type Stage } from 'dockwright';

/**
 * The image generator of the property tests: builder calls with values that break Dockerfiles
 * when printed carelessly. Plain data (JSON), so a test can hand the same images to another process.
 */

/** Pieces that break Dockerfiles when printed carelessly. */
export const hostileUnit = fc.constantFrom(
  'a',
  'b',
  'Z',
  '0',
  ' ',
  '\t',
  '\n',
  '\r',
  '\\',
  '"',
  "'",
  '$',
  '${X}',
  '`',
  '{',
  '}',
  '<<EOF',
  'EOF',
  '<',
  '#',
  '--',
  '-',
  '=',
  ':',
  '[',
  ']',
  '[]',
  '\0',
  'é',
  '\u2028',
  ',',
  '/',
  '.',
  '..',
  '*',
);
/** Half hostile strings, half plain words: plain ones make the images that print, to be read back. */
const hostile = fc.oneof(
  fc.string({ unit: hostileUnit, minLength: 0, maxLength: 10 }),
  fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', '9', '-', '_', '.'), minLength: 1, maxLength: 8 }),
);
/** A hostile string, or one of the values a strict flag accepts. */
const or = (...valid: string[]): fc.Arbitrary<string> => fc.oneof(hostile, fc.constantFrom(...valid));
const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/);

export type Op =
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
  | { readonly kind: 'onbuild'; readonly command: string }
  | { readonly kind: 'lines'; readonly lines: string[] }
  | { readonly kind: 'blank'; readonly count: number }
  | { readonly kind: 'before'; readonly lines: string[] };

export const op: fc.Arbitrary<Op> = fc.oneof(
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
  fc.record({
    kind: fc.constant('health' as const),
    args: fc.array(hostile, { minLength: 1, maxLength: 2 }),
    interval: or('30s', '1m30s'),
    retries: fc.integer({ min: -1, max: 5 }),
  }),
  fc.record({ kind: fc.constant('expose' as const), port: or('80', '443/tcp', '8000-8010/udp') }),
  fc.record({ kind: fc.constant('volume' as const), path: hostile.map((p) => '/' + p) }),
  fc.record({ kind: fc.constant('stopsignal' as const), signal: or('SIGTERM', '9') }),
  fc.record({
    kind: fc.constant('copyFlags' as const),
    chown: or('app:app', '1000'),
    chmod: or('755', '0640', 'u+x'),
    exclude: or('*.md'),
    from: or('alpine:3.20', 'ghcr.io/org/tools:1'),
  }),
  fc.record({ kind: fc.constant('add' as const), source: hostile, checksum: or(`sha256:${'a'.repeat(64)}`) }),
  fc.record({ kind: fc.constant('onbuild' as const), command: hostile }),
  // A command written as lines, with comment and empty lines among them.
  fc.record({
    kind: fc.constant('lines' as const),
    lines: fc.array(fc.oneof(hostile, fc.constantFrom('# a comment', '', '  && next')), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('blank' as const), count: fc.integer({ min: 1, max: 2 }) }),
  // A stage started from the one so far, with lines before its FROM.
  fc.record({
    kind: fc.constant('before' as const),
    lines: fc.array(
      fc.oneof(
        fc.constantFrom('', '# before'),
        hostile.map((h) => `# ${h}`),
      ),
      { maxLength: 3 },
    ),
  }),
);

export function apply(stage: Stage, o: Op): Stage {
  switch (o.kind) {
    case 'env':
      return stage.env(o.key, o.value);
    case 'label':
      return stage.label(o.key, o.value);
    case 'arg':
      return stage.arg(o.key, o.value);
    case 'run':
      return stage.run(o.command);
    case 'runExec':
      return stage.run(o.args);
    case 'cmd':
      return stage
        .shell(['/bin/sh', '-c'])
        .run(['true'])
        .$apply((s) => s.cmd(o.args) as unknown as Stage);
    case 'workdir':
      return stage.workdir(o.path);
    case 'user':
      return stage.user(o.user);
    case 'copy':
      return stage.copy(o.sources, o.dest);
    case 'content':
      return stage.copy({ content: o.content, dest: o.dest });
    case 'comment':
      return stage.comment(o.text);
    case 'mount':
      return stage.run(o.command, { mount: { type: 'cache', target: o.target, id: o.id } });
    case 'health':
      return stage.healthcheck(o.args, { interval: o.interval, retries: o.retries }) as unknown as Stage;
    case 'expose':
      return stage.expose(o.port);
    case 'volume':
      return stage.volume(o.path);
    case 'stopsignal':
      return stage.stopsignal(o.signal);
    case 'copyFlags':
      return stage.copy('a', '/b/', { chown: o.chown, chmod: o.chmod, exclude: o.exclude, from: o.from });
    case 'add':
      return stage.add(o.source, '/dst/', { checksum: o.checksum });
    case 'onbuild':
      return stage.onbuild((s) => s.run(o.command));
    case 'lines':
      return stage.run({ lines: o.lines });
    case 'blank':
      return stage.$blank(o.count);
    case 'before':
      return from(stage.as('previous'), { before: o.lines });
  }
}
