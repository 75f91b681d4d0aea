import { loadDefinitions, type Definitions } from './definitions.js';
import type { Io } from './io.js';
import { writeError } from './report.js';

/** The flags of every command that reads a definitions file. */
export interface DefinitionFlags {
  readonly file: string;
  readonly typecheck?: boolean;
  /** Milliseconds (`--load-timeout`, parsed at the door); 0 waits for ever. */
  readonly loadTimeout: number;
}

/** Loads the definitions file the flags name; in the real process, one that hangs ends it with exit 2. */
export function loadFromFlags(flags: DefinitionFlags, io: Io): Promise<Definitions> {
  const timeoutMs = flags.loadTimeout;
  return loadDefinitions(flags.file, {
    cwd: io.cwd,
    typecheck: flags.typecheck,
    env: io.env,
    onHang: io.watchLoad && timeoutMs > 0 ? { watch: io.watchLoad, timeoutMs, report: (message) => writeError(io, message) } : undefined,
  });
}
