/** How long a definitions file may take to load before it is stopped (--load-timeout). */
export const DEFAULT_LOAD_TIMEOUT = '30s';
