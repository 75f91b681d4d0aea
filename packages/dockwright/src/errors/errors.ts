import type { ErrorCode } from './codes.js';
import type { Diagnostic } from './diagnostic.js';

/** Base class of every error dockwright throws; `code` is stable, the message is for people. */
export class DockwrightError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Thrown by `synth()` when the validator reports errors: carries every diagnostic at once. */
export class SynthError extends DockwrightError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const lines = errors.map((d) => `  ${formatLocation(d)}${d.rule}: ${d.message}`);
    super('synth.invalid', `The image definition has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${lines.join('\n')}`);
    this.diagnostics = diagnostics;
  }
}

function formatLocation(d: Diagnostic): string {
  return d.loc ? `${d.loc.file}:${d.loc.line}:${d.loc.column} ` : '';
}

/** A Dockerfile that cannot be parsed: `file`, `line` (1-based) and what was expected. */
export class ParseError extends DockwrightError {
  readonly file: string;
  readonly line: number;

  constructor(message: string, file: string, line: number, code: 'parse.syntax' | 'parse.unsupported' = 'parse.syntax') {
    super(code, `${file}:${line}: ${message}`);
    this.file = file;
    this.line = line;
  }
}
