import type {
  AddOptions,
  AddSpec,
  CopyContentSpec,
  CopyOptions,
  CopySpec,
  DockerfileOptions,
  HealthcheckOptions,
  ImageMeta,
  PortInput,
  RunOptions,
  ShellLines,
  ValueOptions,
  StageLike,
} from './options.js';
import type { ArgRef, TextInput } from './refs.js';

export type { StageLike };

/** Instructions that may appear once per stage; a stage that has one cannot add another. */
export type Slot = 'cmd' | 'entrypoint' | 'healthcheck';

/**
 * Why a second call of a once-per-stage method does not compile, in words: the type a call
 * would have to pass, which the compiler names in its error (`Argument of type 'string[]' is not
 * assignable to parameter of type '{ "CMD is already set in this stage": ... }'`).
 */
export interface AlreadySet {
  cmd: { readonly 'CMD is already set in this stage': 'a stage has one CMD; to keep an earlier one in the file, write it inside $overridden()' };
  entrypoint: {
    readonly 'ENTRYPOINT is already set in this stage': 'a stage has one ENTRYPOINT; to keep an earlier one in the file, write it inside $overridden()';
  };
  healthcheck: {
    readonly 'HEALTHCHECK is already set in this stage': 'a stage has one HEALTHCHECK; to keep an earlier one in the file, write it inside $overridden()';
  };
}

/** Callable only while the stage has no instruction of that slot; after, it asks for an argument no call can give, named after the mistake. */
type Once<S extends Slot, Used extends Slot, F> = S extends Used ? (mistake: AlreadySet[S], ...rest: never[]) => never : F;

/**
 * The once-per-stage instructions a stage has, in words. `Stage` (no type argument) is a stage
 * that has none, since code given one may still call `cmd()`: so a stage with a CMD cannot go
 * where a `Stage` is wanted (a parameter, a variable assigned again), and the compiler says why
 * in these words, before anything else.
 */
export type SlotsSet<Used extends Slot> = [Used] extends [never]
  ? 'a Stage: no CMD, ENTRYPOINT or HEALTHCHECK set yet (take any stage as an Image; give a stage with one set a const of its own)'
  : `a stage whose ${Uppercase<Used>} is set`;

/**
 * A build stage under construction. Every method returns a new frozen stage; the receiver is
 * never changed, so one base can be shared by many images.
 */
export interface Stage<Used extends Slot = never> extends StageLike {
  /**
   * Never present at run time: it names, for the compiler's messages, what the stage has set.
   * Declared first, so that the compiler reports it before the methods it explains.
   */
  readonly '~set'?: SlotsSet<Used>;

  /**
   * `RUN`: a string runs in the shell, an array runs without one (exec form). A string with
   * newlines is written as a heredoc script that stops at its first failing line; `{ lines }` is
   * one shell command written over several lines, with ` \` continuations.
   * @example from('alpine').run('apk add redis')   // RUN apk add redis
   * @example .run({ lines: ['apt-get update &&', '  apt-get install -y curl'] })   // RUN apt-get update && \ ...
   */
  run(command: string | readonly string[] | ShellLines, options?: RunOptions): Stage<Used>;

  /**
   * `CMD`: an array is the exec form (recommended), a string the shell form. Once per stage.
   * @example .cmd(['redis-server'])   // CMD ["redis-server"]
   */
  cmd: Once<'cmd', Used, (command: string | readonly string[] | ShellLines) => Stage<Used | 'cmd'>>;

  /** `ENTRYPOINT`: an array is the exec form (recommended), a string the shell form. Once per stage. */
  entrypoint: Once<'entrypoint', Used, (command: string | readonly string[] | ShellLines) => Stage<Used | 'entrypoint'>>;

  /**
   * `HEALTHCHECK CMD ...` with its options, or `healthcheck(false)` for `HEALTHCHECK NONE`
   * (turn off the base image's check). Once per stage.
   */
  healthcheck: Once<'healthcheck', Used, (test: string | readonly string[] | false, options?: HealthcheckOptions) => Stage<Used | 'healthcheck'>>;

  /** `SHELL ["executable", "parameters"]` for later shell-form instructions. */
  shell(args: readonly string[]): Stage<Used>;

  /** `STOPSIGNAL`: a signal name (`'SIGTERM'`) or number. */
  stopsignal(signal: string | number | TextInput): Stage<Used>;

  /** `USER user[:group]`. */
  user(user: TextInput | number, group?: TextInput | number): Stage<Used>;

  /** `WORKDIR`: should be absolute (`WorkdirRelativePath`). */
  workdir(path: TextInput): Stage<Used>;

  /** `VOLUME ["/data", ...]`. */
  volume(...paths: TextInput[]): Stage<Used>;

  /** `EXPOSE 80 443/tcp 8000-8010/udp`. */
  expose(...ports: PortInput[]): Stage<Used>;

  /**
   * `ENV`: one pair or an object of pairs. The value is literal (`$` stays `$`) unless it embeds
   * references (`expand`) or `{ expand: true }` is given.
   * @example .env('GREETING', 'costs $5')   // ENV GREETING="costs \$5"
   */
  env(key: string, value: TextInput, options?: ValueOptions): Stage<Used>;
  env(pairs: Readonly<Record<string, TextInput>>, options?: ValueOptions): Stage<Used>;

  /** `LABEL`: one pair or an object of pairs (printed in key order). */
  label(key: string, value: TextInput, options?: ValueOptions): Stage<Used>;
  label(pairs: Readonly<Record<string, TextInput>>, options?: ValueOptions): Stage<Used>;

  /**
   * `ARG name[=default]`: declares a build argument in this stage. Pass an `arg()` reference
   * to declare the one your templates use.
   */
  arg(ref: ArgRef): Stage<Used>;
  arg(name: string, defaultValue?: TextInput): Stage<Used>;

  /**
   * `ONBUILD`: the instructions the callback adds run when another build starts FROM this image.
   * @example .onbuild((s) => s.copy('.', '/app'))   // ONBUILD COPY . /app
   */
  onbuild(triggers: (stage: Stage) => StageLike): Stage<Used>;

  /** `# comment` lines. */
  comment(text: string): Stage<Used>;

  /** Blank lines, for layout (import keeps a file's). Not an instruction: it builds nothing. */
  $blank(count?: number): Stage<Used>;

  /**
   * A CMD, ENTRYPOINT or HEALTHCHECK kept where a file had it although a later one of the stage
   * takes effect: the callback adds it to the stage it is given. Import writes this so that a
   * file comes back instruction for instruction; in new code, leave the earlier one out.
   * @example .$overridden((s) => s.cmd(['echo', 'old'])).cmd(['echo', 'new'])
   */
  $overridden(instruction: (stage: Stage) => StageLike): Stage<Used>;

  /** @deprecated `MAINTAINER` is deprecated: use `label('org.opencontainers.image.authors', ...)`. */
  maintainer(name: string): Stage<Used>;

  /**
   * `COPY`: from the build context, or `from` a stage or image.
   * @example .copy({ from: build, src: '/out', dest: '/app' })   // COPY --from=build /out /app
   */
  copy(src: TextInput | readonly TextInput[], dest: TextInput, options?: CopyOptions): Stage<Used>;
  copy(spec: CopySpec | CopyContentSpec): Stage<Used>;

  /** `ADD`: like COPY, and also URLs, git repositories and archives that it unpacks. */
  add(src: TextInput | readonly TextInput[], dest: TextInput, options?: AddOptions): Stage<Used>;
  add(spec: AddSpec): Stage<Used>;

  /** Names this stage (`FROM ... AS name`). */
  as(name: string): Stage<Used>;

  /** Applies `fn` when `condition` holds (else `otherwise`, if given). */
  $if<R extends StageLike>(condition: unknown, fn: (stage: this) => R, otherwise?: (stage: this) => R): R | this;

  /** Applies a reusable fragment: `.$apply(withNodeUser)`. */
  $apply<R extends StageLike>(fn: (stage: this) => R): R;

  /** Sets metadata a build needs (name, tags, context, Dockerfile path, build args); merged. */
  $meta(meta: ImageMeta): Stage<Used>;

  /** Sets the parser directives of the Dockerfile this image is synthesized into. */
  $dockerfile(options: DockerfileOptions): Stage<Used>;
}

/** An image: any stage value; the one passed to `synth()` is the final stage. */
export type Image = StageLike;
