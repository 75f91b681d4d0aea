/**
 * What a Dockerfile can and cannot carry. The validator reports these problems with the user's
 * call site; the printer asserts them again so no path can print a value that would change the
 * file's structure (DESIGN invariant 3).
 */
import type { Text } from './text.js';

export type EscapeChar = '\\' | '`';

/** An escape character at the end of a line (spaces may follow) makes Docker join the next line. */
const TRAILING_ESCAPE: Record<EscapeChar, RegExp> = { '\\': /\\[ \t]*$/, '`': /`[ \t]*$/ };

/** A problem, phrased to follow "the value ...", or undefined when the value can be printed. */
export type Problem = string | undefined;

/** A single-line string that goes to the shell as written (RUN/CMD/ENTRYPOINT shell form). */
export function shellFormProblem(command: string, escape: EscapeChar): Problem {
  // Most commands start and end with a visible character that means nothing here (not "-", "[",
  // the escape character): then only a line break or NUL inside could be wrong.
  const quiet = isQuietStart(command.charCodeAt(0)) && isQuietEnd(command.charCodeAt(command.length - 1), escape);
  return quiet && !LINE_BREAK_OR_NUL.test(command) ? undefined : shellFormProblemInFull(command, escape);
}

/** `shellFormProblem` without its shortcut (exported for the test that holds the two together). */
export function shellFormProblemInFull(command: string, escape: EscapeChar): Problem {
  if (LINE_BREAK_OR_NUL.test(command)) {
    if (command.includes('\0')) return 'contains a NUL character, which no Dockerfile line can carry';
    if (command.includes('\r')) return 'contains a carriage return (\\r), which Docker drops at line ends';
    return 'contains a newline; pass a multi-line script to run() (it becomes a heredoc)';
  }
  if (command.trim() === '') return undefined; // EmptyValue reports this one
  // Any Unicode blank may follow (parsers differ on which they trim): look at the trimmed end.
  if (TRAILING_ESCAPE[escape].test(command.trimEnd())) {
    return `ends with the escape character ${escape}, which would join the next line into this instruction`;
  }
  if (/^\s*--/.test(command)) return 'starts with "--", which Docker would read as a flag of the instruction';
  if (looksLikeJsonArray(command)) return 'is a JSON array, which Docker would read as the exec form; pass an array instead';
  return undefined;
}

/** A single-line RUN (or ONBUILD RUN) command: as shell form, and no heredoc marker. */
export function runCommandProblem(command: string, escape: EscapeChar): Problem {
  const problem = shellFormProblem(command, escape);
  if (problem) return problem;
  const marker = heredocMarker(command, escape);
  if (marker) {
    return `contains the heredoc marker "${marker}" on one line; BuildKit would read the lines after it as its body. Write the script with newlines (it becomes a heredoc)`;
  }
  return undefined;
}

/** Body of a heredoc (multi-line RUN script, inline COPY content). */
export function heredocBodyProblem(body: string): Problem {
  if (body.includes('\0')) return 'contains a NUL character, which no Dockerfile can carry';
  if (body.includes('\r')) return 'contains a carriage return (\\r), which Docker drops at line ends';
  return undefined;
}

/** A value Docker lexes as a word (ENV/LABEL/ARG values, paths, users): no newline can be written. */
export function wordProblem(text: Text, escape: EscapeChar): Problem {
  // Most values are plain strings without a line break: one scan answers them.
  if (typeof text === 'string' && !LINE_BREAK_OR_NUL.test(text)) return undefined;
  for (const part of typeof text === 'string' ? [text] : text.parts) {
    const value = typeof part === 'string' ? part : part.kind === 'raw' ? part.text : '';
    if (value.includes('\0')) return 'contains a NUL character, which no Dockerfile can carry';
    if (value.includes('\n')) return 'contains a newline, which Docker cannot read back in this instruction';
    if (value.includes('\r')) return 'contains a carriage return (\\r), which many tools read as a line break';
    if (typeof part !== 'string' && part.kind === 'raw' && endsWithOddEscapes(part.text, escape)) {
      return `ends with an unescaped escape character ${escape}`;
    }
  }
  return undefined;
}

/** A COPY/ADD operand: a word, and no `<<`, which BuildKit's parser could take for a heredoc. */
export function copyOperandProblem(text: Text, escape: EscapeChar): Problem {
  const problem = wordProblem(text, escape);
  if (problem) return problem;
  if (typeof text === 'string') return text.includes('<<') ? 'contains "<<", which BuildKit could read as the start of a heredoc' : undefined;
  const parts = text.parts;
  if (parts.some((p) => (typeof p === 'string' ? p : p.kind === 'raw' ? p.text : '').includes('<<'))) {
    return 'contains "<<", which BuildKit could read as the start of a heredoc';
  }
  return undefined;
}

/** The destination of inline content: `COPY <<EOF dest` has no JSON form, so no whitespace either. */
export function inlineDestinationProblem(dest: Text): Problem {
  const parts = typeof dest === 'string' ? [dest] : dest.parts;
  return parts.some((p) => /\s/.test(typeof p === 'string' ? p : p.kind === 'raw' ? p.text : ''))
    ? 'contains whitespace, which a COPY of inline content cannot carry (it has no JSON form)'
    : undefined;
}

/** An ONBUILD trigger must fit on its line: Docker reads no heredoc after ONBUILD. */
export function onbuildTriggerProblem(trigger: { kind: string; command?: { form: string }; inline?: string | undefined }): Problem {
  const heredoc =
    (trigger.kind === 'run' && trigger.command?.form === 'script') || ((trigger.kind === 'copy' || trigger.kind === 'add') && trigger.inline !== undefined);
  return heredoc ? 'is a heredoc (a multi-line script or inline file), which Docker does not read after ONBUILD' : undefined;
}

/** A LABEL key: a word without "=", since Docker splits each pair at its first "=" before unquoting. */
export function labelKeyProblem(key: string, escape: EscapeChar): Problem {
  if (key.includes('=')) return 'contains "=", which Docker would take as the end of the key';
  return wordProblem(key, escape);
}

/**
 * A flag value (`--chown=...`, mount options): one word with no quoting at all. A literal `$`
 * cannot be written either: BuildKit removes the escape character from a flag as it splits the
 * flags off, then expands the value, so `--from=\$a` still reads the variable `a`.
 */
export function flagValueProblem(text: Text, forbidden: RegExp = FLAG_FORBIDDEN): Problem {
  for (const part of typeof text === 'string' ? [text] : text.parts) {
    const value = typeof part === 'string' ? part : part.kind === 'raw' ? part.text : '';
    const bad = forbidden.exec(value);
    if (bad) return `contains ${describeChar(bad[0])}, which a flag value cannot carry`;
    if (typeof part === 'string' && part.includes('$')) {
      return 'contains "$", which Docker would expand in a flag value whatever escapes it (to use a variable, write expand`...` or raw())';
    }
  }
  return undefined;
}

/** An EXPOSE port: one bare word (EXPOSE splits on whitespace first), and no leading `--` (a flag). */
export function portProblem(text: Text): Problem {
  const first = typeof text === 'string' ? text : typeof text.parts[0] === 'string' ? text.parts[0] : '';
  if (first.startsWith('--')) return 'starts with "--", which Docker would read as a flag';
  return flagValueProblem(text);
}

/** Whitespace, quotes, backslash, backtick and control characters cannot appear in a flag value. */
export const FLAG_FORBIDDEN = /[\s"'\\`\0]/;
/** In `--mount=` options a comma also separates fields. */
export const MOUNT_FORBIDDEN = /[\s"'\\`\0,]/;

/** A comment line's text: any character but NUL and a carriage return. */
export function commentProblem(text: string): Problem {
  if (text.includes('\0')) return 'contains a NUL character';
  if (text.includes('\r')) return 'contains a carriage return (\\r)';
  return undefined;
}

/**
 * A `<<WORD` that a Dockerfile parser could take for the start of a heredoc. BuildKit looks at
 * whole shell words; other tools look anywhere on the line, and an unbalanced quote changes what
 * a word is. Being stricter than BuildKit costs only `1<<2` in shell arithmetic; `<<<` here-strings
 * stay allowed.
 */
export function heredocMarker(line: string, escape: EscapeChar): string | undefined {
  if (!line.includes('<')) return undefined;
  // Some parsers unescape before they look (`<\<EOF`), so look with escape characters removed.
  const match = /(?<!<)<<(?!<)-?\S*/.exec(line.replaceAll(escape, ''));
  return match?.[0];
}

const LINE_BREAK_OR_NUL = /[\n\r\0]/;

/** A visible ASCII character a command may start with and mean nothing to Docker: not a flag's "-", not a JSON array's "[". */
function isQuietStart(code: number): boolean {
  return code > 32 && code < 127 && code !== 45 /* - */ && code !== 91 /* [ */;
}

/** A visible ASCII character a command may end with: not the escape character, which would join the next line. */
function isQuietEnd(code: number, escape: EscapeChar): boolean {
  return code > 32 && code < 127 && code !== escape.charCodeAt(0);
}

function looksLikeJsonArray(command: string): boolean {
  const trimmed = command.trim();
  if (!trimmed.startsWith('[')) return false;
  try {
    const value: unknown = JSON.parse(trimmed);
    return Array.isArray(value);
  } catch {
    return false;
  }
}

function endsWithOddEscapes(text: string, escape: EscapeChar): boolean {
  let count = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === escape; i--) count++;
  return count % 2 === 1;
}

function describeChar(ch: string): string {
  const names: Record<string, string> = {
    ' ': 'a space',
    '\t': 'a tab',
    '\n': 'a newline',
    '\r': 'a carriage return',
    '\0': 'a NUL character',
    ',': 'a comma',
  };
  return names[ch] ?? `"${ch}"`;
}

/** Docker reads a Dockerfile line by line with Go's bufio.Scanner: no line may exceed 64 KiB - 1 bytes. */
export const MAX_LINE_BYTES = 65535;

/** The first line of `text` longer than Docker reads, as its 1-based number and byte length. */
export function longLine(text: string): { readonly line: number; readonly bytes: number } | undefined {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: shorter text cannot hold such a line.
  if (text.length <= MAX_LINE_BYTES / 3) return undefined;
  let line = 1;
  for (let start = 0; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end - start > MAX_LINE_BYTES / 3) {
      const bytes = utf8Length(text, start, end);
      if (bytes > MAX_LINE_BYTES) return { line, bytes };
    }
    start = end + 1;
  }
  return undefined;
}

/** UTF-8 length of text[start, end), without Buffer or TextEncoder (the SDK runs anywhere). */
function utf8Length(text: string, start: number, end: number): number {
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < end) {
      bytes += 4; // a surrogate pair: one code point of four bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A command written as lines (`ShellForm.lines`): what would break the instruction, or undefined. */
export function linesProblem(command: { readonly command: string; readonly lines?: readonly string[] | undefined }, escape: EscapeChar): Problem {
  const lines = command.lines;
  if (lines === undefined) return undefined;
  if (lines.length === 0) return 'has no lines';
  for (const line of lines) {
    if (/[\n\r\0]/.test(line)) return 'has a line with a line break or NUL in it';
  }
  const text = (line: string): string => line.trimStart();
  const skipped = (line: string): boolean => text(line) === '' || text(line).startsWith('#');
  // Before the ` \` the printer adds, an escape character of the line's own would be read two ways.
  if (lines.some((line) => !skipped(line) && TRAILING_ESCAPE[escape].test(line.trimEnd()))) {
    return `has a line that ends with the escape character ${escape}, which parsers read as a continuation of its own`;
  }
  // BuildKit reads `\#` at a line's start as text; dockerfile-ast reads it as a comment, and the
  // continuation then runs on into the next instruction.
  if (lines.some((line) => line.trimStart().startsWith(`${escape}#`))) {
    return `has a line that starts with ${escape}#, which some parsers read as a comment`;
  }
  if (skipped(lines[0]!)) return "starts with a comment or an empty line, which would be part of the command on the instruction's line";
  if (skipped(lines[lines.length - 1]!)) return 'ends with a comment or an empty line: the continuation before it would run on into the next instruction';
  const joined = lines.filter((line) => !skipped(line)).join(' ');
  if (joined !== command.command) return 'has lines that do not join into its command';
  return undefined;
}

/**
 * A comment that, as the first line of a file, would read as a parser directive (`# escape=\``):
 * BuildKit reads directives at the top until a line is not one.
 */
export function directiveLookalikeProblem(text: string): Problem {
  const match = /^\s*([a-zA-Z][a-zA-Z0-9]*)\s*=/.exec(text);
  return match && ['syntax', 'escape', 'check'].includes(match[1]!.toLowerCase())
    ? `reads like the parser directive ${match[1]!.toLowerCase()}, which it would be taken for at the top of the file`
    : undefined;
}

/** A heredoc word: a name of letters, digits, `_`, `.` and `-` (BuildKit reads no quoting in it here). */
export function heredocDelimiterProblem(delimiter: string | undefined): Problem {
  if (delimiter === undefined) return undefined;
  return /^[A-Za-z0-9_.-]+$/.test(delimiter) ? undefined : `has the heredoc word ${JSON.stringify(delimiter)}: use letters, digits, "_", "." and "-"`;
}

/** A program argument of an exec form (`["a", "b"]`): JSON carries anything but NUL to the program. */
export function execArgsProblem(args: readonly string[]): Problem {
  for (let i = 0; i < args.length; i++) if (args[i]!.includes('\0')) return 'contains a NUL character, which no program argument can carry';
  return undefined;
}

/** The values of a `--mount=` option: flag values where a comma also separates, and no `$`. */
export function mountProblem(mount: {
  readonly target?: Text | undefined;
  readonly id?: Text | undefined;
  readonly source?: Text | undefined;
  readonly from?: Text | undefined;
}): Problem {
  for (const value of [mount.target, mount.id, mount.source, mount.from]) {
    if (value === undefined) continue;
    const problem =
      flagValueProblem(value, MOUNT_FORBIDDEN) ??
      (typeof value === 'string' && value.includes('$') ? 'contains "$", which --mount does not expand the same way in every BuildKit version' : undefined);
    if (problem) return problem;
  }
  return undefined;
}
