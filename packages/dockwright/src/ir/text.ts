/**
 * A value that Docker may expand. A plain string is literal: the printer escapes every `$` so the
 * container sees exactly that string. A TextNode mixes literal parts with variable references
 * (`${NAME}`) and raw parts that Docker expands as written.
 */
export type Text = string | TextNode;

export interface TextNode {
  readonly kind: 'text';
  readonly parts: readonly TextPart[];
}

export type TextPart = string | VarPart | RawPart;

/** A reference to a build argument or environment variable, printed as `${NAME}`. */
export interface VarPart {
  readonly kind: 'var';
  readonly name: string;
  /** Where the variable comes from; `arg` references must be declared in scope. */
  readonly source: 'arg' | 'env';
}

/** Text that Docker expands as written (`$HOME/bin`), asked for with `{ expand: true }` or `raw()`. */
export interface RawPart {
  readonly kind: 'raw';
  readonly text: string;
}

export function textNode(parts: readonly TextPart[]): TextNode {
  // Its `$` parts too: a text is a value, frozen all the way down like every node.
  return Object.freeze({ kind: 'text', parts: Object.freeze(parts.map((part) => (typeof part === 'string' ? part : Object.freeze(part)))) });
}

/** The text with variables shown as `${NAME}`: for messages and comparisons, not for printing. */
export function textToDisplay(text: Text): string {
  if (typeof text === 'string') return text;
  let out = '';
  for (const part of text.parts) {
    if (typeof part === 'string') out += part;
    else if (part.kind === 'var') out += '${' + part.name + '}';
    else out += part.text;
  }
  return out;
}

/** The literal parts only, for checks that look at what the user wrote (paths, names). */
export function isLiteral(text: Text): text is string {
  return typeof text === 'string';
}

/** Names of all variables a text refers to, including `$NAME` / `${NAME...}` inside raw parts. */
export function textVariables(text: Text): string[] {
  if (typeof text === 'string') return [];
  const names: string[] = [];
  for (const part of text.parts) {
    if (typeof part === 'string') continue;
    if (part.kind === 'var') names.push(part.name);
    else names.push(...rawVariables(part.text));
  }
  return names;
}

const RAW_VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g;

/** `$NAME` and `${NAME...}` references in text that Docker expands; `\$` is not a reference. */
export function rawVariables(raw: string): string[] {
  const names: string[] = [];
  for (const match of raw.matchAll(RAW_VARIABLE)) {
    if (match.index > 0 && raw[match.index - 1] === '\\') continue;
    names.push((match[1] ?? match[2])!);
  }
  return names;
}

/** The platform ARGs BuildKit defines in the global scope without a declaration. */
export const AUTOMATIC_ARGS: readonly string[] = Object.freeze([
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
]);

const AUTOMATIC_ARG_SET: ReadonlySet<string> = new Set(AUTOMATIC_ARGS);

/** True for a platform ARG that BuildKit defines without a declaration (`TARGETPLATFORM`, ...). */
export function isAutomaticArg(name: string): boolean {
  return AUTOMATIC_ARG_SET.has(name);
}

/** A visible ASCII character (`!` to `~`): neither blank nor anything `trim()` removes. */
function isVisibleAscii(code: number): boolean {
  return code > 32 && code < 127;
}

/**
 * `s.trim()`, without the copy for the usual string that starts and ends with a visible character
 * (each trim of a value in synthesis made a string only to compare it).
 */
export function trimmed(s: string): string {
  return isVisibleAscii(s.charCodeAt(0)) && isVisibleAscii(s.charCodeAt(s.length - 1)) ? s : s.trim();
}

/** `s.trim() === ''`, answered by the first character for most strings. */
export function isBlank(s: string): boolean {
  return !isVisibleAscii(s.charCodeAt(0)) && s.trim() === '';
}
