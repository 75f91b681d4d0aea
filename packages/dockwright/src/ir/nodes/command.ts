/** `RUN echo hi`: a string handed to the shell untouched. */
export interface ShellForm {
  readonly form: 'shell';
  /** What the shell gets: the lines joined as Docker joins continued lines. */
  readonly command: string;
  /**
   * The command as the lines a person wrote, printed with ` \` continuations. A line whose text
   * starts with `#` is a comment and an empty line is empty: Docker leaves both out of the command.
   */
  readonly lines?: readonly string[] | undefined;
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
  readonly heredoc?: Heredoc | undefined;
}

/** How a heredoc is written: its word (default `EOF`), and whether Docker expands `$` in the body (an unquoted word). */
export interface Heredoc {
  readonly delimiter?: string | undefined;
  readonly expand?: boolean | undefined;
}

export type CommandForm = ShellForm | ExecForm;

// Command forms are made plain: the builder's IR is frozen as it leaves it (`freezeTree`, once per
// toIR(), none in synth()), and the parser freezes the forms of its nodes (`frozenForm`).

export function shellForm(command: string): ShellForm {
  return { form: 'shell', command };
}

/** A command form as a parsed node holds it: frozen with what it holds, as every parsed node is. */
export function frozenForm<T extends CommandForm | ScriptForm>(form: T): T {
  // By shape rather than through freezeTree: the parser makes many, and this is what it did before.
  if (form.form === 'exec') Object.freeze(form.args);
  else if (form.form === 'shell') {
    if (form.lines !== undefined) Object.freeze(form.lines);
  } else if (form.heredoc !== undefined) Object.freeze(form.heredoc);
  return Object.freeze(form);
}

/** True for a line of a continued command that Docker leaves out: a comment, or an empty line. */
export function isSkippedLine(line: string): boolean {
  const text = line.trimStart();
  return text === '' || text.startsWith('#');
}

/**
 * A shell command written as lines. Docker removes each ` \` continuation (the space before it
 * stays) and leaves out comment and empty lines, so the shell gets the other lines joined by a space.
 */
export function shellLines(lines: readonly string[]): ShellForm {
  // Docker trims the command at both ends: so do the first and the last line.
  const kept = lines.slice();
  const last = kept.findLastIndex((line) => !isSkippedLine(line));
  if (kept.length > 0 && !isSkippedLine(kept[0]!)) kept[0] = kept[0]!.trimStart();
  if (last >= 0) kept[last] = kept[last]!.trimEnd();
  const command = kept.filter((line) => !isSkippedLine(line)).join(' ');
  // One line is no layout: the plain form, as a parser reads it back.
  if (kept.length === 1) return shellForm(command);
  return { form: 'shell', command, lines: kept };
}

export function execForm(args: readonly string[]): ExecForm {
  return { form: 'exec', args: args.slice() };
}

export function scriptForm(script: string, errexit: boolean, heredoc?: Heredoc): ScriptForm {
  return { form: 'script', script, errexit, ...(heredoc ? { heredoc: { ...heredoc } } : {}) };
}
