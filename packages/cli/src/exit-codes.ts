import type { ErrorCode } from 'dockwright';

/** `0` success; `1` the work failed (invalid images, drift, a refused overwrite, a failed build); `2` the CLI could not do the work. */
export const ExitCode = { Ok: 0, Failed: 1, CouldNotRun: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const WORK_FAILED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'synth.invalid',
  'import.changesBuild',
  'output.handWritten',
  'output.otherDefinitions',
  'build.unsupported',
  'build.stepFailed',
  'push.failed',
]);

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): ExitCode {
  // By shape, not by class: the SDK stays unloaded until a command needs it (`--help` loads none).
  if (isCoded(error)) {
    return WORK_FAILED.has((error as { code: ErrorCode }).code) ? ExitCode.Failed : ExitCode.CouldNotRun;
  }
  return ExitCode.CouldNotRun;
}

/** An error with a dotted code (`synth.invalid`): dockwright's, whichever module made it. */
function isCoded(error: unknown): boolean {
  const code: unknown = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.includes('.');
}
