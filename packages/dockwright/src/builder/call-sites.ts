import type { SourceLocation } from '../ir/location.js';
import { captureCallSite, forgetRewrites, type SourcePosition } from './stack-frame.js';

/**
 * Where each builder call was made, without a stack capture per call.
 *
 * A stack capture costs microseconds, more than the rest of a builder call. Most definitions are
 * chains written out in the source (`from('node').workdir('/app').run('npm ci')`), so one capture
 * is enough for a whole chain: the first call of a chain captures its stack, the source file is
 * scanned once for calls and what is chained onto them, and every later call of the chain takes
 * its position from the scan. A call is taken from the scan only when the source chains a call of
 * that very name onto the receiver's own call; anything else (a stage kept in a variable and
 * extended later, a helper in another file, a call inside a `$apply` callback) captures its stack
 * and starts a new chain. The scan cannot be fooled by a value reached another way: a value it
 * follows is a temporary of the chain, which nothing but the chain's next call can reach, except
 * the callbacks of `$if`/`$apply`, which take no position. So positions are the ones a stack
 * capture would give, at a fraction of the cost (test/call-sites.test.ts compares both).
 *
 * The SDK reads no files itself (it runs anywhere): the scan needs the host to hand it a source
 * reader through `configureCallSites`. Without one, every call captures its own stack.
 */
export interface ChainLink {
  readonly name: string;
  readonly loc: SourceLocation | undefined;
  /** The call the source makes on this call's result (`.run(` after `from(...)`), if any. */
  readonly next: ChainLink | undefined;
}

/** How the builder learns its call sites: what the host (a CLI, a test, a script) can give it. */
export interface CallSiteOptions {
  /**
   * Reads a JavaScript or TypeScript source file by the path its stack frames name, or returns
   * undefined: with it, a chain of calls costs one stack capture (Node: `(file) => readFileSync(file, 'utf8')`).
   */
  readonly readSource?: ((file: string) => string | undefined) | undefined;
  /** Stack positions are source-mapped (Node's `--enable-source-maps` or `process.setSourceMapsEnabled(true)`). */
  readonly sourceMapped?: boolean | undefined;
  /** Capture every call's stack even with a reader, to compare with the scan. */
  readonly captureEveryCall?: boolean | undefined;
  /**
   * The position in a file's own text of a 1-based line and column in the code that runs as that
   * file, or undefined when they are the same: for a host that runs transformed code under the
   * file's own name, with the source maps itself (the dockwright CLI does this).
   */
  readonly mapPosition?: ((file: string, line: number, column: number) => { readonly line: number; readonly column: number } | undefined) | undefined;
}

let settings: CallSiteOptions = {};

/**
 * Sets how builder calls record where they were made, from now on: the options given replace
 * their earlier values, those left out keep them. Positions are the same either way; a source
 * reader makes them cheap.
 *
 * @example
 * configureCallSites({ readSource: (file) => readFileSync(file, 'utf8'), sourceMapped: process.sourceMapsEnabled });
 */
export function configureCallSites(options: CallSiteOptions): void {
  settings = { ...settings, ...options };
  scans.clear();
  rescanned.clear();
  forgetRewrites();
}

/**
 * The link of a call named `name` made on a value whose own call was `previous`: the link the
 * source chains there, or the call's captured site (`api` is the public function called).
 */
export function linkOf(previous: ChainLink | undefined, name: string, api: (...args: never[]) => unknown): ChainLink {
  const { readSource, captureEveryCall } = settings;
  const scanning = readSource !== undefined && captureEveryCall !== true;
  const next = previous?.next;
  if (next !== undefined && next.name === name && scanning) return next;
  return linkAtCapture(captureCallSite(api, settings.sourceMapped === true), name);
}

/** Whether stack positions come source-mapped (`configureCallSites`), for a capture made outside `linkOf`. */
export function capturesSourceMapped(): boolean {
  return settings.sourceMapped === true;
}

/** The link of a call named `name` whose frame was captured at `captured`: a chain's first link. */
export function linkAtCapture(captured: SourcePosition | undefined, name: string): ChainLink {
  const { readSource, captureEveryCall } = settings;
  const loc = mapped(captured);
  if (loc === undefined) return { name, loc, next: undefined };
  // A scanned link carries its own (frozen) location: the captured one only finds it.
  const scanned = readSource !== undefined && captureEveryCall !== true ? linkAt(loc, name, readSource) : undefined;
  return scanned ?? { name, loc: Object.freeze({ file: loc.file, line: loc.line, column: loc.column }), next: undefined };
}

/** A captured position taken back to the file's own text, when the host maps positions. */
function mapped(loc: SourcePosition | undefined): SourcePosition | undefined {
  const map = settings.mapPosition;
  if (loc === undefined || map === undefined) return loc;
  const original = map(loc.file, loc.line, loc.column);
  return original === undefined ? loc : { file: loc.file, line: original.line, column: original.column };
}

/** The link chained onto `previous` when it is a call named `name`, without capturing: for calls that record no position. */
export function followLink(previous: ChainLink | undefined, name: string): ChainLink | undefined {
  const next = previous?.next;
  return next !== undefined && next.name === name ? next : undefined;
}

interface Scan {
  readonly callsByLine: ReadonlyMap<number, readonly ChainLink[]>;
}

const scans = new Map<string, Scan>();
const rescanned = new Set<string>();

/** The scanned call at a captured position: same column (plain JavaScript), or the one call of that name on the line (transpiled code keeps lines, not columns). */
function linkAt(loc: SourcePosition, name: string, readSource: ReadSource): ChainLink | undefined {
  const found = findLink(scanOf(loc.file, readSource), loc, name);
  if (found !== undefined || rescanned.has(loc.file) || !scans.has(loc.file)) return found;
  // The file may have changed since it was scanned (a definitions file reloaded): scan it again, once.
  rescanned.add(loc.file);
  scans.delete(loc.file);
  return findLink(scanOf(loc.file, readSource), loc, name);
}

function findLink(scan: Scan, loc: SourcePosition, name: string): ChainLink | undefined {
  const calls = scan.callsByLine.get(loc.line);
  if (calls === undefined) return undefined;
  // One pass, nothing made: this runs at every from().
  let exact: ChainLink | undefined;
  let named: ChainLink | undefined;
  let namedCount = 0;
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!;
    if (exact === undefined && call.loc!.column === loc.column) exact = call;
    if (call.name === name) {
      named = call;
      namedCount++;
    }
  }
  if (exact !== undefined && exact.name === name) return exact;
  if (namedCount === 1) return named;
  // from() under another name (`import { from as image }`), in plain JavaScript.
  return name === 'from' ? exact : undefined;
}

const EMPTY_SCAN: Scan = { callsByLine: new Map() };

type ReadSource = NonNullable<CallSiteOptions['readSource']>;

function scanOf(file: string, readSource: ReadSource): Scan {
  let scan = scans.get(file);
  if (scan === undefined) {
    const source = readableSource(file, readSource);
    scan = source === undefined ? EMPTY_SCAN : scanCalls(source, file);
    scans.set(file, scan);
  }
  return scan;
}

/** Only files by path (not node:internal, <anonymous> or eval code); a reader that throws reads nothing. */
function readableSource(file: string, readSource: ReadSource): string | undefined {
  if (!/^(\/|[A-Za-z]:[\\/])/.test(file)) return undefined;
  try {
    return readSource(file);
  } catch {
    return undefined;
  }
}

interface Token {
  /** `i` identifier, `k` keyword that may precede a regular expression, `v` a value (string, number, regex), else the punctuator itself. */
  readonly type: string;
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** For `(`: the index of its `)`. */
  close?: number;
}

interface MutableLink {
  name: string;
  loc: SourceLocation;
  next: ChainLink | undefined;
}

/** Every call in a JavaScript or TypeScript source (`name(`), each with the call chained onto it (`).name(`). */
export function scanCalls(source: string, file: string): Scan {
  const tokens = tokenize(source);
  const links = new Map<number, MutableLink>(); // by the index of the name token
  for (let i = 0; i + 1 < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'i' && tokens[i + 1]!.type === '(') {
      links.set(i, { name: token.text, loc: Object.freeze({ file, line: token.line, column: token.column }), next: undefined });
    }
  }
  const callsByLine = new Map<number, ChainLink[]>();
  for (const [index, link] of links) {
    let after = tokens[index + 1]!.close;
    if (after !== undefined) {
      after++;
      if (tokens[after]?.type === '!') after++;
      const dot = tokens[after]?.type;
      if (dot === '.' || dot === '?.') link.next = links.get(after + 1);
    }
    const line = callsByLine.get(link.loc.line);
    if (line) line.push(link);
    else callsByLine.set(link.loc.line, [link]);
  }
  return { callsByLine };
}

const REGEX_AFTER_KEYWORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);
const IDENT_START = /[A-Za-z_$\u0080-\uffff#]/;
const IDENT_PART = /[\w$\u0080-\uffff]/;

/** A tokenizer good enough to find calls: strings, templates, comments and regular expressions are skipped whole. */
function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const opens: number[] = []; // indexes of open `(` tokens
  const braces: ('{' | '${')[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const push = (type: string, text: string, start: number): void => {
    tokens.push({ type, text, line, column: start - lineStart + 1 });
  };
  const newlinesIn = (from: number, to: number): void => {
    for (let j = from; j < to; j++) {
      if (source.charCodeAt(j) === 10) {
        line++;
        lineStart = j + 1;
      }
    }
  };
  const skipQuoted = (quote: string): void => {
    const start = i;
    i++;
    while (i < source.length && source[i] !== quote && source[i] !== '\n') i += source[i] === '\\' ? 2 : 1;
    i++;
    newlinesIn(start, i);
  };
  // From just after a backquote or a `}` that closes `${`: to the closing backquote, or into the next `${`.
  const skipTemplate = (start: number): void => {
    while (i < source.length) {
      const c = source[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        break;
      } else if (c === '$' && source[i + 1] === '{') {
        i += 2;
        braces.push('${');
        break;
      } else i++;
    }
    newlinesIn(start, i);
    push('v', '', start);
  };
  const regexAllowed = (): boolean => {
    const last = tokens[tokens.length - 1];
    if (last === undefined) return true;
    if (last.type === 'i') return REGEX_AFTER_KEYWORD.has(last.text);
    return !(last.type === 'v' || last.type === ')' || last.type === ']' || last.type === '}');
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
    } else if (c === ' ' || c === '\t' || c === '\r') i++;
    else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      newlinesIn(i, stop);
      i = stop;
    } else if (c === '"' || c === "'") {
      const start = i;
      skipQuoted(c);
      push('v', '', start);
    } else if (c === '`') {
      const start = i;
      i++;
      skipTemplate(start);
    } else if (IDENT_START.test(c)) {
      const start = i;
      i++;
      while (i < source.length && IDENT_PART.test(source[i]!)) i++;
      push('i', source.slice(start, i), start);
    } else if (c >= '0' && c <= '9') {
      const start = i;
      while (i < source.length && /[\w.]/.test(source[i]!)) i++;
      push('v', '', start);
    } else if (c === '/' && regexAllowed()) {
      const start = i;
      let inClass = false;
      i++;
      while (i < source.length && source[i] !== '\n') {
        const r = source[i];
        if (r === '\\') i++;
        else if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        i++;
      }
      i++;
      while (i < source.length && IDENT_PART.test(source[i]!)) i++;
      push('v', '', start);
    } else if (c === '?' && source[i + 1] === '.' && !(source[i + 2]! >= '0' && source[i + 2]! <= '9')) {
      push('?.', '?.', i);
      i += 2;
    } else if (c === '{') {
      braces.push('{');
      push('{', c, i++);
    } else if (c === '}') {
      if (braces.pop() === '${') {
        const start = i;
        i++;
        skipTemplate(start);
      } else push('}', c, i++);
    } else if (c === '(') {
      opens.push(tokens.length);
      push('(', c, i++);
    } else if (c === ')') {
      const open = opens.pop();
      if (open !== undefined) tokens[open]!.close = tokens.length;
      push(')', c, i++);
    } else push(c, c, i++);
  }
  return tokens;
}
