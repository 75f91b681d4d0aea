import type { WatchLoad } from './load-watchdog.js';

/** Everything the program touches outside itself; bin.ts passes the real process, tests pass fakes. */
export interface Io {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Output;
  readonly stderr: Output;
  /** Aborted on Ctrl-C: long work (builds, pushes) cancels and the command exits 130. */
  readonly signal?: AbortSignal | undefined;
  /**
   * The real process only (bin.ts gives it): stops a definitions file that hangs while it loads
   * and ends the process with exit 2, which must never happen to a caller running in-process.
   */
  readonly watchLoad?: WatchLoad | undefined;
}

export interface Output {
  write(text: string): void;
  readonly isTTY?: boolean | undefined;
  /** The terminal's stream, for a view that redraws itself (the build's live view): columns, rows, cursor moves. */
  readonly stream?: (() => NodeJS.WriteStream) | undefined;
}

/** Colour only for a terminal, and never when NO_COLOR is set (FORCE_COLOR forces it). */
export function useColor(io: Io, output: Output): boolean {
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  return output.isTTY === true;
}
