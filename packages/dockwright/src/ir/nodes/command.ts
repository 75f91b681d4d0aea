/** `RUN echo hi`: a string handed to the shell untouched. */
export interface ShellForm {
  readonly form: 'shell';
  readonly command: string;
}

/** `CMD ["redis-server"]`: arguments executed without a shell, printed as JSON. */
export interface ExecForm {
  readonly form: 'exec';
  readonly args: readonly string[];
}

/** A multi-line script printed as a heredoc (`RUN <<'EOF'`), with `set -e` unless `errexit` is off. */
export interface ScriptForm {
  readonly form: 'script';
  readonly script: string;
  readonly errexit: boolean;
}

export type CommandForm = ShellForm | ExecForm;

export function shellForm(command: string): ShellForm {
  return Object.freeze({ form: 'shell', command });
}

export function execForm(args: readonly string[]): ExecForm {
  return Object.freeze({ form: 'exec', args: Object.freeze(args.slice()) });
}

export function scriptForm(script: string, errexit: boolean): ScriptForm {
  return Object.freeze({ form: 'script', script, errexit });
}
