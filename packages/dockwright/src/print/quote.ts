/**
 * Encoding values so Docker reads back exactly what the user gave. Words Docker lexes (values,
 * paths, users) have their literal `$`, quotes and escape character escaped; variable references
 * print as `${NAME}`; raw parts print as written.
 */
import type { Text } from '../ir/text.js';
import { DockwrightError } from '../errors/errors.js';
import type { EscapeChar } from '../ir/encodability.js';

/** Characters a word may have and still be printed without quotes. */
const BARE = /^[A-Za-z0-9_./:@%+,=^~*?#-]+$/;
const BARE_RAW = /^[A-Za-z0-9_./:@%+,=^~*?#${}-]*$/;
/** Starts that Docker would read as something else: a flag, a comment on a continuation line. */
const UNSAFE_START = /^(?:--|#)/;
/** The characters of BARE, by code: a table a loop reads faster than a regular expression runs. */
const BARE_CODES = (() => {
  const table = new Uint8Array(128);
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@%+,=^~*?#-') table[ch.charCodeAt(0)] = 1;
  return table;
})();

/**
 * A plain string that prints as itself wherever a word goes: BARE's characters only (nothing the
 * lexer acts on, no blank, no line break) and no start Docker would misread (UNSAFE_START). The
 * printer takes such a word as it is, without asking what could be wrong with it.
 */
export function isPlainWord(text: Text): text is string {
  if (typeof text !== 'string' || text.length === 0) return false;
  const first = text.charCodeAt(0);
  if (first === 35 /* # */ || (first === 45 /* - */ && text.charCodeAt(1) === 45)) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128 || BARE_CODES[code] === 0) return false;
  }
  return true;
}

/**
 * A word for a shell-form position: bare when safe, else in double quotes. Raw parts are Docker's
 * own syntax (`${V:+"a b"}`, as a file had it): written as they are, outside the quotes, unless
 * they hold a blank outside quotes and braces, which would split the word (then they are quoted).
 */
export function word(text: Text, escape: EscapeChar): string {
  if (isPlainWord(text)) return text;
  if (canBeBare(text))
    return joinParts(
      text,
      (s) => s,
      (s) => s,
    );
  const quoteRaw = (s: string): string => s.replaceAll('"', escape + '"');
  const first = typeof text === 'string' ? undefined : text.parts[0];
  const unsafeStart = typeof first === 'object' && first.kind === 'raw' && UNSAFE_START.test(first.text);
  if (typeof text === 'string' || unsafeStart || text.parts.every((p) => typeof p === 'string' || p.kind !== 'raw' || hasLooseBlank(p.text, escape))) {
    return `"${joinParts(text, (s) => escapeInDoubleQuotes(s, escape), quoteRaw)}"`;
  }
  // Quoted runs of literal text and variables, raw parts between them as written.
  let out = '';
  let run = '';
  const close = (): void => {
    if (run !== '') out += `"${run}"`;
    run = '';
  };
  for (const part of text.parts) {
    if (typeof part === 'string') run += escapeInDoubleQuotes(part, escape);
    else if (part.kind === 'var') run += '${' + part.name + '}';
    else if (hasLooseBlank(part.text, escape)) run += quoteRaw(part.text);
    else {
      close();
      out += part.text;
    }
  }
  close();
  return out;
}

/** Whether raw Dockerfile text has a blank outside quotes and `${...}`: written bare, it would split the word. */
function hasLooseBlank(raw: string, escape: EscapeChar): boolean {
  let quote: string | undefined;
  let braces = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === escape) {
      i++;
      continue;
    }
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '$' && raw[i + 1] === '{') {
      braces++;
      i++;
    } else if (ch === '}' && braces > 0) braces--;
    else if (braces === 0 && /\s/.test(ch)) return true;
  }
  return quote !== undefined || braces > 0; // unbalanced: quote it all, as before
}

/** A word inside a JSON array (COPY/ADD/VOLUME exec form): lexed, but not split on spaces. */
export function jsonWord(text: Text, escape: EscapeChar): string {
  return jsonString(
    joinParts(
      text,
      (s) => escapeUnquoted(s, escape),
      (s) => s,
    ),
  );
}

/** A flag value: validated to hold no quotes or spaces, so only `$` needs escaping. */
export function flagValue(text: Text, escape: EscapeChar): string {
  return joinParts(
    text,
    (s) => (s.includes('$') ? s.replaceAll('$', escape + '$') : s),
    (s) => s,
  );
}

/** True when any literal part has whitespace: COPY/ADD/VOLUME must then use the JSON form. */
export function hasWhitespace(text: Text): boolean {
  if (typeof text === 'string') return /\s/.test(text);
  const parts = typeof text === 'string' ? [text] : text.parts;
  return parts.some((p) => /\s/.test(typeof p === 'string' ? p : p.kind === 'raw' ? p.text : ''));
}

/** `["a", "b"]`: the exec form, which Docker reads as JSON. */
export function jsonArray(items: readonly string[]): string {
  let out = '[';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ', ') + jsonString(items[i]!);
  return `${out}]`;
}

/** A JSON string; `<` is written `\u003c` so no parser can mistake a `<<EOF` in it for a heredoc. */
function jsonString(value: string): string {
  if (isQuietJson(value)) return `"${value}"`;
  const json = JSON.stringify(value);
  return json.includes('<<') ? json.replaceAll('<', '\\u003c') : json;
}

/** Printable ASCII that JSON writes as it is (no `"`, `\\`) and no `<`: quoted, it is its own JSON string. */
function isQuietJson(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 32 || code > 126 || code === 34 /* " */ || code === 92 /* \ */ || code === 60 /* < */) return false;
  }
  return true;
}

function canBeBare(text: Text): boolean {
  const parts = typeof text === 'string' ? [text] : text.parts;
  const first = parts[0];
  if (first === undefined) return false;
  const start = typeof first === 'string' ? first : first.kind === 'raw' ? first.text : '';
  if (UNSAFE_START.test(start)) return false;
  return parts.every((p) => (typeof p === 'string' ? BARE.test(p) : p.kind === 'var' || BARE_RAW.test(p.text)));
}

function joinParts(text: Text, literal: (s: string) => string, rawText: (s: string) => string): string {
  if (typeof text === 'string') return literal(text);
  let out = '';
  for (const part of text.parts) {
    if (typeof part === 'string') out += literal(part);
    else if (part.kind === 'var') out += '${' + part.name + '}';
    else out += rawText(part.text);
  }
  return out;
}

/** Inside double quotes Docker's lexer treats only `"`, `$` and the escape character specially. */
function escapeInDoubleQuotes(value: string, escape: EscapeChar): string {
  if (!hasSpecial(value, escape, false)) return value;
  let out = '';
  for (const ch of value) {
    if (ch === '"' || ch === '$' || ch === escape) out += escape;
    out += ch;
  }
  return out;
}

/** Outside quotes the escape character makes any next character literal. */
function escapeUnquoted(value: string, escape: EscapeChar): string {
  if (!hasSpecial(value, escape, true)) return value;
  let out = '';
  for (const ch of value) {
    if (ch === '"' || ch === "'" || ch === '$' || ch === escape) out += escape;
    out += ch;
  }
  return out;
}

/** Whether `value` has a character the escapes above act on (`'` only where it is special, unquoted). */
function hasSpecial(value: string, escape: EscapeChar, singleQuote: boolean): boolean {
  const escapeCode = escape.charCodeAt(0);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 34 /* " */ || code === 36 /* $ */ || code === escapeCode || (singleQuote && code === 39) /* ' */) return true;
  }
  return false;
}

/** The printer's last line of defence: validation should have refused this value already. */
export function unencodable(what: string, problem: string): DockwrightError {
  return new DockwrightError('synth.unencodable', `${what} ${problem}`);
}
