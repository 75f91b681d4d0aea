/**
 * Docker's word lexer (BuildKit's shell/lex.go): quote removal, escapes, and `$VAR`/`${VAR...}`
 * expansion, as Docker applies them to ENV, LABEL, ARG, COPY, WORKDIR, USER and the rest.
 * `processWord` returns one string; `processWords` splits on unquoted whitespace from
 * expansions; `wordParts` keeps every expansion as written, for the IR.
 */
import type { EscapeChar } from '../ir/encodability.js';
export type { EscapeChar };

/** A part of a word: literal text, or a variable reference exactly as written (`${A:-x}`). */
export type WordPart = string | { readonly raw: string };

export class ShellError extends Error {}

type Env = ReadonlyMap<string, string>;

const EOF = '';
const isSpace = (ch: string): boolean => ch !== EOF && /\s/u.test(ch);
const isDigit = (ch: string): boolean => ch !== EOF && /\p{Nd}/u.test(ch);
const isLetter = (ch: string): boolean => ch !== EOF && /\p{L}/u.test(ch);
const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

/** Expands `word` with `env` and removes quotes and escapes. */
export function processWord(word: string, env: Env, escape: EscapeChar = '\\'): string {
  return new Lexer(word, env, escape, false).run().text;
}

/** Like processWord, but splits the result into words on whitespace that came unquoted. */
export function processWords(word: string, env: Env, escape: EscapeChar = '\\'): string[] {
  return new Lexer(word, env, escape, false).run().words;
}

/** Quote removal without expansion: literal text, and each `$` reference kept as written. */
export function wordParts(word: string, escape: EscapeChar = '\\'): WordPart[] {
  return new Lexer(word, new Map(), escape, true).run().parts;
}

/** Builds the words of processWords as characters arrive. */
class Words {
  readonly words: string[] = [];
  private word = '';
  private inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch)) {
      if (this.inWord && this.word.length > 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else this.addRaw(ch);
  }
  addString(text: string): void {
    for (const ch of text) this.addChar(ch);
  }
  addRaw(text: string): void {
    this.word += text;
    this.inWord = true;
  }
  finish(): string[] {
    if (this.word.length > 0) this.words.push(this.word);
    return this.words;
  }
}

class Parts {
  readonly parts: WordPart[] = [];
  add(text: string): void {
    if (text === '') return;
    const last = this.parts[this.parts.length - 1];
    if (typeof last === 'string') this.parts[this.parts.length - 1] = last + text;
    else this.parts.push(text);
  }
  addRaw(raw: string): void {
    this.parts.push({ raw });
  }
  addAll(parts: readonly WordPart[]): void {
    for (const part of parts) typeof part === 'string' ? this.add(part) : this.parts.push(part);
  }
}

interface Result {
  readonly text: string;
  readonly words: string[];
  readonly parts: WordPart[];
}

class Lexer {
  private readonly chars: string[];
  private pos = 0;

  constructor(
    source: string,
    private readonly env: Env,
    private readonly escape: EscapeChar,
    /** Keep `$` references as written instead of expanding them. */
    private readonly keep: boolean,
  ) {
    this.chars = [...source];
  }

  run(): Result {
    const result = this.processStopOn(EOF);
    return { text: result.text, words: result.words, parts: result.parts };
  }

  private peek(): string {
    return this.chars[this.pos] ?? EOF;
  }
  private next(): string {
    return this.chars[this.pos++] ?? EOF;
  }

  private processStopOn(stop: string): Result {
    let text = '';
    const words = new Words();
    const parts = new Parts();
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (stop !== EOF && ch === stop) {
        this.next();
        return { text, words: words.finish(), parts: parts.parts };
      }
      if (ch === "'") {
        const quoted = this.processSingleQuote();
        text += quoted;
        words.addRaw(quoted);
        parts.add(quoted);
      } else if (ch === '"') {
        const quoted = this.processDoubleQuote();
        text += quoted.text;
        words.addRaw(quoted.text);
        parts.addAll(quoted.parts);
      } else if (ch === '$') {
        const start = this.pos;
        const value = this.processDollar();
        text += value;
        words.addString(value);
        if (this.keep && value !== '$') parts.addRaw(this.chars.slice(start, this.pos).join(''));
        else parts.add(value);
      } else {
        let c = this.next();
        if (c === this.escape) {
          c = this.next(); // the escape makes the next character literal; at the end it vanishes
          if (c === EOF) break;
          words.addRaw(c);
        } else words.addChar(c);
        text += c;
        parts.add(c);
      }
    }
    if (stop !== EOF) throw new ShellError(`unexpected end of statement while looking for matching ${stop}`);
    return { text, words: words.finish(), parts: parts.parts };
  }

  private processSingleQuote(): string {
    this.next();
    let text = '';
    for (;;) {
      const ch = this.next();
      if (ch === EOF) throw new ShellError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") return text;
      text += ch;
    }
  }

  private processDoubleQuote(): { text: string; parts: WordPart[] } {
    this.next();
    let text = '';
    const parts = new Parts();
    for (;;) {
      const ch = this.peek();
      if (ch === EOF) throw new ShellError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.next();
        return { text, parts: parts.parts };
      }
      if (ch === '$') {
        const start = this.pos;
        const value = this.processDollar();
        text += value;
        if (this.keep && value !== '$') parts.addRaw(this.chars.slice(start, this.pos).join(''));
        else parts.add(value);
        continue;
      }
      let c = this.next();
      if (c === this.escape) {
        const following = this.peek();
        if (following === EOF) continue; // an escape at the end of the word is dropped
        if (following === '"' || following === '$' || following === this.escape) c = this.next();
      }
      text += c;
      parts.add(c);
    }
  }

  private processDollar(): string {
    this.next(); // $
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      return this.env.get(name) ?? '';
    }
    this.next(); // {
    const first = this.peek();
    if (first === EOF) throw new ShellError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new ShellError('syntax error: bad substitution');
    const name = this.processName();
    const modifier = this.next();
    const value = this.env.get(name);
    switch (modifier) {
      case '}':
        return value ?? '';
      case '?': {
        const word = this.modifierWord();
        if (value === undefined) throw new ShellError(`${name}: ${word || 'is not allowed to be unset'}`);
        return value;
      }
      case ':': {
        const kind = this.next();
        const word = this.modifierWord();
        switch (kind) {
          case '+':
            return value ? word : '';
          case '-':
            return value ? value : word;
          case '?':
            if (value === undefined) throw new ShellError(`${name}: ${word || 'is not allowed to be unset'}`);
            if (value === '') throw new ShellError(`${name}: ${word || 'is not allowed to be empty'}`);
            return value;
          default:
            throw new ShellError(`unsupported modifier (${kind}) in substitution`);
        }
      }
      case '+':
        return value !== undefined ? this.modifierWord() : (this.modifierWord(), '');
      case '-': {
        const word = this.modifierWord();
        return value !== undefined ? value : word;
      }
      case '#':
      case '%': {
        const longest = this.peek() === modifier && (this.next(), true);
        const pattern = this.modifierWord();
        return trimPattern(value ?? '', pattern, modifier === '#', longest);
      }
      case '/': {
        const all = this.peek() === '/' && (this.next(), true);
        const spec = this.modifierWord();
        const slash = spec.indexOf('/');
        const pattern = slash === -1 ? spec : spec.slice(0, slash);
        const replacement = slash === -1 ? '' : spec.slice(slash + 1);
        return replacePattern(value ?? '', pattern, replacement, all);
      }
      default:
        throw new ShellError(`unsupported modifier (${modifier || 'EOF'}) in substitution`);
    }
  }

  /** The word after a modifier, up to the closing `}` (it may hold expansions of its own). */
  private modifierWord(): string {
    try {
      return this.processStopOn('}').text;
    } catch (error) {
      if (this.peek() === EOF) throw new ShellError("syntax error: missing '}'");
      throw error;
    }
  }

  private processName(): string {
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name === '' && isDigit(ch)) {
        while (isDigit(this.peek())) name += this.next();
        return name;
      }
      if (name === '' && SPECIAL_PARAMS.has(ch)) return this.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
  }
}

/** A shell glob as a regular expression body (`*`, `?`, `[...]`; the rest literal). */
function globToRegExp(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') out += '.*';
    else if (ch === '?') out += '.';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) out += '\\[';
      else {
        out +=
          '[' +
          pattern
            .slice(i + 1, end)
            .replace(/^!/, '^')
            .replace(/\\/g, '\\\\') +
          ']';
        i = end;
      }
    } else if (ch === '\\' && i + 1 < pattern.length) out += '\\' + pattern[++i];
    else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

function trimPattern(value: string, pattern: string, prefix: boolean, longest: boolean): string {
  const body = globToRegExp(pattern);
  const lazy = longest ? '' : '?';
  const re = prefix ? new RegExp(`^(${body.replace(/\.\*/g, `.*${lazy}`)})`, 's') : new RegExp(`(${body.replace(/\.\*/g, `.*${lazy}`)})$`, 's');
  if (prefix) return value.replace(re, '');
  // For a suffix, the shortest match is the one that starts latest.
  if (longest) return value.replace(re, '');
  for (let start = value.length; start >= 0; start--) {
    if (new RegExp(`^(?:${body})$`, 's').test(value.slice(start))) return value.slice(0, start);
  }
  return value;
}

function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string {
  if (pattern === '') return value;
  const re = new RegExp(globToRegExp(pattern), all ? 'gs' : 's');
  return value.replace(re, () => replacement);
}
