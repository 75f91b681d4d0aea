import { homedir } from 'node:os';
import { join } from 'node:path';

/** How long a definitions file may take to load before it is stopped (--load-timeout). */
export const DEFAULT_LOAD_TIMEOUT = '30s';

/** dockwright's cache folder: `$XDG_CACHE_HOME/dockwright`, else `~/.cache/dockwright`. */
export function cacheHome(env: Readonly<Record<string, string | undefined>>): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'dockwright');
}
