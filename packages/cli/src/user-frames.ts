import { createRequire } from 'node:module';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shortPath } from './report.js';
import { originalPosition } from './source-positions.js';

/**
 * Where in the user's own code something happened: the first stack frame that is not
 * dockwright's or a dependency's. Kept apart from loading definitions, so that bin.ts can report
 * what a definitions file left behind without loading the module runner or the SDK at start.
 */

/**
 * The SDK's package folder: its type declarations serve --typecheck, and frames in it are not the
 * user's (tests run the SDK from its sources there; the command bundles it into its own chunks).
 * Resolved when first asked, as that costs milliseconds.
 */
export function sdkDir(): string {
  sdkFolder ??= dirname(createRequire(import.meta.url).resolve('dockwright/package.json'));
  return sdkFolder;
}
let sdkFolder: string | undefined;
const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Thrown by bin.ts's process.exit while dockwright runs: a definitions file has no business ending the run. */
export class ExitCalled extends Error {
  constructor(readonly exitCode: number | string | null | undefined) {
    super(`process.exit(${exitCode ?? ''}) was called`);
    this.name = 'ExitCalled';
  }
}

/**
 * What a definitions file left behind after it loaded (a rejected promise nobody awaited, a throw
 * in a timer, a process.exit in a callback), at its line; without a frame of the user's, a bug of ours.
 */
export function describeUncaught(error: unknown, cwd: string, event: 'unhandledRejection' | 'uncaughtException'): string {
  const where = userFrame(error instanceof Error ? error.stack : undefined, cwd);
  if (error instanceof ExitCalled) {
    return `${where ?? 'the definitions file'}: the definitions file called process.exit(${error.exitCode ?? ''}): a definitions file only exports images; nothing it started was finished.`;
  }
  const message = error instanceof Error ? `${error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}` : String(error);
  if (where === undefined) {
    return `${message}\nThis is a bug in dockwright; please report it with this trace:\n${(error as Error)?.stack ?? ''}`;
  }
  const what =
    event === 'unhandledRejection'
      ? 'a promise of the definitions file was rejected and nothing handled it'
      : 'the definitions file threw outside its loading (in a callback)';
  return `${where}: ${what}: ${message}`;
}

const FRAME = /^\s*at (?:.*?\()?(?:file:\/\/)?(\/[^()]+?):(\d+):(\d+)\)?\s*$/;

/** The first stack frame in the user's files: not Node's, not a dependency's, not dockwright's. */
export function userFrame(stack: string | undefined, cwd: string): string | undefined {
  for (const line of stack?.split('\n') ?? []) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const path = match[1]!;
    if (path.includes(`${sep}node_modules${sep}`) || path.startsWith(sdkDir() + sep) || path.startsWith(CLI_DIR + sep)) continue;
    // The module runner's code: its position in the file's own text.
    const original = originalPosition(path, Number(match[2]), Number(match[3]));
    return `${shortPath(path, cwd)}:${original?.line ?? match[2]}:${original?.column ?? match[3]}`;
  }
  return undefined;
}
