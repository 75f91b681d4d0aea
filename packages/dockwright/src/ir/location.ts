/** Where a node came from: the user's call site for builder code, a line range for parsed files. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Last line, for nodes that came from a parsed file and span several lines. */
  readonly endLine?: number;
}

type StackHolder = { stack?: string };

/** V8's (Node, Chrome, Deno, Bun) stack API; other engines get no call sites. */
const V8Error = Error as ErrorConstructor & {
  stackTraceLimit: number;
  captureStackTrace?: (target: object, api?: (...args: never[]) => unknown) => void;
};

/**
 * Records the call site of `api` (the public function the user called) without formatting the
 * stack: V8 formats it only when `stack` is read, so the cost is paid only by the diagnostics
 * that are actually reported.
 */
export function captureCallSite(api: (...args: never[]) => unknown): SourceLocation | undefined {
  if (typeof V8Error.captureStackTrace !== 'function') return undefined;
  const holder: StackHolder = {};
  const limit = V8Error.stackTraceLimit;
  V8Error.stackTraceLimit = 1;
  V8Error.captureStackTrace(holder, api);
  V8Error.stackTraceLimit = limit;
  return new CallSiteLocation(holder);
}

const UNKNOWN = Object.freeze({ file: '<unknown>', line: 0, column: 0 });

/** A SourceLocation whose fields are parsed from a captured stack on first read. */
class CallSiteLocation implements SourceLocation {
  #holder: StackHolder | undefined;
  #parsed: SourceLocation | undefined;

  constructor(holder: StackHolder) {
    this.#holder = holder;
    Object.freeze(this);
  }

  get file(): string {
    return this.#resolve().file;
  }
  get line(): number {
    return this.#resolve().line;
  }
  get column(): number {
    return this.#resolve().column;
  }

  toJSON(): SourceLocation {
    return { ...this.#resolve() };
  }

  #resolve(): SourceLocation {
    if (this.#parsed === undefined) {
      this.#parsed = parseFrame(this.#holder?.stack) ?? UNKNOWN;
      this.#holder = undefined;
    }
    return this.#parsed;
  }
}

// `    at fn (/path/file.ts:12:4)`, `    at /path/file.ts:12:4`, `    at file:///path/file.ts:12:4`
const FRAME = /^\s*at (?:.*?\()?(.+?):(\d+):(\d+)\)?\s*$/;

/** Parses the first frame of a V8 stack string into a location. */
export function parseFrame(stack: string | undefined): SourceLocation | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n')) {
    const match = FRAME.exec(line);
    if (!match) continue;
    return { file: fileFromUrl(match[1]!), line: Number(match[2]), column: Number(match[3]) };
  }
  return undefined;
}

function fileFromUrl(file: string): string {
  if (!file.startsWith('file://')) return file;
  const path = decodeURIComponent(file.slice('file://'.length));
  // file:///C:/x on Windows
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}
