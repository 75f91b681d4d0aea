import { DockwrightError, type ErrorCode } from 'dockwright';

/** An error of the engine side; `code` is from the project's one map (packages/dockwright/src/errors/codes.ts). */
export function buildError(code: ErrorCode, message: string, cause?: unknown): DockwrightError {
  return new DockwrightError(code, message, cause === undefined ? undefined : { cause });
}
