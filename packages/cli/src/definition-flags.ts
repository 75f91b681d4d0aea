import { DockwrightError } from 'dockwright';
import { loadDefinitions, type Definitions } from './definitions.js';
import type { Io } from './io.js';
import { writeError } from './report.js';

/** The flags of every command that reads a definitions file. */
export interface DefinitionFlags {
  readonly file: string;
  readonly typecheck?: boolean;
  /** A duration; `0` waits for ever. */
  readonly loadTimeout?: string;
}

export const DEFAULT_LOAD_TIMEOUT = '30s';

/** Loads the definitions file the flags name; in the real process, one that hangs ends it with exit 2. */
export function loadFromFlags(flags: DefinitionFlags, io: Io): Promise<Definitions> {
  const timeoutMs = parseDuration(flags.loadTimeout ?? DEFAULT_LOAD_TIMEOUT, '--load-timeout');
  return loadDefinitions(flags.file, {
    cwd: io.cwd,
    typecheck: flags.typecheck,
    onHang: io.ownsProcess && timeoutMs > 0 ? { timeoutMs, report: (message) => writeError(io, message) } : undefined,
  });
}

/** `90s`, `10m`, `1h30m`, or a number of seconds, in milliseconds. */
export function parseDuration(text: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === '') throw new DockwrightError('cli.usage', `${flag} ${text}: expected a duration such as 90s, 10m or 1h30m.`);
  return ((Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 1000;
}
