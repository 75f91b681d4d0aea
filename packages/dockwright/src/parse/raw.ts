/**
 * The first stage of reading a Dockerfile, as BuildKit's parser does it (frontend/dockerfile/
 * parser): parser directives, comments, line continuations, heredocs, flags, and each
 * instruction's arguments split the way its instruction splits them. Nothing is unquoted or
 * expanded yet; `dump()` prints this tree in BuildKit's format.
 */
import { ParseError } from '../errors/errors.js';
import { longLine, MAX_LINE_BYTES, type EscapeChar } from '../ir/encodability.js';

export type { EscapeChar };

/** One instruction as BuildKit's parser leaves it. */
export interface RawNode {
  /** The instruction word as written (`RUN`, `run`). */
  readonly command: string;
  /** The instruction word in lower case (`run`), as BuildKit compares it. */
  readonly keyword: string;
  readonly flags: readonly string[];
  /** The argument words; for ONBUILD, the wrapped instruction is `child` instead. */
  readonly args: readonly string[];
  readonly child?: RawNode | undefined;
  /** The arguments were a JSON array. */
  readonly json: boolean;
  /** The whole logical line (continuations joined), for messages. */
  readonly original: string;
  readonly heredocs: readonly RawHeredoc[];
  readonly startLine: number;
  readonly endLine: number;
  /** Comment lines right before the instruction (without `#`). */
  readonly comments: readonly string[];
  /** The blank and comment lines before the instruction, since the one before it, as written. */
  readonly before: readonly string[];
  /** The physical lines of an instruction that spans several, as written (heredoc bodies included). */
  readonly lines?: readonly string[] | undefined;
}

export interface RawHeredoc {
  readonly name: string;
  readonly fileDescriptor: number;
  readonly expand: boolean;
  readonly chomp: boolean;
  readonly content: string;
}

export interface RawDirective {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

export interface RawWarning {
  readonly rule: string;
  readonly message: string;
  readonly line: number;
}

export interface RawDockerfile {
  readonly nodes: readonly RawNode[];
  readonly directives: readonly RawDirective[];
  readonly escape: EscapeChar;
  readonly warnings: readonly RawWarning[];
  /** Comments not attached to an instruction (at the end of the file). */
  readonly trailingComments: readonly string[];
  /** The blank and comment lines after the last instruction, as written. */
  readonly trailing: readonly string[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);
const HEREDOC_COMMANDS = new Set(['add', 'copy', 'run']);
const INSTRUCTION_WORDS = [
  'add',
  'arg',
  'cmd',
  'copy',
  'entrypoint',
  'env',
  'expose',
  'from',
  'healthcheck',
  'label',
  'maintainer',
  'onbuild',
  'run',
  'shell',
  'stopsignal',
  'user',
  'volume',
  'workdir',
];
const LOWER_CASE_WORDS = new Map(
  INSTRUCTION_WORDS.flatMap((word) => [
    [word, word],
    [word.toUpperCase(), word],
  ]),
);

/**
 * An instruction word in lower case, as BuildKit compares them. The usual spellings (`RUN`, `run`)
 * come from a table: lower-casing allocates a new string, twice for every instruction.
 */
function lowerCaseWord(word: string): string {
  return LOWER_CASE_WORDS.get(word) ?? word.toLowerCase();
}
const NO_LINES: readonly string[] = Object.freeze([]);
const NO_HEREDOCS: readonly RawHeredoc[] = Object.freeze([]);

/** Splits text into lines at `\n`, as Go's scanner in BuildKit does (a `\r` before it stays). */
function lines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
    out.push(text.slice(start, i));
    start = i + 1;
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/**
 * `text.charCodeAt(i)`, written so that V8 always compiles it inline. The lines read here are
 * strings of several kinds inside the engine (slices of the file, joined lines, copies), and
 * `line.charCodeAt` on such a mix is looked up anew at every character; `String.prototype`'s
 * own method is not (with `.length` read once per call, this was a tenth of reading a file).
 */
function codeAt(text: string, i: number): number {
  return String.prototype.charCodeAt.call(text, i);
}

// Hand-written trims: these run on every line, and regular expressions cost more here.
function trimNewline(line: string): string {
  const length = line.length;
  let end = length;
  while (end > 0 && (codeAt(line, end - 1) === 10 || codeAt(line, end - 1) === 13)) end--;
  return end === length ? line : line.slice(0, end);
}
/** Lines `from` to `to` (exclusive) without their newlines. */
function physicalLines(all: readonly string[], from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(trimNewline(all[i]!));
  return out;
}

/** Where the line's text starts, past its leading whitespace (its length for a blank line). */
function textStart(line: string): number {
  const length = line.length;
  let start = 0;
  while (start < length && isSpaceCode(codeAt(line, start))) start++;
  return start;
}
/** The line without its newline and its leading whitespace, in one slice. */
function lineText(line: string): string {
  const length = line.length;
  let end = length;
  while (end > 0 && (codeAt(line, end - 1) === 10 || codeAt(line, end - 1) === 13)) end--;
  let start = 0;
  while (start < end && isSpaceCode(codeAt(line, start))) start++;
  return start === 0 && end === length ? line : line.slice(start, end);
}
function trimTrailingBlanks(line: string): string {
  const length = line.length;
  let end = length;
  while (end > 0 && (codeAt(line, end - 1) === 32 || codeAt(line, end - 1) === 9)) end--;
  return end === length ? line : line.slice(0, end);
}

export function parseRaw(text: string, file = 'Dockerfile'): RawDockerfile {
  const all = lines(text.startsWith('\uFEFF') ? text.slice(1) : text);
  // Every line had its `\n` but the last, unless the text ends with one.
  const lastNewline = text.endsWith('\n') ? '\n' : '';
  const long = longLine(text);
  if (long)
    throw new ParseError(
      `the line is ${long.bytes} bytes long; Docker reads lines of up to ${MAX_LINE_BYTES} bytes ("dockerfile line greater than max allowed size")`,
      file,
      long.line,
    );
  let escape: EscapeChar = '\\';
  const directives: RawDirective[] = [];
  const warnings: RawWarning[] = [];
  const nodes: RawNode[] = [];
  let directivesDone = false;
  let comments: string[] = [];
  let before: string[] = [];

  /** True when the line was a parser directive (then it is not a comment either). */
  const processDirective = (line: string, lineNumber: number): boolean => {
    if (directivesDone) return false;
    // Not even a comment: no directive, and none after it (the regular expression is not run).
    const match = line.charCodeAt(0) === 35 ? DIRECTIVE.exec(line) : null;
    const name = match ? match[1]!.toLowerCase() : undefined;
    if (!match || !KNOWN_DIRECTIVES.has(name!)) {
      directivesDone = true;
      return false;
    }
    if (directives.some((d) => d.name === name)) throw new ParseError(`only one ${name} parser directive can be used`, file, lineNumber);
    const value = match[2]!;
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') throw new ParseError(`invalid escape token '${value}' does not match \` or \\`, file, lineNumber);
      escape = value;
    }
    directives.push({ name: name!, value, line: lineNumber });
    return true;
  };
  /**
   * A line ending in an odd run of escape characters (spaces may follow) continues; `\\\\` is a
   * literal. Returns the line without its escape when it continues, else undefined (the line ends).
   */
  const continuation = (line: string): string | undefined => {
    const body = trimTrailingBlanks(line);
    const length = body.length;
    const escapeCode = escape.charCodeAt(0);
    let run = 0;
    while (run < length && codeAt(body, length - 1 - run) === escapeCode) run++;
    return run % 2 === 1 ? body.slice(0, -1) : undefined;
  };

  let index = 0;
  while (index < all.length) {
    const raw = all[index]!;
    const lineNumber = ++index;
    const token = lineText(raw);
    const directive = processDirective(token, lineNumber);
    // Every comment line is kept (BuildKit forgets those before an empty one): import keeps them all.
    if (!directive && token.startsWith('#')) comments.push(token.slice(token.charCodeAt(1) === 32 ? 2 : 1).trimEnd());
    const first = token.startsWith('#') ? '' : token;
    const continued = continuation(first);
    let line = continued ?? first;
    let endOfLine = continued === undefined;
    if (endOfLine && line === '') {
      if (!directive) before.push(trimNewline(raw));
      continue;
    }
    const startLine = lineNumber;
    const startIndex = index - 1;
    let emptyContinuation = false;
    while (!endOfLine && index < all.length) {
      const next = all[index]!;
      const nextNumber = ++index;
      // BuildKit's processLine, without stripping the line's left: a comment line is left out.
      const processed = trimNewline(next);
      processDirective(processed, nextNumber);
      const start = textStart(processed);
      if (processed.charCodeAt(start) === 35) continue; // `#`: a comment line
      if (start === processed.length) {
        emptyContinuation = true;
        continue;
      }
      const part = continuation(processed);
      line += part ?? processed;
      endOfLine = part === undefined;
    }
    if (emptyContinuation) {
      warnings.push({ rule: 'NoEmptyContinuation', message: `Empty continuation line found in: ${line}`, line: startLine });
    }
    const node = nodeFromLine(line, escape, file, startLine);
    let heredocs: readonly RawHeredoc[] = NO_HEREDOCS;
    if (HEREDOC_COMMANDS.has(node.keyword) && line.includes('<<')) {
      const found: RawHeredoc[] = [];
      for (const heredoc of heredocsFromLine(line, escape)) {
        let content = '';
        let terminated = false;
        while (index < all.length) {
          const bodyLine = all[index++]!;
          const newline = index < all.length ? '\n' : lastNewline;
          let candidate = trimNewline(bodyLine);
          if (heredoc.chomp) candidate = candidate.replace(/^\t+/, '');
          if (candidate === heredoc.name) {
            terminated = true;
            break;
          }
          content += bodyLine + newline;
        }
        if (!terminated) throw new ParseError(`unterminated heredoc ${heredoc.name}`, file, startLine);
        found.push({ ...heredoc, content });
      }
      heredocs = found.length === 0 ? NO_HEREDOCS : found;
    }
    node.heredocs = heredocs;
    node.endLine = index;
    if (comments.length > 0) node.comments = comments;
    if (before.length > 0) node.before = before;
    if (index - startIndex > 1) node.lines = physicalLines(all, startIndex, index);
    nodes.push(node);
    // New lists only when these were used: most instructions have no comment or blank line before them.
    if (comments.length > 0) comments = [];
    if (before.length > 0) before = [];
  }
  if (nodes.length === 0) throw new ParseError('the Dockerfile has no instructions', file, Math.max(1, all.length));
  return { nodes, directives, escape, warnings, trailingComments: comments, trailing: before };
}

/** A node while its line is read: parseRaw fills in what comes after the line (heredocs, the end, what came before). */
type NodeInProgress = { -readonly [K in keyof RawNode]: RawNode[K] };

/**
 * The node of one logical line, every field present from the start (one object shape, one
 * allocation): a node of its own line (an ONBUILD's trigger) as it is.
 */
function nodeFromLine(line: string, escape: EscapeChar, file: string, lineNumber: number): NodeInProgress {
  const trimmed = line.trim();
  const end = blankAt(trimmed, 0);
  const command = end === trimmed.length ? trimmed : trimmed.slice(0, end);
  let args = '';
  let flags: readonly string[] = NO_LINES;
  if (end < trimmed.length) {
    const rest = trimmed.slice(pastBlanks(trimmed, end));
    // Most instructions have no flags: only a rest that starts with `--` (or with a space of
    // Unicode's, which the flag scan skips as BuildKit does) needs the scan.
    if (rest.startsWith('--') || rest.charCodeAt(0) > 127) ({ args, flags } = extractBuilderFlags(rest));
    else args = rest;
  }
  const keyword = lowerCaseWord(command);
  const parsed = parseArguments(keyword, args.trim(), escape, file, lineNumber);
  return {
    command,
    keyword,
    flags,
    args: parsed.args,
    child: parsed.child,
    json: parsed.json,
    original: line,
    heredocs: NO_HEREDOCS,
    startLine: lineNumber,
    endLine: lineNumber,
    comments: NO_LINES,
    before: NO_LINES,
    lines: undefined,
  };
}

/** The text before the first run of whitespace (\t \v \f \r and space), and the text after it. */
function splitOnce(text: string): [string, string | undefined] {
  const end = blankAt(text, 0);
  if (end === text.length) return [text, undefined];
  return [text.slice(0, end), text.slice(pastBlanks(text, end))];
}

/** Where the first blank at or after `from` is (the text's length when there is none). */
function blankAt(text: string, from: number): number {
  const length = text.length;
  let i = from;
  while (i < length && !isBlank(codeAt(text, i))) i++;
  return i;
}

/** Where the run of blanks at `from` ends. */
function pastBlanks(text: string, from: number): number {
  const length = text.length;
  let i = from;
  while (i < length && isBlank(codeAt(text, i))) i++;
  return i;
}

/** The whitespace BuildKit splits arguments on (`[\t\v\f\r ]`): tab, vertical tab, form feed, carriage return, space. */
function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 11 || code === 12 || code === 13;
}

interface Parsed {
  readonly args: readonly string[];
  readonly json: boolean;
  readonly child?: RawNode | undefined;
}

function parseArguments(command: string, rest: string, escape: EscapeChar, file: string, line: number): Parsed {
  switch (command) {
    case 'add':
    case 'copy':
    case 'volume':
      return parseMaybeJsonToList(rest, file, line);
    case 'arg':
      return { args: parseWords(rest, escape), json: false };
    case 'cmd':
    case 'entrypoint':
    case 'run':
    case 'shell':
      return parseMaybeJson(rest, file, line);
    case 'env':
    case 'label':
      return { args: parseNameVal(rest, command, escape, file, line), json: false };
    case 'expose':
    case 'from':
      return { args: splitWhitespace(rest), json: false };
    case 'healthcheck':
      return parseHealthConfig(rest, file, line);
    case 'maintainer':
    case 'stopsignal':
    case 'user':
    case 'workdir':
      return { args: rest === '' ? [] : [rest], json: false };
    case 'onbuild': {
      if (rest === '') return { args: [], json: false };
      const child: RawNode = nodeFromLine(rest, escape, file, line);
      return { args: [], json: false, child };
    }
    default:
      // BuildKit keeps unknown instructions with one empty argument; the validator reports them.
      return { args: [''], json: false };
  }
}

/** `rest.split(/[\t\v\f\r ]+/)` (none for ''), by hand: it runs on most instructions' arguments. */
function splitWhitespace(rest: string): string[] {
  if (rest === '') return [];
  const words: string[] = [];
  let start = 0;
  for (let end = blankAt(rest, 0); end < rest.length; end = blankAt(rest, start)) {
    words.push(rest.slice(start, end));
    start = pastBlanks(rest, end);
  }
  words.push(rest.slice(start));
  return words;
}

class NotStringArray extends Error {}

/** A JSON array of strings, or undefined when `rest` is not JSON (then it is the shell form). */
function parseJson(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  const plain = plainStringArray(rest);
  if (plain !== undefined) return plain;
  let value: unknown;
  try {
    value = JSON.parse(rest);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  if (!value.every((item): item is string => typeof item === 'string')) throw new NotStringArray();
  return value;
}

/**
 * The common exec form, `["a", "b"]` with no escapes in its strings, read without JSON.parse;
 * undefined for anything else (JSON.parse then decides). Same result as JSON.parse for what it reads.
 */
function plainStringArray(text: string): string[] | undefined {
  const items: string[] = [];
  let i = skipJsonSpace(text, 1);
  if (text.charCodeAt(i) === 93 /* ] */) return skipJsonSpace(text, i + 1) === text.length ? items : undefined;
  for (;;) {
    if (text.charCodeAt(i) !== 34 /* " */) return undefined;
    const start = i + 1;
    let end = start;
    for (; end < text.length; end++) {
      const code = text.charCodeAt(end);
      if (code === 34) break;
      if (code === 92 /* backslash */ || code < 32) return undefined;
    }
    if (end === text.length) return undefined;
    items.push(text.slice(start, end));
    i = skipJsonSpace(text, end + 1);
    const next = text.charCodeAt(i);
    if (next === 93) return skipJsonSpace(text, i + 1) === text.length ? items : undefined;
    if (next !== 44 /* , */) return undefined;
    i = skipJsonSpace(text, i + 1);
  }
}

/** Past JSON's whitespace (space, tab, newline, carriage return) from `i`. */
function skipJsonSpace(text: string, i: number): number {
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13) break;
    i++;
  }
  return i;
}

function parseMaybeJson(rest: string, file: string, line: number): Parsed {
  if (rest === '') return { args: [], json: false };
  const json = jsonOrRefuse(rest, file, line);
  return json ? { args: json, json: true } : { args: [rest], json: false };
}

function parseMaybeJsonToList(rest: string, file: string, line: number): Parsed {
  const json = jsonOrRefuse(rest, file, line);
  return json ? { args: json, json: true } : { args: splitWhitespace(rest), json: false };
}

function jsonOrRefuse(rest: string, file: string, line: number): string[] | undefined {
  try {
    return parseJson(rest);
  } catch (error) {
    if (error instanceof NotStringArray) throw new ParseError('when using JSON array syntax, arrays must be comprised of strings only', file, line);
    throw error;
  }
}

function parseHealthConfig(rest: string, file: string, line: number): Parsed {
  const match = /^(\S+)\s*/.exec(rest);
  if (!match) return { args: [], json: false };
  const command = parseMaybeJson(rest.slice(match[0].length), file, line);
  return { args: [match[1]!, ...command.args], json: command.json };
}

/** ENV and LABEL: `key value` (legacy) or `key=value ...`; each pair is `key`, `value`, and `=` or ``. */
function parseNameVal(rest: string, command: string, escape: EscapeChar, file: string, line: number): string[] {
  const words = parseWords(rest, escape);
  if (words.length === 0) return [];
  if (!words[0]!.includes('=')) {
    const [key, value] = splitOnce(rest);
    if (value === undefined) throw new ParseError(`${command.toUpperCase()} must have two arguments`, file, line);
    return [key, value, ''];
  }
  const triples: string[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq === -1) throw new ParseError(`Syntax error - can't find = in "${word}". Must be of the form: name=value`, file, line);
    triples.push(word.slice(0, eq), word.slice(eq + 1), '=');
  }
  return triples;
}

/** Go's unicode.IsSpace, with the ASCII cases first. */
function isSpace(ch: string): boolean {
  return isSpaceCode(ch.charCodeAt(0));
}

/** isSpace of a character code. */
function isSpaceCode(code: number): boolean {
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return /\s/.test(String.fromCharCode(code));
}

/** Splits on unquoted whitespace, keeping quotes and escapes (BuildKit's parseWords). */
export function parseWords(rest: string, escape: EscapeChar): string[] {
  return keptWords(rest, escape);
}

/**
 * The word scanner with quotes and escapes kept (parseWords): each word is then the text as
 * written, so it is sliced, not built a character at a time; only an escape at the very end of
 * the text is left out, as the scanner drops it. Held to scanWords by a property test.
 */
function keptWords(text: string, escape: EscapeChar): string[] {
  const words: string[] = [];
  let start = -1; // where the current word starts; -1 between words
  let quote = '';
  for (let pos = 0; pos < text.length; pos++) {
    const ch = text[pos]!;
    if (start === -1) {
      if (isSpace(ch)) continue;
      start = pos;
    }
    if (quote !== '') {
      if (ch === quote) quote = '';
      else if (ch === escape && quote === '"') {
        if (pos + 1 === text.length) return [...words, text.slice(start, pos)];
        pos++;
      }
    } else if (isSpace(ch)) {
      words.push(text.slice(start, pos));
      start = -1;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === escape) {
      if (pos + 1 === text.length) {
        if (pos > start) words.push(text.slice(start, pos));
        return words;
      }
      pos++;
    }
  }
  if (start !== -1) words.push(text.slice(start));
  return words;
}

/** The words as the general scanner reads them (exported for the tests that compare). */
export function scannedWords(rest: string, escape: EscapeChar): string[] {
  return scanWords(rest, { escape, keep: true, escapeInSingleQuotes: false }).words;
}

/** Leading `--flag[=value]` words (quotes and `\` handled), up to the first other word or `--`. */
export function extractBuilderFlags(line: string): { args: string; flags: string[] } {
  return plainFlags(line) ?? scannedFlags(line);
}

/** The flags when none of them holds a quote or an escape (most): words split on spaces; else undefined. */
function plainFlags(line: string): { args: string; flags: string[] } | undefined {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && isSpace(line[pos]!)) pos++;
    if (pos === line.length) return { args: '', flags };
    if (!line.startsWith('--', pos)) return { args: line.slice(pos), flags };
    let end = pos;
    while (end < line.length && !isSpace(line[end]!)) {
      const code = line.charCodeAt(end);
      if (code === 34 || code === 39 || code === 92) return undefined; // quotes or `\`: the scanner's work
      end++;
    }
    const word = line.slice(pos, end);
    if (word === '--') return { args: end === line.length ? '' : line.slice(end), flags };
    flags.push(word);
    pos = end;
  }
}

/** The flags as the word scanner reads them, quotes and escapes included (exported for the tests that compare). */
export function scannedFlags(line: string): { args: string; flags: string[] } {
  const scan = scanWords(line, {
    escape: '\\',
    keep: false,
    escapeInSingleQuotes: true,
    startsWord: (pos) => line.startsWith('--', pos),
    endsScan: (word) => word === '--',
  });
  return { args: scan.stoppedAt === undefined ? '' : line.slice(scan.stoppedAt), flags: scan.words };
}

interface WordScanOptions {
  readonly escape: string;
  /** Keep quotes and escape characters in the words (parseWords), or take them out (flags). */
  readonly keep: boolean;
  readonly escapeInSingleQuotes: boolean;
  /** Whether a word may start at `pos`; when not, the scan stops there. */
  readonly startsWord?: (pos: number) => boolean;
  /** Whether the scan stops after this word (it is then not one of the words). */
  readonly endsScan?: (word: string) => boolean;
}

/**
 * The one quote-aware word scanner of the raw parser, as BuildKit's parseWords and
 * extractBuilderFlags both scan: words split on unquoted whitespace; a quoted part may be empty
 * and still make a word; an escape takes the next character (in single quotes only if asked); an
 * escape at the very end is dropped. `stoppedAt` is where the scan stopped early, if it did.
 */
function scanWords(text: string, o: WordScanOptions): { words: string[]; stoppedAt: number | undefined } {
  const words: string[] = [];
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let word = '';
  let quote = '';
  let blankOk = false;
  const endWord = (): boolean => {
    if (o.endsScan?.(word)) return true;
    if (blankOk || word.length > 0) words.push(word);
    word = '';
    blankOk = false;
    return false;
  };
  for (let pos = 0; pos <= text.length; pos++) {
    const end = pos === text.length;
    let ch = end ? '' : text[pos]!;
    if (phase === 'spaces') {
      if (end) break;
      if (isSpace(ch)) continue;
      if (o.startsWord && !o.startsWord(pos)) return { words, stoppedAt: pos };
      phase = 'word';
    }
    if (end) {
      endWord();
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        phase = 'spaces';
        if (endWord()) return { words, stoppedAt: pos };
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOk = true;
        phase = 'quote';
        if (o.keep) word += ch;
        continue;
      }
      if (ch === o.escape) {
        if (pos + 1 === text.length) continue; // an escape at the very end is dropped
        if (o.keep) word += ch;
        ch = text[++pos]!;
      }
      word += ch;
      continue;
    }
    // in a quote
    if (ch === quote) {
      phase = 'word';
      if (o.keep) word += ch;
      continue;
    }
    if (ch === o.escape && (quote !== "'" || o.escapeInSingleQuotes)) {
      if (pos + 1 === text.length) {
        phase = 'word';
        continue;
      }
      if (o.keep) word += ch;
      ch = text[++pos]!;
    }
    word += ch;
  }
  return { words, stoppedAt: undefined };
}

/** Heredocs that a RUN/COPY/ADD line starts (`<<EOF`, `<<-EOF`, `2<<"EOF"`), in order. */
export function heredocsFromLine(line: string, escape: EscapeChar): Omit<RawHeredoc, 'content'>[] {
  const docs: Omit<RawHeredoc, 'content'>[] = [];
  for (const word of rawShellWords(line, escape)) {
    const match = /^(\d*)<<(-?)([^<]*)$/.exec(word);
    if (!match || match[3] === '') continue;
    const quoted = /^(["'])(.*)\1$/.exec(match[3]!);
    const name = quoted ? quoted[2]! : unescapeWord(match[3]!, escape);
    if (name === '') continue;
    docs.push({
      name,
      fileDescriptor: match[1] ? Number(match[1]) : 0,
      expand: !quoted && !match[3]!.includes('"') && !match[3]!.includes("'"),
      chomp: match[2] === '-',
    });
  }
  return docs;
}

/** Shell words with quotes and escapes kept (BuildKit's RawQuotes/RawEscapes lexing). */
function rawShellWords(line: string, escape: EscapeChar): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      word += ch;
      if (ch === escape && quote === '"' && i + 1 < line.length) word += line[++i];
      else if (ch === quote) quote = '';
    } else if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (word) words.push(word);
      word = '';
    } else {
      word += ch;
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === escape && i + 1 < line.length) word += line[++i];
    }
  }
  if (word) words.push(word);
  return words;
}

function unescapeWord(word: string, escape: EscapeChar): string {
  let out = '';
  for (let i = 0; i < word.length; i++) out += word[i] === escape && i + 1 < word.length ? word[++i] : word[i];
  return out;
}
