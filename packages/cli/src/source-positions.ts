import { SourceMap, type SourceMapPayload } from 'node:module';

/**
 * Where the code of a definitions file that runs came from. The module runner evaluates each file
 * as transformed JavaScript (types stripped, imports turned into calls) under the file's own path,
 * so a stack names the right file at the transformed code's lines and columns; these maps take a
 * position back to the file's own. Kept apart from the runner so that reading a stack (bin.ts's
 * report of an uncaught error) needs neither the runner nor the transformer.
 */

interface Positions {
  /** Lines of the wrapper above the transformed code. */
  readonly lineOffset: number;
  /** Source maps from the code that runs back to the file, the last one reaching the file. */
  readonly payloads: readonly SourceMapPayload[];
  /** Decoded on first use: most runs never read a position. */
  maps?: SourceMap[];
}

const byFile = new Map<string, Positions>();

/** Records how positions in the code that runs as `file` go back to `file` itself. */
export function registerPositions(file: string, lineOffset: number, payloads: readonly SourceMapPayload[]): void {
  byFile.set(file, { lineOffset, payloads });
}

/**
 * The position in `file` itself of a 1-based line and column in the code that runs as `file`, or
 * undefined for a file the runner did not load (then the position is the file's own already).
 */
export function originalPosition(file: string, line: number, column: number): { line: number; column: number } | undefined {
  const positions = byFile.get(file);
  if (positions === undefined) return undefined;
  positions.maps ??= positions.payloads.map((payload) => new SourceMap(payload));
  let at = { line: line - 1 - positions.lineOffset, column: column - 1 };
  for (const map of positions.maps) {
    const entry = map.findEntry(at.line, at.column);
    if (!('originalLine' in entry)) return undefined;
    at = { line: entry.originalLine, column: entry.originalColumn };
  }
  return { line: at.line + 1, column: at.column + 1 };
}
