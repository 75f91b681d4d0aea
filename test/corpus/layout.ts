/**
 * The layout of a Dockerfile as a person sees it, line by line: a parser directive, a blank line,
 * a comment (its text), an instruction, and for a RUN, CMD or ENTRYPOINT in shell form each line
 * it continues on. Read from the text alone, independently of dockwright's parser, so that a test
 * can hold an imported and re-synthesized file against the original.
 */
const DIRECTIVE = /^#\s*(syntax|escape|check)\s*=\s*(.*?)\s*$/i;

/**
 * The normalizations the README lists are applied to both sides: a directive is its name and
 * value, a comment its text; an instruction other than RUN, CMD and ENTRYPOINT in shell form is
 * one line however many it spans; `ARG a b` is two ARG lines.
 */
export function layoutOf(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let escape = '\\';
  let atTop = true;
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    const directive = atTop ? DIRECTIVE.exec(trimmed) : null;
    if (directive) {
      if (directive[1]!.toLowerCase() === 'escape') escape = directive[2]!;
      out.push(`directive ${directive[1]!.toLowerCase()}=${directive[2]}`);
      continue;
    }
    atTop = false;
    if (trimmed === '' || trimmed.startsWith('#')) {
      out.push(trimmed === '' ? 'blank' : `comment ${trimmed.slice(1).trim()}`);
      continue;
    }
    const keyword = trimmed.split(/\s+/)[0]!.toUpperCase();
    const rest = trimmed.slice(keyword.length).trim();
    const shell = ['RUN', 'CMD', 'ENTRYPOINT'].includes(keyword) && !/^(?:--\S+\s+)*\[/.test(rest) && !rest.includes('<<');
    const continued: string[] = [];
    let open = continues(lines[i]!, escape);
    while (open && i + 1 < lines.length) {
      const next = lines[++i]!;
      const skipped = next.trim() === '' || next.trim().startsWith('#');
      continued.push(skipped ? (next.trim() === '' ? 'blank in command' : `comment in command ${next.trim().slice(1).trim()}`) : 'command line');
      if (!skipped) open = continues(next, escape);
    }
    if (keyword === 'ARG' && continued.length === 0) {
      for (const _ of rest.match(/(?:[^\s"']|"[^"]*"|'[^']*')+/g) ?? []) out.push('ARG');
      continue;
    }
    out.push(keyword);
    if (shell) out.push(...continued);
  }
  return out;
}

/** A line ends in an odd run of escape characters (blanks may follow): the instruction goes on. */
function continues(line: string, escape: string): boolean {
  const body = line.replace(/[ \t]+$/, '');
  let run = 0;
  while (run < body.length && body[body.length - 1 - run] === escape) run++;
  return run % 2 === 1;
}

/**
 * What of a file's layout import cannot keep, when anything (README): a shell command line that
 * goes on without a blank before the escape character is joined with the next, and flags on
 * continuation lines of their own go to the instruction's first line.
 */
export function layoutNormalization(text: string): string | undefined {
  const lines = text.split(/\r?\n/).filter((line) => !line.trim().startsWith('#'));
  if (lines.some((line) => /[^\s\\`][\\`][ \t]*$/.test(line) && !/[\\`]{2}[ \t]*$/.test(line)))
    return 'a line continued without a blank before the escape character';
  if (lines.some((line, i) => i > 0 && /^\s*--[a-z]/.test(line) && /[\\`][ \t]*$/.test(lines[i - 1]!))) return 'flags on continuation lines';
  return undefined;
}

/** The layout without the lines of continued commands: where every comment, blank line and instruction stands. */
export function withoutCommandLines(layout: readonly string[]): string[] {
  return layout.filter(
    (line) => line !== 'command line' && !line.endsWith(' in command') && !line.startsWith('comment in command') && line !== 'blank in command',
  );
}
