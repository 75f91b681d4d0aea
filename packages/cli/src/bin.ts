#!/usr/bin/env node
// The only file that touches `process` (with load-watchdog.ts, which it hands over): everything
// else gets an Io.
import { Console } from 'node:console';
import { fstatSync, readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enableCompileCache } from './compile-cache.js';
import { cacheHome } from './defaults.js';
import { describeUncaught, ExitCalled } from './user-frames.js';
import { watchLoad } from './load-watchdog.js';
import type { Output } from './io.js';
import { writeError } from './report.js';

// Before any other chunk loads: V8 reads back the code it compiled for them last time.
enableCompileCache({
  distDir: dirname(fileURLToPath(import.meta.url)),
  cacheRoot: join(cacheHome(process.env), 'v8'),
  node: process,
  onExit: (listener) => process.once('exit', listener),
});

// `pnpm dockwright ...` runs in the workspace root; the user meant the folder they typed it in.
const cwd = process.env.npm_lifecycle_event === 'dockwright' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();

// dockwright's own way out; a definitions file's process.exit() is trapped below.
const exit = process.exit.bind(process);

// A reader that stops early (`dockwright ls | head -1`) ends the command quietly, as SIGPIPE ends
// the docker CLI: exit 141 (128 + SIGPIPE), no stack trace.
const EXIT_BROKEN_PIPE = 141;

// Standard output and error are written with write(2), as Node's own streams write them on Linux
// (synchronously): making those streams loads node:stream and node:net, 5 to 9 ms of a short run.
// They are made only when something asks for them: a definitions file that prints, a warning of
// Node's, the build's live view; from then on dockwright writes through them too, in order.
const nodeStderr = Object.getOwnPropertyDescriptor(process, 'stderr')!.get!;
let stderrStream: NodeJS.WriteStream | undefined;
function stderrOnce(): NodeJS.WriteStream {
  if (stderrStream === undefined) {
    stderrStream = nodeStderr.call(process) as NodeJS.WriteStream;
    stderrStream.on('error', (error: NodeJS.ErrnoException) => {
      if (!readerGone(error)) throw error;
      exit(EXIT_BROKEN_PIPE);
    });
  }
  return stderrStream;
}
// Definitions files run in this process: what they print goes to stderr, so that stdout carries
// only what dockwright prints (a Dockerfile, JSON) and `dockwright synth > Dockerfile` stays whole.
// dockwright itself writes through the Io, never through console or process.stdout.
Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get: stderrOnce });
Object.defineProperty(process, 'stderr', { configurable: true, enumerable: true, get: stderrOnce });
let definitionsConsole: Console | undefined;
Object.defineProperty(globalThis, 'console', {
  configurable: true,
  get: () => (definitionsConsole ??= new Console({ stdout: stderrOnce(), stderr: stderrOnce() })),
});

/** The reader of a pipe has gone: EPIPE, or ECONNRESET when Node's pipe is a socket and the reader closed it with data unread. */
function readerGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EPIPE' || code === 'ECONNRESET';
}

/** All of `text` on a file descriptor, waiting out a descriptor that would block; a closed pipe ends the run. */
function writeAll(fd: 1 | 2, text: string): void {
  if (fd === 2 && stderrStream !== undefined) {
    stderrStream.write(text);
    return;
  }
  const bytes = Buffer.from(text, 'utf8');
  for (let offset = 0; offset < bytes.length; ) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (readerGone(error)) exit(EXIT_BROKEN_PIPE);
      if (code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); // a full non-blocking pipe: try again shortly
    }
  }
}

/** Whether a descriptor is a terminal: a file or a pipe is found without loading node:tty (and its streams). */
function isTerminal(fd: 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(fd);
}

const stdout: Output = {
  write: (text) => writeAll(1, text),
  get isTTY() {
    return isTerminal(1);
  },
};
const stderr: Output = {
  write: (text) => writeAll(2, text),
  get isTTY() {
    return isTerminal(2);
  },
  stream: stderrOnce,
};

// A definitions file that calls process.exit() would end the run with its code, `synth --check`
// reporting success without checking anything: it is an error, reported at its line.
process.exit = ((code?: number | string | null) => {
  throw new ExitCalled(code);
}) as typeof process.exit;

// What a definitions file leaves behind (a rejected promise nobody awaited, a throw in a timer, an
// exit in a callback) is reported at its line with exit 2, never as a raw stack of ours.
for (const event of ['unhandledRejection', 'uncaughtException'] as const) {
  process.on(event, (error: unknown) => {
    writeError({ cwd, env: process.env, stdout, stderr }, describeUncaught(error, cwd, event));
    exit(2);
  });
}

// Ctrl-C cancels builds in flight (the command then exits 130); a second Ctrl-C quits at once.
// The handler is installed only when a command first asks for the signal (when long work starts):
// until then Ctrl-C keeps its default effect, which also stops a definitions file that loops.
let interrupt: AbortController | undefined;
function interruptSignal(): AbortSignal {
  if (interrupt === undefined) {
    const controller = new AbortController();
    process.on('SIGINT', () => {
      if (controller.signal.aborted) exit(130);
      controller.abort();
    });
    interrupt = controller;
  }
  return interrupt.signal;
}

// The program (commander and the commands' options) is loaded once it is known to be needed:
// `dockwright --version` answers from package.json alone, as fast as Node starts.
async function main(argv: readonly string[]): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    stdout.write(`${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version}\n`);
    exit(0);
  }
  const { run } = await import('./program.js');
  process.exitCode = await run(argv, {
    cwd,
    env: process.env,
    stdout,
    stderr,
    get signal() {
      return interruptSignal();
    },
    watchLoad,
  });
}

void main(process.argv.slice(2));
