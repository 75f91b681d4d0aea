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
export function captureCallSite(api: (...args: never[]) => unknown, sourceMapped: boolean): SourceLocation | undefined {
  const capture = startCapture(sourceMapped);
  if (capture === undefined) return undefined;
  try {
    const holder: { stack?: unknown } = {};
    V8Error.captureStackTrace!(holder, api);
    return capturedSite(holder, capture);
  } finally {
    endCapture(capture);
  }
}

/**
 * The parts of `captureCallSite`, for a public function that captures its caller's frame itself
 * (`from()`, which starts every chain): start, `V8Error.captureStackTrace(holder, api)` in the
 * function's own body, read, end. Every frame between the capture and the user's code is one more
 * frame V8 reads back from optimized code: our helpers' frame was 8% of synthesizing an image.
 */
export interface Capture {
  readonly limit: number;
  readonly hook: V8ErrorType['prepareStackTrace'];
  /** V8's structured frames are read (else the formatted stack, with rewritten positions). */
  readonly structured: boolean;
}

type V8ErrorType = typeof V8Error;

/** Sets Error up to capture one frame; undefined on an engine without V8's stack API. */
export function startCapture(sourceMapped: boolean): Capture | undefined {
  if (typeof V8Error.captureStackTrace !== 'function') return undefined;
  const hook = V8Error.prepareStackTrace;
  const capture: Capture = { limit: V8Error.stackTraceLimit, hook, structured: !sourceMapped && !rewritesPositions(hook) };
  V8Error.stackTraceLimit = 1;
  if (capture.structured) V8Error.prepareStackTrace = framesAsIs;
  return capture;
}

/** The position held by a capture made into `holder`. */
export function capturedSite(holder: { stack?: unknown }, capture: Capture): SourceLocation | undefined {
  if (!capture.structured) return parseFrame(typeof holder.stack === 'string' ? holder.stack : undefined);
  const frame = (holder.stack as CallSite[] | undefined)?.[0];
  const file = frame?.getFileName();
  if (!frame || !file) return undefined;
  return Object.freeze({ file: fileFromUrl(file), line: frame.getLineNumber() ?? 0, column: frame.getColumnNumber() ?? 0 });
}

/** Puts Error's settings back as they were before `startCapture`. */
export function endCapture(capture: Capture): void {
  if (capture.structured) V8Error.prepareStackTrace = capture.hook;
  V8Error.stackTraceLimit = capture.limit;
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
