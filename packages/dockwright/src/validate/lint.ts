import type { CheckConfig } from '../ir/check-config.js';
import { ParseError } from '../errors/errors.js';
import { parse } from '../parse/to-ir.js';
import { checkSettings } from './config.js';
import type { Diagnostic } from '../errors/diagnostic.js';
import { dockwrightUrl } from './rule.js';
import { textRules } from './text-rules.js';
import { validate } from './validate.js';

export interface LintOptions {
  /** Overrides the file's `# check=` directive. */
  readonly check?: CheckConfig;
}

/**
 * Lints a hand-written Dockerfile: every validator rule, plus the checks only text can show.
 * A file that does not parse gets one `SyntaxError` diagnostic at the line that broke.
 * Diagnostics come sorted by line.
 */
export function lint(text: string, file = 'Dockerfile', options: LintOptions = {}): Diagnostic[] {
  let parsed;
  try {
    parsed = parse(text, file);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    const message = error.message.replace(`${error.file}:${error.line}: `, '');
    return [{ rule: 'SyntaxError', severity: 'error', message, url: dockwrightUrl('SyntaxError'), loc: { file, line: error.line, column: 1 } }];
  }
  const settings = checkSettings(parsed.ir.directives.check, options.check);
  const found: Diagnostic[] = [];
  for (const rule of textRules) {
    if (settings.skip === 'all' || settings.skip.has(rule.name)) continue;
    const severity = settings.error ? 'error' : rule.severity;
    rule.check(parsed.raw, (line, message) => found.push({ rule: rule.name, severity, message, url: rule.url, loc: { file, line, column: 1 } }));
  }
  found.push(...validate(parsed.ir, { ...options, origin: 'dockerfile' }));
  return found.sort((a, b) => (a.loc?.line ?? 0) - (b.loc?.line ?? 0));
}
