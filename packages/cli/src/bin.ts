#!/usr/bin/env node
// The only file that touches `process` (with load-watchdog.ts, which it hands over): everything
// else gets an Io.
import { Console } from 'node:console';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enableCompileCache } from './compile-cache.js';
import { importModule } from './import-module.js';
import { cacheHome } from './defaults.js';
import { describeUncaught, ExitCalled } from './user-frames.js';
import { watchLoad } from './load-watchdog.js';
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

// Definitions files run in this process: what they print goes to stderr, so that stdout carries
// only what dockwright prints (a Dockerfile, JSON) and `dockwright synth > Dockerfile` stays whole.
// dockwright itself writes through the Io's stdout, never through console or process.stdout.
const writeStdout = process.stdout.write.bind(process.stdout);
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

// A definitions file that calls process.exit() would end the run with its code, `synth --check`
// reporting success without checking anything: it is an error, reported at its line.
process.exit = ((code?: number | string | null) => {
  throw new ExitCalled(code);
}) as typeof process.exit;

// A reader that stops early (`dockwright ls | head -1`) ends the command quietly, as SIGPIPE ends
// the docker CLI: exit 141 (128 + SIGPIPE), no stack trace.
const EXIT_BROKEN_PIPE = 141;
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    exit(EXIT_BROKEN_PIPE);
  });
}

// What a definitions file leaves behind (a rejected promise nobody awaited, a throw in a timer, an
// exit in a callback) is reported at its line with exit 2, never as a raw stack of ours.
for (const event of ['unhandledRejection', 'uncaughtException'] as const) {
  process.on(event, (error: unknown) => {
    writeError({ cwd, env: process.env, stdout: process.stdout, stderr: process.stderr }, describeUncaught(error, cwd, event));
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
    const { readFileSync } = await importModule<typeof import('node:fs')>('node:fs');
    writeStdout(`${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version}\n`);
    exit(0);
  }
  const { run } = await import('./program.js');
  process.exitCode = await run(argv, {
    cwd,
    env: process.env,
    stdout: {
      write: (text: string) => void writeStdout(text),
      get isTTY() {
        return process.stdout.isTTY;
      },
    },
    stderr: process.stderr,
    get signal() {
      return interruptSignal();
    },
    watchLoad,
  });
}

void main(process.argv.slice(2));
