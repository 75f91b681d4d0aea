import type {
  AnyInstructionNode,
  CopyFields,
  Heredoc,
  DockerfileNode,
  InstructionNode,
  KeyValue,
  Mount,
  OnbuildNode,
  RefersTo,
  TriviaNode,
} from '../ir/nodes/index.js';
import { execForm, frozen, node, scriptForm, shellForm, shellLines } from '../ir/nodes/index.js';
import type { SourceLocation } from '../ir/location.js';
import { followLink, linkOf, type ChainLink } from './call-sites.js';
import type { Text } from '../ir/text.js';
import type {
  AddOptions,
  AddSpec,
  Chown,
  CopyContentSpec,
  CopyOptions,
  CopySpec,
  DockerfileOptions,
  Duration,
  FromSource,
  HealthcheckOptions,
  ImageMeta,
  MountOptions,
  PortInput,
  RunOptions,
  ShellLines,
  ValueOptions,
} from './options.js';
import { argRefsOf, describe, invalidArgument, requireString, toText, toTextExpanding, type ArgRef, type TextInput } from './refs.js';
import type { StageLike } from './stage.js';
import {
  DeferredInstruction,
  entriesOf,
  installStageAccess,
  type BaseSpec,
  type Entry,
  type EntryLink,
  type StageHead,
  type StageResolver,
  type StageState,
} from './state.js';
import { buildDockerfile } from './to-ir.js';

const EMPTY: readonly never[] = Object.freeze([]);

/** The hidden implementation of `Stage`: frozen state, every method returns a new instance. */
export class StageImpl implements StageLike {
  // Private and never handed out, so immutable without the cost of freezing on every call.
  readonly #head: StageHead;
  readonly #last: EntryLink | null;
  /** The call that made this value, as the source text chains it (see call-sites.ts). */
  readonly #link: ChainLink | undefined;

  constructor(head: StageHead, last: EntryLink | null, link: ChainLink | undefined) {
    this.#head = head;
    this.#last = last;
    this.#link = link;
    Object.freeze(this);
  }

  get stageName(): string | undefined {
    return this.#head.name;
  }

  get meta(): ImageMeta {
    return this.#head.meta;
  }

  /** Where `$meta()` was called, for diagnostics about names and tags. */
  get metaLoc(): SourceLocation | undefined {
    return this.#head.metaLoc;
  }

  /** Where the stage's `from()` was called. */
  get fromLoc(): SourceLocation | undefined {
    return this.#head.fromLoc;
  }

  toIR(): DockerfileNode {
    return buildDockerfile(this);
  }

  run(command: string | readonly string[] | ShellLines, options: RunOptions = {}): StageImpl {
    const link = this.#call('run', this.run);
    const loc = link.loc;
    const form =
      typeof command === 'string'
        ? command.includes('\n')
          ? scriptForm(command, options.errexit ?? true, heredocOf(options))
          : shellForm(command)
        : isShellLines(command)
          ? shellLines(stringArray(command.lines, 'run() lines'))
          : execForm(stringArray(command, 'run() command'));
    const mountOptions = options.mount === undefined ? EMPTY : Array.isArray(options.mount) ? options.mount : [options.mount as MountOptions];
    const deps = mountOptions.flatMap((m) => stageDeps('from' in m ? m.from : undefined));
    return this.#push(
      deps,
      (resolve) =>
        node({
          kind: 'run',
          command: form,
          mounts: frozen(mountOptions.map((m) => toMount(m, resolve))),
          network: options.network,
          security: options.security,
          loc,
        }),
      link,
    );
  }

  cmd(command: string | readonly string[] | ShellLines): StageImpl {
    const link = this.#call('cmd', this.cmd);
    return this.#add(node({ kind: 'cmd', command: commandForm(command, 'cmd()'), loc: link.loc }), link);
  }

  entrypoint(command: string | readonly string[] | ShellLines): StageImpl {
    const link = this.#call('entrypoint', this.entrypoint);
    const loc = link.loc;
    return this.#add(node({ kind: 'entrypoint', command: commandForm(command, 'entrypoint()'), loc }), link);
  }

  healthcheck(test: string | readonly string[] | false, options: HealthcheckOptions = {}): StageImpl {
    const link = this.#call('healthcheck', this.healthcheck);
    const loc = link.loc;
    return this.#add(
      node({
        kind: 'healthcheck',
        test: test === false ? undefined : commandForm(test, 'healthcheck()'),
        interval: duration(options.interval),
        timeout: duration(options.timeout),
        startPeriod: duration(options.startPeriod),
        startInterval: duration(options.startInterval),
        retries: options.retries,
        loc,
      }),
      link,
    );
  }

  shell(args: readonly string[]): StageImpl {
    const link = this.#call('shell', this.shell);
    const loc = link.loc;
    return this.#add(node({ kind: 'shell', args: frozen(stringArray(args, 'shell()')), loc }), link);
  }

  stopsignal(signal: string | number | TextInput): StageImpl {
    const link = this.#call('stopsignal', this.stopsignal);
    const loc = link.loc;
    const value = typeof signal === 'number' ? String(signal) : toText(signal, 'stopsignal()');
    return this.#add(node({ kind: 'stopsignal', signal: value, loc }), link);
  }

  user(user: TextInput | number, group?: TextInput | number): StageImpl {
    const link = this.#call('user', this.user);
    const loc = link.loc;
    return this.#add(
      node({ kind: 'user', user: numberOrText(user, 'user()'), group: group === undefined ? undefined : numberOrText(group, 'user() group'), loc }),
      link,
    );
  }

  workdir(path: TextInput): StageImpl {
    const link = this.#call('workdir', this.workdir);
    return this.#add(node({ kind: 'workdir', path: toText(path, 'workdir()'), loc: link.loc }), link);
  }

  volume(...paths: TextInput[]): StageImpl {
    const link = this.#call('volume', this.volume);
    const loc = link.loc;
    return this.#add(node({ kind: 'volume', paths: frozen(paths.map((p) => toText(p, 'volume() path'))), loc }), link);
  }

  expose(...ports: PortInput[]): StageImpl {
    const link = this.#call('expose', this.expose);
    const loc = link.loc;
    return this.#add(node({ kind: 'expose', ports: frozen(ports.map(portText)), loc }), link);
  }

  env(keyOrPairs: string | Readonly<Record<string, TextInput>>, valueOrOptions?: TextInput | ValueOptions, options?: ValueOptions): StageImpl {
    const link = this.#call('env', this.env);
    const loc = link.loc;
    return this.#add(node({ kind: 'env', pairs: keyValues(keyOrPairs, valueOrOptions, options, false, 'env()'), loc }), link);
  }

  label(keyOrPairs: string | Readonly<Record<string, TextInput>>, valueOrOptions?: TextInput | ValueOptions, options?: ValueOptions): StageImpl {
    const link = this.#call('label', this.label);
    const loc = link.loc;
    return this.#add(node({ kind: 'label', pairs: keyValues(keyOrPairs, valueOrOptions, options, true, 'label()'), loc }), link);
  }

  arg(nameOrRef: string | ArgRef, defaultValue?: TextInput): StageImpl {
    const link = this.#call('arg', this.arg);
    const loc = link.loc;
    if (typeof nameOrRef === 'object' && nameOrRef?.kind === 'argRef') {
      return this.#add(node({ kind: 'arg', name: nameOrRef.name, default: nameOrRef.default, loc }), link);
    }
    requireString(nameOrRef, 'arg() name');
    const value = defaultValue === undefined ? undefined : toText(defaultValue, 'arg() default');
    return this.#add(node({ kind: 'arg', name: nameOrRef, default: value, loc }), link);
  }

  onbuild(triggers: (stage: StageImpl) => StageLike): StageImpl {
    const link = this.#call('onbuild', this.onbuild);
    const loc = link.loc;
    if (typeof triggers !== 'function') throw invalidArgument('onbuild() takes a callback: onbuild((s) => s.run(...))');
    const recorder = new StageImpl({ ...INITIAL_HEAD, base: { kind: 'trigger' } }, null, undefined);
    const recorded = triggers(recorder);
    if (!(recorded instanceof StageImpl) || recorded.#head.base.kind !== 'trigger') {
      throw invalidArgument('onbuild() callback must return the stage it was given, with the trigger instructions added');
    }
    let next: StageImpl = this;
    for (const entry of entriesOf(StageImpl.stateOf(recorded))) {
      const wrap = (trigger: AnyInstructionNode): OnbuildNode => node({ kind: 'onbuild', trigger, loc });
      next = entry instanceof DeferredInstruction ? next.#push(entry.deps, (resolve) => wrap(entry.make(resolve)), link) : next.#add(wrap(entry), link);
    }
    return next;
  }

  comment(text: string): StageImpl {
    requireString(text, 'comment()');
    const link = this.#call('comment', this.comment);
    return this.#add(node({ kind: 'comment', text, loc: link.loc }), link);
  }

  $blank(count = 1): StageImpl {
    if (!Number.isInteger(count) || count < 1) throw invalidArgument(`$blank() takes a number of lines of 1 or more, got ${describe(count)}`);
    const link = followLink(this.#link, '$blank');
    let next: StageImpl = this;
    for (let i = 0; i < count; i++) next = next.#add(BLANK, link);
    return next;
  }

  $overridden(instruction: (stage: StageImpl) => StageLike): StageImpl {
    const link = this.#call('$overridden', this.$overridden);
    const loc = link.loc;
    if (typeof instruction !== 'function') throw invalidArgument('$overridden() takes a callback: $overridden((s) => s.cmd([...]))');
    const recorded = instruction(new StageImpl({ ...INITIAL_HEAD, base: { kind: 'trigger' } }, null, undefined));
    const entries = recorded instanceof StageImpl && recorded.#head.base.kind === 'trigger' ? entriesOf(StageImpl.stateOf(recorded)) : [];
    if (entries.length !== 1 || entries[0] instanceof DeferredInstruction || !['cmd', 'entrypoint', 'healthcheck'].includes(entries[0]!.kind)) {
      throw invalidArgument('$overridden() callback must add one CMD, ENTRYPOINT or HEALTHCHECK to the stage it is given');
    }
    const node = entries[0] as InstructionNode & { kind: 'cmd' | 'entrypoint' | 'healthcheck' };
    return this.#add(Object.freeze({ ...node, overridden: true, loc: node.loc ?? loc }) as InstructionNode, link);
  }

  maintainer(name: string): StageImpl {
    requireString(name, 'maintainer()');
    const link = this.#call('maintainer', this.maintainer);
    return this.#add(node({ kind: 'maintainer', name, loc: link.loc }), link);
  }

  copy(srcOrSpec: TextInput | readonly TextInput[] | CopySpec | CopyContentSpec, dest?: TextInput, options: CopyOptions = {}): StageImpl {
    const link = this.#call('copy', this.copy);
    const loc = link.loc;
    const spec = isSpec(srcOrSpec) ? srcOrSpec : { src: srcOrSpec, dest: dest!, ...options };
    const from = 'from' in spec ? spec.from : undefined;
    return this.#push(
      stageDeps(from),
      (resolve) => {
        const f = copyFields(spec, 'copy()');
        return node({
          kind: 'copy',
          sources: f.sources,
          inline: f.inline,
          heredoc: f.heredoc,
          dest: f.dest,
          chown: f.chown,
          chmod: f.chmod,
          link: f.link,
          parents: f.parents,
          exclude: f.exclude,
          from: fromText(from, resolve),
          fromRefersTo: refersTo(from),
          loc,
        });
      },
      link,
    );
  }

  add(srcOrSpec: TextInput | readonly TextInput[] | AddSpec, dest?: TextInput, options: AddOptions = {}): StageImpl {
    const link = this.#call('add', this.add);
    const loc = link.loc;
    const spec: AddSpec = isSpec(srcOrSpec) ? (srcOrSpec as AddSpec) : { src: srcOrSpec, dest: dest!, ...options };
    const f = copyFields(spec, 'add()');
    return this.#add(
      node({
        kind: 'add',
        sources: f.sources,
        inline: f.inline,
        heredoc: f.heredoc,
        dest: f.dest,
        chown: f.chown,
        chmod: f.chmod,
        link: f.link,
        parents: f.parents,
        exclude: f.exclude,
        checksum: spec.checksum,
        keepGitDir: spec.keepGitDir,
        unpack: spec.unpack,
        loc,
      }),
      link,
    );
  }

  as(name: string): StageImpl {
    requireString(name, 'as()');
    return new StageImpl({ ...this.#head, name }, this.#last, followLink(this.#link, 'as'));
  }

  $if<R extends StageLike>(condition: unknown, fn: (stage: this) => R, otherwise?: (stage: this) => R): R | this {
    if (condition) return fn(this);
    return otherwise ? otherwise(this) : this;
  }

  $apply<R extends StageLike>(fn: (stage: this) => R): R {
    return fn(this);
  }

  $meta(meta: ImageMeta): StageImpl {
    const link = this.#call('$meta', this.$meta);
    const metaLoc = link.loc;
    const merged: ImageMeta = { ...this.#head.meta, ...meta };
    const frozenMeta = Object.freeze({
      ...merged,
      tags: merged.tags && frozen(merged.tags),
      buildArgs: merged.buildArgs && Object.freeze({ ...merged.buildArgs }),
      cacheFrom: merged.cacheFrom && frozen(merged.cacheFrom),
      cacheTo: merged.cacheTo && frozen(merged.cacheTo),
    });
    return new StageImpl({ ...this.#head, meta: frozenMeta, metaLoc }, this.#last, link);
  }

  $dockerfile(options: DockerfileOptions): StageImpl {
    const dockerfile = Object.freeze({ ...this.#head.dockerfile, ...options });
    return new StageImpl({ ...this.#head, dockerfile }, this.#last, followLink(this.#link, '$dockerfile'));
  }

  /** Where the user made the call named `name` on this value (`api` is the method itself). */
  #call(name: string, api: (...args: never[]) => unknown): ChainLink {
    return linkOf(this.#link, name, api);
  }

  #add(entry: Entry, link: ChainLink | undefined): StageImpl {
    return new StageImpl(this.#head, { entry, previous: this.#last }, link);
  }

  /** Adds an instruction that may name other stages; it is made now when it names none. */
  #push(deps: readonly StageImpl[], make: (resolve: StageResolver) => InstructionNode, link: ChainLink): StageImpl {
    return this.#add(deps.length === 0 ? make(noStages) : new DeferredInstruction(deps, make), link);
  }

  /** The state of a stage value, for the IR assembler; not part of the public API. */
  static stateOf(stage: StageImpl): StageState {
    return { head: stage.#head, last: stage.#last };
  }
}

installStageAccess(StageImpl.stateOf, (value): value is StageImpl => value instanceof StageImpl);

const INITIAL_HEAD: Omit<StageHead, 'base'> = Object.freeze({
  platform: undefined,
  platformArgs: EMPTY,
  fromLoc: undefined,
  before: undefined,
  name: undefined,
  meta: Object.freeze({}),
  metaLoc: undefined,
  dockerfile: Object.freeze({}),
});

/** Starts a stage; `from()` is the public entry point. */
export function startStage(
  base: BaseSpec,
  name: string | undefined,
  platform: TextInput | undefined,
  fromLink: ChainLink,
  before?: readonly TriviaNode[],
): StageImpl {
  const head: StageHead = {
    ...INITIAL_HEAD,
    base,
    before,
    name,
    platform: platform === undefined ? undefined : toText(platform, 'from() platform'),
    platformArgs: argRefsOf(platform),
    fromLoc: fromLink.loc,
  };
  return new StageImpl(head, null, fromLink);
}

function noStages(): never {
  throw new Error('unreachable: an instruction without stage references asked for a stage name');
}

function isSpec(value: unknown): value is CopySpec | CopyContentSpec | AddSpec {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('kind' in value);
}

function stageDeps(from: FromSource | undefined): StageImpl[] {
  if (from === undefined || typeof from === 'string') return [];
  if (from instanceof StageImpl) return [from];
  throw invalidArgument(`from must be a stage value or a string, got ${describe(from)}`);
}

function fromText(from: FromSource | undefined, resolve: StageResolver): Text | undefined {
  if (from === undefined) return undefined;
  return typeof from === 'string' ? from : resolve(from as StageImpl);
}

/** A string is an image reference; a stage value is a stage (or a separately built image, by its tag). */
function refersTo(from: FromSource | undefined): RefersTo | undefined {
  if (from === undefined) return undefined;
  return typeof from === 'string' ? 'image' : 'stage';
}

function stringArray(value: unknown, what: string): readonly string[] {
  if (!Array.isArray(value)) throw invalidArgument(`${what} must be a string or an array of strings, got ${describe(value)}`);
  value.forEach((item, i) => requireString(item, `${what}[${i}]`));
  return value as readonly string[];
}

function commandForm(command: string | readonly string[] | ShellLines, what: string) {
  if (typeof command === 'string') return shellForm(command);
  if (isShellLines(command)) return shellLines(stringArray(command.lines, `${what} lines`));
  return execForm(stringArray(command, what));
}

function isShellLines(value: unknown): value is ShellLines {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'lines' in value;
}

const BLANK = node({ kind: 'blank' });

function numberOrText(value: TextInput | number, what: string): Text {
  return typeof value === 'number' ? String(value) : toText(value, what);
}

/** A Go duration; numbers are seconds. */
function duration(value: Duration | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return `${value}s`;
  requireString(value, 'duration');
  return value;
}

/**
 * A file mode for `--chmod` and mount `mode`. A string is written as given (`'755'`, `'u+x'`); a
 * number is a mode value, as for Node's `fs.chmod` (`0o755`). `755` typed in decimal is mode
 * 0o1363, never what was meant: a number whose decimal digits could be such a typo is refused
 * here, at the call, rather than guessed.
 */
function fileMode(value: string | number | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value !== 'number') throw invalidArgument(`${what} must be a string ('755', 'u+x') or a number (0o755), got ${describe(value)}`);
  if (!Number.isInteger(value) || value < 0 || value > 0o7777) {
    throw invalidArgument(
      `${what}: ${value} is not a file mode (a number is a mode value, as for fs.chmod). Write the mode as a string, e.g. '4755', or as an octal literal, e.g. 0o4755`,
    );
  }
  const octalDigits = value.toString(8);
  if (/^[0-7]+$/.test(String(value)) && value >= 8) {
    const asDigits = `'${String(value)}'`;
    throw invalidArgument(
      `${what}: ${value} is ambiguous: as a number it is the mode 0o${octalDigits}, but it also reads as the octal digits ${value}. ` +
        `Write the mode as a string: ${asDigits} for ${value}, or '${octalDigits.padStart(3, '0')}' for 0o${octalDigits}`,
    );
  }
  return octalDigits.padStart(4, '0');
}

function portText(port: PortInput): Text {
  if (typeof port === 'number') return String(port);
  if (typeof port === 'object' && port !== null && 'port' in port) {
    return port.protocol ? `${port.port}/${port.protocol}` : String(port.port);
  }
  return toText(port as TextInput, 'expose() port');
}

function keyValues(
  keyOrPairs: string | Readonly<Record<string, TextInput>>,
  valueOrOptions: TextInput | ValueOptions | undefined,
  options: ValueOptions | undefined,
  sortKeys: boolean,
  what: string,
): readonly KeyValue[] {
  if (typeof keyOrPairs === 'string') {
    if (valueOrOptions === undefined) throw invalidArgument(`${what} needs a value for ${keyOrPairs}`);
    const value = toTextExpanding(valueOrOptions as TextInput, options?.expand, `${what} value of ${keyOrPairs}`);
    return frozen([Object.freeze({ key: keyOrPairs, value })]);
  }
  if (typeof keyOrPairs !== 'object' || keyOrPairs === null) {
    throw invalidArgument(`${what} takes a key and a value, or an object of pairs; got ${describe(keyOrPairs)}`);
  }
  const expand = (valueOrOptions as ValueOptions | undefined)?.expand;
  const keys = Object.keys(keyOrPairs);
  if (sortKeys) keys.sort();
  return frozen(keys.map((key) => Object.freeze({ key, value: toTextExpanding(keyOrPairs[key]!, expand, `${what} value of ${key}`) })));
}

function chownText(chown: Chown | undefined): Text | undefined {
  if (chown === undefined) return undefined;
  if (typeof chown === 'number') return String(chown);
  if (typeof chown === 'object' && chown !== null && 'user' in chown) {
    return chown.group === undefined ? String(chown.user) : `${chown.user}:${chown.group}`;
  }
  return toText(chown as TextInput, 'chown');
}

/** A heredoc's word and quoting from options, when they differ from `<<'EOF'`. */
function heredocOf(options: { readonly delimiter?: string; readonly expand?: boolean }): Heredoc | undefined {
  if (options.delimiter !== undefined) requireString(options.delimiter, 'delimiter');
  const spec = { ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}), ...(options.expand ? { expand: true } : {}) };
  return Object.keys(spec).length > 0 ? Object.freeze(spec) : undefined;
}

function copyFields(spec: CopySpec | CopyContentSpec | AddSpec, what: string): CopyFields {
  const inline = 'content' in spec ? spec.content : undefined;
  if (inline !== undefined) requireString(inline, `${what} content`);
  const src = 'src' in spec ? spec.src : [];
  const sources = Array.isArray(src) ? src : [src as TextInput];
  const exclude = 'exclude' in spec && spec.exclude !== undefined ? (Array.isArray(spec.exclude) ? spec.exclude : [spec.exclude]) : EMPTY;
  return {
    sources: frozen(sources.map((s: TextInput) => toText(s, `${what} source`))),
    inline,
    heredoc: 'content' in spec ? heredocOf(spec) : undefined,
    dest: toText(spec.dest, `${what} dest`),
    chown: chownText(spec.chown),
    chmod: fileMode(spec.chmod, `${what} chmod`),
    link: spec.link,
    parents: 'parents' in spec ? spec.parents : undefined,
    exclude: frozen(exclude.map((e: TextInput) => toText(e, `${what} exclude`))),
  };
}

function optionalText(value: TextInput | undefined, what: string): Text | undefined {
  return value === undefined ? undefined : toText(value, what);
}

function toMount(options: MountOptions, resolve: StageResolver): Mount {
  const what = `--mount=type=${options.type}`;
  switch (options.type) {
    case 'bind':
      return Object.freeze({
        type: 'bind',
        target: toText(options.target, `${what} target`),
        source: optionalText(options.source, `${what} source`),
        from: fromText(options.from, resolve),
        fromRefersTo: refersTo(options.from),
        readwrite: options.readwrite,
      });
    case 'cache':
      return Object.freeze({
        type: 'cache',
        target: toText(options.target, `${what} target`),
        id: optionalText(options.id, `${what} id`),
        readonly: options.readonly,
        sharing: options.sharing,
        from: fromText(options.from, resolve),
        fromRefersTo: refersTo(options.from),
        source: optionalText(options.source, `${what} source`),
        mode: fileMode(options.mode, `${what} mode`),
        uid: options.uid,
        gid: options.gid,
      });
    case 'tmpfs':
      return Object.freeze({
        type: 'tmpfs',
        target: toText(options.target, `${what} target`),
        size: options.size === undefined ? undefined : String(options.size),
      });
    case 'secret':
      return Object.freeze({
        type: 'secret',
        id: optionalText(options.id, `${what} id`),
        target: optionalText(options.target, `${what} target`),
        env: options.env,
        required: options.required,
        mode: fileMode(options.mode, `${what} mode`),
        uid: options.uid,
        gid: options.gid,
      });
    case 'ssh':
      return Object.freeze({
        type: 'ssh',
        id: optionalText(options.id, `${what} id`),
        target: optionalText(options.target, `${what} target`),
        required: options.required,
        mode: fileMode(options.mode, `${what} mode`),
        uid: options.uid,
        gid: options.gid,
      });
    default:
      throw invalidArgument(`unknown mount type ${describe((options as { type: unknown }).type)}: expected bind, cache, tmpfs, secret or ssh`);
  }
}
