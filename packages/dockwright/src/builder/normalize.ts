import type { CopyFields, Heredoc, KeyValue, Mount, RefersTo } from '../ir/nodes/index.js';
import { execForm, shellForm, shellLines } from '../ir/nodes/index.js';
import type { Text } from '../ir/text.js';
import type {
  AddSpec,
  Chown,
  CopyContentSpec,
  CopySpec,
  Duration,
  FromSource,
  MountOptions,
  PortInput,
  ShellLines,
  StageLike,
  ValueOptions,
} from './options.js';
import { describe, invalidArgument, requireString, toText, toTextExpanding, type TextInput } from './refs.js';
import type { StageResolver } from './state.js';

/**
 * What the builder's methods take from the user, made into IR values: commands, mounts, modes,
 * ports, owners, durations, pairs. Each refuses a value of the wrong shape with an error that
 * names the argument, at the call (so at the user's line).
 */

const EMPTY: readonly never[] = Object.freeze([]);

export function fromText(from: FromSource | undefined, resolve: StageResolver): Text | undefined {
  if (from === undefined) return undefined;
  return typeof from === 'string' ? from : resolve(from as StageLike);
}

/** A string is an image reference; a stage value is a stage (or a separately built image, by its tag). */
export function refersTo(from: FromSource | undefined): RefersTo | undefined {
  if (from === undefined) return undefined;
  return typeof from === 'string' ? 'image' : 'stage';
}

export function stringArray(value: unknown, what: string): readonly string[] {
  if (!Array.isArray(value)) throw invalidArgument(`${what} must be a string or an array of strings, got ${describe(value)}`);
  value.forEach((item, i) => requireString(item, `${what}[${i}]`));
  return value as readonly string[];
}

export function commandForm(command: string | readonly string[] | ShellLines, what: string) {
  if (typeof command === 'string') return shellForm(command);
  if (isShellLines(command)) return shellLines(stringArray(command.lines, `${what} lines`));
  return execForm(stringArray(command, what));
}

export function isShellLines(value: unknown): value is ShellLines {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'lines' in value;
}

export function numberOrText(value: TextInput | number, what: string): Text {
  return typeof value === 'number' ? String(value) : toText(value, what);
}

/** A Go duration; numbers are seconds. */
export function duration(value: Duration | undefined): string | undefined {
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
export function fileMode(value: string | number | undefined, what: string): string | undefined {
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

export function portText(port: PortInput): Text {
  if (typeof port === 'number') return String(port);
  if (typeof port === 'object' && port !== null && 'port' in port) {
    return port.protocol ? `${port.port}/${port.protocol}` : String(port.port);
  }
  return toText(port as TextInput, 'expose() port');
}

export function keyValues(
  keyOrPairs: string | Readonly<Record<string, TextInput>>,
  valueOrOptions: TextInput | ValueOptions | undefined,
  options: ValueOptions | undefined,
  sortKeys: boolean,
  what: string,
): readonly KeyValue[] {
  if (typeof keyOrPairs === 'string') {
    if (valueOrOptions === undefined) throw invalidArgument(`${what} needs a value for ${keyOrPairs}`);
    // A plain string is the value as it is: no message is worded for the error it cannot have.
    const value =
      typeof valueOrOptions === 'string' && !options?.expand
        ? valueOrOptions
        : toTextExpanding(valueOrOptions as TextInput, options?.expand, `${what} value of ${keyOrPairs}`);
    return [{ key: keyOrPairs, value }];
  }
  if (typeof keyOrPairs !== 'object' || keyOrPairs === null) {
    throw invalidArgument(`${what} takes a key and a value, or an object of pairs; got ${describe(keyOrPairs)}`);
  }
  const expand = (valueOrOptions as ValueOptions | undefined)?.expand;
  const keys = Object.keys(keyOrPairs);
  if (sortKeys) keys.sort();
  return keys.map((key) => {
    const input = keyOrPairs[key]!;
    return { key, value: typeof input === 'string' && !expand ? input : toTextExpanding(input, expand, `${what} value of ${key}`) };
  });
}

export function chownText(chown: Chown | undefined): Text | undefined {
  if (chown === undefined) return undefined;
  if (typeof chown === 'number') return String(chown);
  if (typeof chown === 'object' && chown !== null && 'user' in chown) {
    return chown.group === undefined ? String(chown.user) : `${chown.user}:${chown.group}`;
  }
  return toText(chown as TextInput, 'chown');
}

/** A heredoc's word and quoting from options, when they differ from `<<'EOF'`. */
export function heredocOf(options: { readonly delimiter?: string; readonly expand?: boolean }): Heredoc | undefined {
  if (options.delimiter !== undefined) requireString(options.delimiter, 'delimiter');
  const spec = { ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}), ...(options.expand ? { expand: true } : {}) };
  return Object.keys(spec).length > 0 ? Object.freeze(spec) : undefined;
}

export function copyFields(spec: CopySpec | CopyContentSpec | AddSpec, what: string): CopyFields {
  const inline = 'content' in spec ? spec.content : undefined;
  if (inline !== undefined) requireString(inline, `${what} content`);
  const src = 'src' in spec ? spec.src : [];
  const sources = Array.isArray(src) ? src : [src as TextInput];
  const exclude = 'exclude' in spec && spec.exclude !== undefined ? (Array.isArray(spec.exclude) ? spec.exclude : [spec.exclude]) : EMPTY;
  return {
    // Plain strings, the usual values, are taken as they are: no error message is worded for them.
    sources: sources.map((s: TextInput) => (typeof s === 'string' ? s : toText(s, `${what} source`))),
    inline,
    heredoc: 'content' in spec ? heredocOf(spec) : undefined,
    dest: typeof spec.dest === 'string' ? spec.dest : toText(spec.dest, `${what} dest`),
    chown: chownText(spec.chown),
    chmod: fileMode(spec.chmod, `${what} chmod`),
    link: spec.link,
    parents: 'parents' in spec ? spec.parents : undefined,
    exclude: exclude.length === 0 ? EMPTY : exclude.map((e: TextInput) => (typeof e === 'string' ? e : toText(e, `${what} exclude`))),
  };
}

export function optionalText(value: TextInput | undefined, what: string): Text | undefined {
  return value === undefined ? undefined : toText(value, what);
}

export function toMount(options: MountOptions, resolve: StageResolver): Mount {
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
