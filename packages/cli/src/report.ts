import { isAbsolute, relative } from 'node:path';
import { styleText } from 'node:util';
import type { Diagnostic } from 'dockwright';
import { useColor, type Io } from './io.js';

type Style = Parameters<typeof styleText>[0];

/** Paints text when colour is on; identity otherwise. */
export type Paint = (style: Style, text: string) => string;

export function painter(color: boolean): Paint {
  return color ? (style, text) => styleText(style, text) : (_style, text) => text;
}

/** `dockwright: <message>` on stderr: how every command that could not do its work ends. */
export function writeError(io: Io, message: string): void {
  const paint = painter(useColor(io, io.stderr));
  io.stderr.write(`${paint(['bold', 'red'], 'dockwright:')} ${printable(message)}\n`);
}

/**
 * Messages quote the user's files, which may hold anything: control characters (a terminal's
 * escape sequences among them) print as `\x1b`, so a file cannot drive the terminal that reads
 * about it. Newlines and tabs stay.
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `images.ts:12:4 error MultipleInstructionsDisallowed: message` and the rule's URL, as compilers print. */
export function formatDiagnostic(d: Diagnostic, cwd: string, paint: Paint, lineOnly = false): string {
  const position = d.loc ? (lineOnly ? `${d.loc.line}` : `${d.loc.line}:${d.loc.column}`) : '';
  const where = d.loc ? `${shortPath(d.loc.file, cwd)}:${position} ` : '';
  const severity = d.severity === 'error' ? paint(['bold', 'red'], 'error') : paint(['bold', 'yellow'], 'warning');
  return `${paint('bold', where)}${severity} ${paint('bold', d.rule)}: ${printable(d.message)}\n  ${paint('dim', d.url)}`;
}

/** A diagnostic as JSON, with its location relative to the working folder. */
export function diagnosticJson(d: Diagnostic, image: string, cwd: string): Record<string, unknown> {
  return {
    image,
    rule: d.rule,
    severity: d.severity,
    message: d.message,
    url: d.url,
    loc: d.loc ? { file: shortPath(d.loc.file, cwd), line: d.loc.line, column: d.loc.column } : null,
  };
}

/** "1 error", "2 warnings" */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A path as the user would type it from `cwd`: relative inside it, absolute outside (no `../../..`). */
export function shortPath(file: string, cwd: string): string {
  if (!isAbsolute(file)) return file;
  const inside = relative(cwd, file);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? file : inside;
}
