import { loadDefinitions, type Definitions } from './definitions.js';
import { DEFAULT_LOAD_TIMEOUT } from './defaults.js';
import { parseDuration } from './duration.js';
import type { Io } from './io.js';
import { writeError } from './report.js';

/** The flags of every command that reads a definitions file. */
export interface DefinitionFlags {
  readonly file: string;
  readonly typecheck?: boolean;
  /** A duration; `0` waits for ever. */
  readonly loadTimeout?: string;
}

export { DEFAULT_LOAD_TIMEOUT };

/** Loads the definitions file the flags name; in the real process, one that hangs ends it with exit 2. */
export function loadFromFlags(flags: DefinitionFlags, io: Io): Promise<Definitions> {
  const timeoutMs = parseDuration(flags.loadTimeout ?? DEFAULT_LOAD_TIMEOUT, '--load-timeout');
  return loadDefinitions(flags.file, {
    cwd: io.cwd,
    typecheck: flags.typecheck,
    onHang: io.watchLoad && timeoutMs > 0 ? { watch: io.watchLoad, timeoutMs, report: (message) => writeError(io, message) } : undefined,
  });
}
