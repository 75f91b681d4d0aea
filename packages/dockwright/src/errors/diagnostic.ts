import type { SourceLocation } from '../ir/location.js';

export type Severity = 'error' | 'warning';

/** One problem found by a rule, pointing at the user's code. */
export interface Diagnostic {
  /** The rule's PascalCase name, e.g. `MultipleInstructionsDisallowed`. */
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  /** Documentation of the rule. */
  readonly url: string;
  /** The builder call site, or the line range in a parsed file. */
  readonly loc: SourceLocation | undefined;
}

/** `images.ts:12:4 error MultipleInstructionsDisallowed: message (url)` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.column} ` : '';
  return `${where}${d.severity} ${d.rule}: ${d.message} (${d.url})`;
}
