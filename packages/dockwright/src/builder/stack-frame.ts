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
 * (see call-sites.ts). V8's structured frames are read directly, unless something rewrites stack
 * positions (`sourceMapped`: Node maps them, as after `process.setSourceMapsEnabled(true)`; or a
 * `prepareStackTrace` hook such as source-map-support's): then the formatted stack, which carries
 * the mapped positions, is parsed.
 */
export function captureCallSite(api: (...args: never[]) => unknown, sourceMapped: boolean): SourcePosition | undefined {
  const capture = startCapture(sourceMapped);
  if (capture === undefined) return undefined;
  V8Error.captureStackTrace!(HOLDER, api);
  endCapture(capture);
  return capturedSite(capture);
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
 * in the function's own body, `endCapture`, then `capturedSite` anywhere after. V8 reads back
 * every frame from the capture to one past the caller's, and each optimized one costs in
 * proportion to what is live in it: so the capturing frame should hold little (see from.ts).
 */
export interface Capture {
  readonly limit: number;
  /** V8's structured frames are read (else the formatted stack, with rewritten positions). */
  readonly structured: boolean;
}

/** Sets Error up to capture one frame; undefined on an engine without V8's stack API. */
export function startCapture(sourceMapped: boolean): Capture | undefined {
  if (typeof V8Error.captureStackTrace !== 'function') return undefined;
  const capture: Capture = { limit: V8Error.stackTraceLimit, structured: !sourceMapped && !rewritesPositions(V8Error.prepareStackTrace) };
  V8Error.stackTraceLimit = 1;
  return capture;
}

/** Puts Error's frame limit back as it was before `startCapture`. */
export function endCapture(capture: Capture): void {
  V8Error.stackTraceLimit = capture.limit;
}

/**
 * The position `HOLDER` holds from the last capture. V8 formats a stack when it is first read,
 * through `prepareStackTrace` as it is then: for structured frames it is set to hand them over
 * as they are, for that one read.
 */
export function capturedSite(capture: Capture): SourcePosition | undefined {
  if (!capture.structured) return parseFrame(typeof HOLDER.stack === 'string' ? HOLDER.stack : undefined);
  const hook = V8Error.prepareStackTrace;
  V8Error.prepareStackTrace = framesAsIs;
  let frames: unknown;
  try {
    frames = HOLDER.stack;
  } finally {
    V8Error.prepareStackTrace = hook;
  }
  const frame = (frames as CallSite[] | undefined)?.[0];
  const file = frame?.getFileName();
  if (!frame || !file) return undefined;
  return { file: fileFromUrl(file), line: frame.getLineNumber() ?? 0, column: frame.getColumnNumber() ?? 0 };
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
