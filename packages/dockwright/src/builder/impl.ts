import type { AnyInstructionNode, DockerfileNode, InstructionNode, OnbuildNode, TriviaNode } from '../ir/nodes/index.js';
import { execForm, freezeTree, frozen, node, scriptForm, shellForm, shellLines } from '../ir/nodes/index.js';
import type { SourceLocation } from '../ir/location.js';
import { followLink, linkOf, type ChainLink } from './call-sites.js';
import type {
  AddOptions,
  AddSpec,
  CopyContentSpec,
  CopyOptions,
  CopySpec,
  DockerfileOptions,
  FromSource,
  HealthcheckOptions,
  ImageMeta,
  MountOptions,
  PortInput,
  RunOptions,
  ShellLines,
  ValueOptions,
} from './options.js';
import { argRefsOf, describe, invalidArgument, requireString, toText, type ArgRef, type TextInput } from './refs.js';
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
import {
  commandForm,
  copyFields,
  duration,
  fromText,
  heredocOf,
  isShellLines,
  keyValues,
  numberOrText,
  portText,
  refersTo,
  stringArray,
  toMount,
} from './normalize.js';

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

  /** The IR of this image, frozen all the way down (the builder's nodes are frozen as they leave it). */
  toIR(): DockerfileNode {
    return freezeTree(buildDockerfile(this));
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
    // Copies: a RUN that names a stage is made later, and the caller may change its values by then.
    const given = options.mount === undefined ? EMPTY : Array.isArray(options.mount) ? options.mount : [options.mount as MountOptions];
    const mountOptions = given.length === 0 ? EMPTY : given.map((m: MountOptions) => ({ ...m }));
    const { network, security } = options;
    const deps = mountOptions.length === 0 ? EMPTY : mountOptions.flatMap((m) => stageDeps('from' in m ? m.from : undefined));
    return this.#push(
      deps,
      (resolve) => ({
        kind: 'run',
        command: form,
        mounts: mountOptions.length === 0 ? EMPTY : mountOptions.map((m) => toMount(m, resolve)),
        network,
        security,
        loc,
      }),
      link,
    );
  }

  cmd(command: string | readonly string[] | ShellLines): StageImpl {
    const link = this.#call('cmd', this.cmd);
    return this.#add({ kind: 'cmd', command: commandForm(command, 'cmd()'), loc: link.loc }, link);
  }

  entrypoint(command: string | readonly string[] | ShellLines): StageImpl {
    const link = this.#call('entrypoint', this.entrypoint);
    const loc = link.loc;
    return this.#add({ kind: 'entrypoint', command: commandForm(command, 'entrypoint()'), loc }, link);
  }

  healthcheck(test: string | readonly string[] | false, options: HealthcheckOptions = {}): StageImpl {
    const link = this.#call('healthcheck', this.healthcheck);
    const loc = link.loc;
    return this.#add(
      {
        kind: 'healthcheck',
        test: test === false ? undefined : commandForm(test, 'healthcheck()'),
        interval: duration(options.interval),
        timeout: duration(options.timeout),
        startPeriod: duration(options.startPeriod),
        startInterval: duration(options.startInterval),
        retries: options.retries,
        loc,
      },
      link,
    );
  }

  shell(args: readonly string[]): StageImpl {
    const link = this.#call('shell', this.shell);
    const loc = link.loc;
    return this.#add({ kind: 'shell', args: stringArray(args, 'shell()').slice(), loc }, link);
  }

  stopsignal(signal: string | number | TextInput): StageImpl {
    const link = this.#call('stopsignal', this.stopsignal);
    const loc = link.loc;
    const value = typeof signal === 'number' ? String(signal) : toText(signal, 'stopsignal()');
    return this.#add({ kind: 'stopsignal', signal: value, loc }, link);
  }

  user(user: TextInput | number, group?: TextInput | number): StageImpl {
    const link = this.#call('user', this.user);
    const loc = link.loc;
    return this.#add(
      { kind: 'user', user: numberOrText(user, 'user()'), group: group === undefined ? undefined : numberOrText(group, 'user() group'), loc },
      link,
    );
  }

  workdir(path: TextInput): StageImpl {
    const link = this.#call('workdir', this.workdir);
    return this.#add({ kind: 'workdir', path: toText(path, 'workdir()'), loc: link.loc }, link);
  }

  volume(...paths: TextInput[]): StageImpl {
    const link = this.#call('volume', this.volume);
    const loc = link.loc;
    return this.#add({ kind: 'volume', paths: paths.map((p) => toText(p, 'volume() path')), loc }, link);
  }

  expose(...ports: PortInput[]): StageImpl {
    const link = this.#call('expose', this.expose);
    const loc = link.loc;
    return this.#add({ kind: 'expose', ports: ports.map(portText), loc }, link);
  }

  env(keyOrPairs: string | Readonly<Record<string, TextInput>>, valueOrOptions?: TextInput | ValueOptions, options?: ValueOptions): StageImpl {
    const link = this.#call('env', this.env);
    const loc = link.loc;
    return this.#add({ kind: 'env', pairs: keyValues(keyOrPairs, valueOrOptions, options, false, 'env()'), loc }, link);
  }

  label(keyOrPairs: string | Readonly<Record<string, TextInput>>, valueOrOptions?: TextInput | ValueOptions, options?: ValueOptions): StageImpl {
    const link = this.#call('label', this.label);
    const loc = link.loc;
    return this.#add({ kind: 'label', pairs: keyValues(keyOrPairs, valueOrOptions, options, true, 'label()'), loc }, link);
  }

  arg(nameOrRef: string | ArgRef, defaultValue?: TextInput): StageImpl {
    const link = this.#call('arg', this.arg);
    const loc = link.loc;
    if (typeof nameOrRef === 'object' && nameOrRef?.kind === 'argRef') {
      return this.#add({ kind: 'arg', name: nameOrRef.name, default: nameOrRef.default, loc }, link);
    }
    requireString(nameOrRef, 'arg() name');
    const value = defaultValue === undefined ? undefined : toText(defaultValue, 'arg() default');
    return this.#add({ kind: 'arg', name: nameOrRef, default: value, loc }, link);
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
      const wrap = (trigger: AnyInstructionNode): OnbuildNode => ({ kind: 'onbuild', trigger, loc });
      next = entry instanceof DeferredInstruction ? next.#push(entry.deps, (resolve) => wrap(entry.make(resolve)), link) : next.#add(wrap(entry), link);
    }
    return next;
  }

  comment(text: string): StageImpl {
    requireString(text, 'comment()');
    const link = this.#call('comment', this.comment);
    return this.#add({ kind: 'comment', text, loc: link.loc }, link);
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
    return this.#add({ ...node, overridden: true, loc: node.loc ?? loc } as InstructionNode, link);
  }

  maintainer(name: string): StageImpl {
    requireString(name, 'maintainer()');
    const link = this.#call('maintainer', this.maintainer);
    return this.#add({ kind: 'maintainer', name, loc: link.loc }, link);
  }

  copy(srcOrSpec: TextInput | readonly TextInput[] | CopySpec | CopyContentSpec, dest?: TextInput, options?: CopyOptions): StageImpl {
    const link = this.#call('copy', this.copy);
    const loc = link.loc;
    const spec = isSpec(srcOrSpec) ? srcOrSpec : options === undefined ? { src: srcOrSpec, dest: dest! } : { src: srcOrSpec, dest: dest!, ...options };
    const from = 'from' in spec ? spec.from : undefined;
    // Checked now, at the user's call, even when the node is made later (it names a stage).
    const f = copyFields(spec, 'copy()');
    // The fields one by one (here and in add()), not spread: a spread after `kind` copies them one
    // call at a time, and one before it made every node's shape differ (1.8x the instructions an image).
    return this.#push(
      stageDeps(from),
      (resolve) => ({
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
      }),
      link,
    );
  }

  add(srcOrSpec: TextInput | readonly TextInput[] | AddSpec, dest?: TextInput, options?: AddOptions): StageImpl {
    const link = this.#call('add', this.add);
    const loc = link.loc;
    const spec: AddSpec = isSpec(srcOrSpec)
      ? (srcOrSpec as AddSpec)
      : options === undefined
        ? { src: srcOrSpec, dest: dest! }
        : { src: srcOrSpec, dest: dest!, ...options };
    const f = copyFields(spec, 'add()');
    return this.#add(
      {
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
      },
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
    const previous = this.#last;
    return new StageImpl(this.#head, { entry, previous, count: previous === null ? 1 : previous.count + 1 }, link);
  }

  /** Adds an instruction that may name other stages; it is made now when it names none. */
  #push(deps: readonly StageLike[], make: (resolve: StageResolver) => InstructionNode, link: ChainLink): StageImpl {
    return this.#add(deps.length === 0 ? make(noStages) : new DeferredInstruction(deps, make), link);
  }

  /** The state of a stage value, for the IR assembler; not part of the public API. */
  static stateOf(stage: StageImpl): StageState {
    return { head: stage.#head, last: stage.#last };
  }
}

// The state module reads stage values through this: every StageLike it is given was made here.
installStageAccess(
  (stage) => StageImpl.stateOf(stage as StageImpl),
  (value): value is StageImpl => value instanceof StageImpl,
);

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
  // Every field written out: a spread of the frozen INITIAL_HEAD took V8's slow path for each stage.
  const head: StageHead = {
    base,
    platform: platform === undefined ? undefined : toText(platform, 'from() platform'),
    platformArgs: argRefsOf(platform),
    fromLoc: fromLink.loc,
    before,
    name,
    meta: INITIAL_HEAD.meta,
    metaLoc: undefined,
    dockerfile: INITIAL_HEAD.dockerfile,
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

// One node for every blank line: frozen at once, as it is shared (freezeTree stops at it).
const BLANK = node({ kind: 'blank' });
