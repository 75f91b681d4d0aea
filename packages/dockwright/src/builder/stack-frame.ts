import type { SourceLocation } from '../ir/location.js';

/** V8's (Node, Chrome, Deno, Bun) stack API; other engines get no call sites. */
export const V8Error = Error as unknown as {
  stackTraceLimit: number;
  captureStackTrace?: (target: object, api?: (...args: never[]) => unknown) => void;
  prepareStackTrace?: (error: Error, frames: CallSite[]) => unknown;
};

interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
}

const framesAsIs = (_error: Error, frames: CallSite[]): CallSite[] => frames;

/**
 * The call site of `api` (the public function the user called), read from one stack frame.
 * It costs microseconds, so the builder calls it once per chain of calls, not once per call
 * (see call-sites.ts). V8's structured frames are read directly. Something may rewrite stack
 * positions when the stack is formatted (`sourceMapped`: Node maps them, as after
 * `process.setSourceMapsEnabled(true)`; or a `prepareStackTrace` hook such as source-map-support's):
 * then the formatted stack, which carries the rewritten positions, is read too, once per position.
 */
export function captureCallSite(api: (...args: never[]) => unknown, sourceMapped: boolean): SourcePosition | undefined {
  const capture = startCapture(sourceMapped);
  if (capture === undefined) return undefined;
  V8Error.captureStackTrace!(HOLDER, api);
  endCapture(capture);
  return capturedSite(capture, api);
}

/** A captured position; plain, as most are only looked up (call-sites.ts freezes the ones it keeps). */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Where captures go: one object for all, since V8 turns every new object a stack is captured into
 * a dictionary (an eighth of a capture's cost). A capture is read at once, before the next.
 */
export const HOLDER: { stack?: unknown } = {};

/**
 * The parts of `captureCallSite`, for a public function that captures its caller's frame itself
 * (`from()`, which starts every chain): `startCapture`, `V8Error.captureStackTrace(HOLDER, api)`
 * in the function's own body, `endCapture`, then `capturedSite` anywhere after, while `api` is
 * still on the stack. V8 reads back every frame from the capture to one past the caller's, and
 * each optimized one costs in proportion to what is live in it: so the capturing frame should
 * hold little (see from.ts).
 */
export interface Capture {
  readonly limit: number;
  /** Positions may be rewritten when the stack is formatted (a hook, or Node's source maps). */
  readonly rewritable: boolean;
}

/** Sets Error up to capture one frame; undefined on an engine without V8's stack API. */
export function startCapture(sourceMapped: boolean): Capture | undefined {
  if (typeof V8Error.captureStackTrace !== 'function') return undefined;
  const capture: Capture = { limit: V8Error.stackTraceLimit, rewritable: sourceMapped || rewritesPositions(V8Error.prepareStackTrace) };
  V8Error.stackTraceLimit = 1;
  return capture;
}

/** Puts Error's frame limit back as it was before `startCapture`. */
export function endCapture(capture: Capture): void {
  V8Error.stackTraceLimit = capture.limit;
}

/**
 * The position `HOLDER` holds from the last capture of `api`'s caller. V8 formats a stack when it
 * is first read, through `prepareStackTrace` as it is then: it is set to hand the frames over as
 * they are, for that one read. Where positions may be rewritten, the rewritten one is looked up.
 */
export function capturedSite(capture: Capture, api: (...args: never[]) => unknown): SourcePosition | undefined {
  const hook = V8Error.prepareStackTrace;
  V8Error.prepareStackTrace = framesAsIs;
  let frames: unknown;
  try {
    frames = HOLDER.stack;
  } finally {
    V8Error.prepareStackTrace = hook;
  }
  // A host that formats stacks without asking the hook: the stack is already formatted.
  if (!Array.isArray(frames)) return parseFrame(typeof frames === 'string' ? frames : undefined);
  const frame = (frames as CallSite[])[0];
  const file = frame?.getFileName();
  if (!frame || !file) return undefined;
  const line = frame.getLineNumber() ?? 0;
  const column = frame.getColumnNumber() ?? 0;
  if (!capture.rewritable) return { file: fileFromUrl(file), line, column };
  return rewrittenSite(file, line, column, api);
}

/**
 * What formatting makes of each position captured so far, by file and position. Formatting costs
 * more than the rest of a capture; a hook or a source map rewrites a position the same way each
 * time, and the answers are dropped when the hook changes (or `forgetRewrites`).
 */
const rewrites = new Map<string, Map<number, SourcePosition | null>>();
let rewritesHook: unknown;
let rewritesKept = 0;
const MAX_REWRITES_KEPT = 10_000;
const COLUMNS = 2 ** 26;

/** Drops what was learnt of rewritten positions (call-sites.ts does when the host's settings change). */
export function forgetRewrites(): void {
  rewrites.clear();
  rewritesKept = 0;
}

function rewrittenSite(file: string, line: number, column: number, api: (...args: never[]) => unknown): SourcePosition | undefined {
  if (V8Error.prepareStackTrace !== rewritesHook || rewritesKept >= MAX_REWRITES_KEPT) {
    forgetRewrites();
    rewritesHook = V8Error.prepareStackTrace;
  }
  const key = column < COLUMNS ? line * COLUMNS + column : -1;
  let inFile = rewrites.get(file);
  const known = key < 0 ? undefined : inFile?.get(key);
  if (known !== undefined) return known ?? undefined;
  const site = formattedSite(api);
  if (key >= 0) {
    if (inFile === undefined) rewrites.set(file, (inFile = new Map()));
    inFile.set(key, site ?? null);
    rewritesKept++;
  }
  return site;
}

/** The call site of `api` read from a formatted stack: a second capture, `api` still being on the stack. */
function formattedSite(api: (...args: never[]) => unknown): SourcePosition | undefined {
  const capture = startCapture(true)!; // a first capture was made: the stack API is there
  V8Error.captureStackTrace!(HOLDER, api);
  endCapture(capture);
  return parseFrame(typeof HOLDER.stack === 'string' ? HOLDER.stack : undefined);
}

/** Node 20 installs its own default hook, which rewrites nothing by itself. */
function rewritesPositions(hook: unknown): boolean {
  return hook !== undefined && (hook as { name?: string }).name !== 'ErrorPrepareStackTrace';
}

// `    at fn (/path/file.ts:12:4)`, `    at /path/file.ts:12:4`, `    at file:///path/file.ts:12:4`
const FRAME = /^\s*at (?:.*?\()?(.+?):(\d+):(\d+)\)?\s*$/;

/** Parses the first frame of a V8 stack string into a location. */
export function parseFrame(stack: string | undefined): SourceLocation | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n')) {
    const match = FRAME.exec(line);
    if (!match) continue;
    return Object.freeze({ file: fileFromUrl(match[1]!), line: Number(match[2]), column: Number(match[3]) });
  }
  return undefined;
}

// Calls come from a handful of files: the last one's path is kept.
let lastUrl = '';
let lastPath = '';

function fileFromUrl(file: string): string {
  if (!file.startsWith('file://')) return file;
  if (file === lastUrl) return lastPath;
  const path = decodeURIComponent(file.slice('file://'.length));
  lastUrl = file;
  // file:///C:/x on Windows
  lastPath = /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
  return lastPath;
}
