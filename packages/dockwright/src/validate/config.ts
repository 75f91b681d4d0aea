import type { CheckConfig } from '../ir/check-config.js';

/** The effective lint configuration: rules to skip, and whether warnings count as errors. */
export interface CheckSettings {
  readonly skip: ReadonlySet<string> | 'all';
  readonly error: boolean;
}

/**
 * Parses BuildKit's `# check=skip=A,B;error=true` directive value.
 * Unknown keys are reported, as BuildKit does.
 */
export function parseCheckDirective(value: string): { config: CheckConfig; problem?: string } {
  let skip: string[] | 'all' | undefined;
  let error: boolean | undefined;
  for (const part of value.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    const key = (eq === -1 ? trimmed : trimmed.slice(0, eq)).trim().toLowerCase();
    const val = eq === -1 ? '' : trimmed.slice(eq + 1).trim();
    if (key === 'skip') {
      skip =
        val.toLowerCase() === 'all'
          ? 'all'
          : val
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
    } else if (key === 'error') {
      if (val !== 'true' && val !== 'false') return { config: {}, problem: `error must be true or false, not ${JSON.stringify(val)}` };
      error = val === 'true';
    } else {
      return { config: {}, problem: `unknown key ${JSON.stringify(key)} (expected skip or error)` };
    }
  }
  return { config: { ...(skip !== undefined && { skip }), ...(error !== undefined && { error }) } };
}

/** Merges the file's directive with options given in code (code wins). */
export function checkSettings(directive: string | undefined, override: CheckConfig | undefined): CheckSettings {
  const fromFile = directive === undefined ? {} : parseCheckDirective(directive).config;
  const skip = override?.skip ?? fromFile.skip;
  return {
    skip: skip === 'all' ? 'all' : new Set(skip ?? []),
    error: override?.error ?? fromFile.error ?? false,
  };
}
