import { DockwrightError } from 'dockwright';

/** `90s`, `10m`, `1h30m`, or a number of seconds, in milliseconds. */
export function parseDuration(text: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
  if (!match || text === '') throw new DockwrightError('cli.usage', `${flag} ${text}: expected a duration such as 90s, 10m or 1h30m.`);
  return ((Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0)) * 60 + Number(match[3] ?? 0)) * 1000;
}
