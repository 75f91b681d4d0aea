import type { DockerfileNode } from '../ir/nodes/index.js';
import type { CheckConfig } from '../ir/check-config.js';
import type { ArgRef, TextInput } from './refs.js';

/**
 * A file mode: a string as written (`'755'`, `'0640'`, `'4755'`, or symbolic `'u+x'` for
 * `--chmod`), or a number that is the mode value, as for `fs.chmod` (`0o755`). `755` typed in
 * decimal is not `0o755`; such numbers are refused at the call with the way to write them.
 */
export type FileMode = string | number;

/** Where a COPY or mount takes files from: a stage or image defined in code, or an image reference / named context. */
export type FromSource = StageLike | string;

/** Options of `from()`. */
export interface FromOptions {
  /** Stage name (`FROM image AS name`). Stages referenced but unnamed get `stage-N`. */
  readonly as?: string;
  /** `--platform`, usually `platformArgs.BUILDPLATFORM` for cross-compilation stages. */
  readonly platform?: TextInput;
  /**
   * The lines before the FROM line, as they appear in the file: `''` for a blank line,
   * `'# text'` for a comment. They replace the one blank line that separates stages by default
   * (`before: []`: none at all). Import writes them to keep a file's layout.
   */
  readonly before?: readonly string[];
}

/**
 * A shell command written as lines, printed with ` \` continuations: `{ lines: ['apt-get update &&', '  apt-get install -y curl'] }`.
 * The shell gets the lines joined by a space, as Docker joins them; a line starting with `#`
 * is a comment and an empty line is empty, and Docker leaves both out.
 */
export interface ShellLines {
  readonly lines: readonly string[];
}

export interface BindMountOptions {
  readonly type: 'bind';
  readonly target: TextInput;
  readonly source?: TextInput;
  readonly from?: FromSource;
  /** `rw`: writes are allowed (and discarded). */
  readonly readwrite?: boolean;
}

export interface CacheMountOptions {
  readonly type: 'cache';
  readonly target: TextInput;
  readonly id?: TextInput;
  readonly readonly?: boolean;
  readonly sharing?: 'shared' | 'private' | 'locked';
  readonly from?: FromSource;
  readonly source?: TextInput;
  /** File mode of a new cache directory: `'0755'` or `0o755` (see `FileMode`). */
  readonly mode?: FileMode;
  readonly uid?: number;
  readonly gid?: number;
}

export interface TmpfsMountOptions {
  readonly type: 'tmpfs';
  readonly target: TextInput;
  /** Size limit, e.g. `'64m'`. */
  readonly size?: string | number;
}

export interface SecretMountOptions {
  readonly type: 'secret';
  readonly id?: TextInput;
  readonly target?: TextInput;
  /** Expose the secret as this environment variable instead of (or as well as) a file. */
  readonly env?: string;
  readonly required?: boolean;
  readonly mode?: FileMode;
  readonly uid?: number;
  readonly gid?: number;
}

export interface SshMountOptions {
  readonly type: 'ssh';
  readonly id?: TextInput;
  readonly target?: TextInput;
  readonly required?: boolean;
  readonly mode?: FileMode;
  readonly uid?: number;
  readonly gid?: number;
}

export type MountOptions = BindMountOptions | CacheMountOptions | TmpfsMountOptions | SecretMountOptions | SshMountOptions;

/** Options of `run()`. */
export interface RunOptions {
  readonly mount?: MountOptions | readonly MountOptions[];
  readonly network?: 'default' | 'none' | 'host';
  readonly security?: 'sandbox' | 'insecure';
  /**
   * For multi-line scripts (printed as a heredoc): stop at the first failing line (`set -e`).
   * Default `true`; heredoc bodies do not stop on errors by themselves.
   */
  readonly errexit?: boolean;
  /** For multi-line scripts: the heredoc's word (default `EOF`). */
  readonly delimiter?: string;
  /** For multi-line scripts: let Docker expand build arguments and variables in the script (an unquoted heredoc word). Default: the script is literal. */
  readonly expand?: boolean;
}

/** Durations are Go durations (`'30s'`, `'1m30s'`) or a number of seconds. */
export type Duration = string | number;

/** Options of `healthcheck()`. */
export interface HealthcheckOptions {
  readonly interval?: Duration;
  readonly timeout?: Duration;
  readonly startPeriod?: Duration;
  readonly startInterval?: Duration;
  readonly retries?: number;
}

/** Owner for `--chown`: `'user:group'`, a uid, or `{ user, group }`. */
export type Chown = TextInput | number | { readonly user: string | number; readonly group?: string | number };

/** Options of `copy()`. */
export interface CopyOptions {
  /** `--from`: a stage or image defined in code, an image reference, or a named build context. */
  readonly from?: FromSource;
  readonly chown?: Chown;
  /**
   * `--chmod`: a string as written (`'755'`, `'4755'`, `'u+x'`), or a number that is the mode value
   * (`0o755`, as for `fs.chmod`). A number that could be octal digits typed in decimal (`755`,
   * `644`) is refused at the call: write it as a string.
   */
  readonly chmod?: FileMode;
  readonly link?: boolean;
  readonly parents?: boolean;
  readonly exclude?: TextInput | readonly TextInput[];
}

/** Options of `add()`: COPY's flags (but `--from`) and ADD's own. */
export interface AddOptions extends Omit<CopyOptions, 'from'> {
  /** `--checksum=sha256:...` of a remote source. */
  readonly checksum?: string;
  readonly keepGitDir?: boolean;
  readonly unpack?: boolean;
}

/** `copy({ src, dest, ... })`: the same as `copy(src, dest, options)`. */
export interface CopySpec extends CopyOptions {
  readonly src: TextInput | readonly TextInput[];
  readonly dest: TextInput;
}

/** `copy({ content, dest })`: a file written inline as a heredoc (ends with a newline unless empty). */
export interface CopyContentSpec extends Omit<CopyOptions, 'from' | 'parents' | 'exclude'> {
  readonly content: string;
  readonly dest: TextInput;
  /** The heredoc's word (default `EOF`); with a destination folder ending in `/`, the file's name. */
  readonly delimiter?: string;
  /** Let Docker expand build arguments and variables in the content (an unquoted heredoc word). Default: literal. */
  readonly expand?: boolean;
}

/** `add({ src, dest, ... })`: the same as `add(src, dest, options)`. */
export interface AddSpec extends AddOptions {
  readonly src: TextInput | readonly TextInput[];
  readonly dest: TextInput;
}

/** A port for `expose()`: `80`, `'443/tcp'`, `'8000-8010/udp'` or `{ port, protocol }`. */
export type PortInput = number | TextInput | { readonly port: number | string; readonly protocol?: 'tcp' | 'udp' };

/** Options of `env()` and `label()`. */
export interface ValueOptions {
  /** Let Docker expand `$VAR` in a plain string value as written (default: the value is literal). */
  readonly expand?: boolean;
}

export type { CheckConfig };

/** Parser directives of the generated Dockerfile, and what else it holds. A `syntax` is never added unless asked for. */
export interface DockerfileOptions {
  readonly syntax?: string;
  readonly escape?: '\\' | '`';
  readonly check?: CheckConfig;
  /**
   * Stages the Dockerfile carries besides the image's own, as build targets (`--target`), in this
   * order and before the image's stage: without them, only the stages the image needs are written.
   */
  readonly targets?: readonly StageLike[];
  /**
   * Build arguments declared before the first FROM, in this order (with what they redeclare or
   * use), besides those the FROM lines use: a stage's `.arg(ref)` then inherits their defaults.
   */
  readonly args?: readonly ArgRef[];
}

/** What a later build needs to know about an image; the printer ignores it. */
export interface ImageMeta {
  /** The image's name; with `tags`, it makes the stage a separately built image. */
  readonly name?: string;
  readonly tags?: readonly string[];
  /** Build context folder, relative to the definitions file. */
  readonly context?: string;
  /** Where its Dockerfile is written, relative to the definitions file. */
  readonly dockerfile?: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly target?: string;
  /** `linux/amd64`, or several (`linux/amd64,linux/arm64`: one image per platform, pushed as one index; BuildKit). */
  readonly platform?: string;
  /**
   * Caches a BuildKit build reads and writes, in buildx's syntax: `type=registry,ref=reg/cache:{name}`
   * (a bare reference means that), `type=inline`, `type=gha`...; `{name}` is the image's name.
   * The run's `--cache-from` / `--cache-to` come on top.
   */
  readonly cacheFrom?: readonly string[];
  readonly cacheTo?: readonly string[];
  /**
   * Secrets its `RUN --mount=type=secret` mounts read, from a file (relative to the definitions
   * file) or an environment variable; served at build time, never written anywhere.
   */
  readonly secrets?: readonly { readonly id: string; readonly src?: string; readonly env?: string }[];
  /** SSH agents its `RUN --mount=type=ssh` mounts use: `'default'` (SSH_AUTH_SOCK) or `{ id, socket }`. */
  readonly ssh?: readonly (string | { readonly id: string; readonly socket: string })[];
}

/** What every stage value offers, whatever instructions it already has: pass it to `synth`, `copy`, `from`. */
export interface StageLike {
  /** The stage name given with `from(..., { as })` or `.as()`, if any. */
  readonly stageName: string | undefined;
  /** Image metadata set with `$meta()`. */
  readonly meta: ImageMeta;
  /** The Dockerfile IR of this stage and every stage it needs, in dependency order. */
  toIR(): DockerfileNode;
}
