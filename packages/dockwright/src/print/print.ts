import type {
  AddNode,
  AnyInstructionKind,
  AnyInstructionNode,
  CommandForm,
  CopyFields,
  DockerfileNode,
  KeyValue,
  Mount,
  NodeOfKind,
  Heredoc,
  RunNode,
  ShellForm,
  TriviaNode,
} from '../ir/nodes/index.js';
import { isSkippedLine } from '../ir/nodes/index.js';
import { trimmed, type Text } from '../ir/text.js';
import {
  commentProblem,
  copyOperandProblem,
  inlineDestinationProblem,
  heredocBodyProblem,
  directiveLookalikeProblem,
  execArgsProblem,
  flagValueProblem,
  heredocDelimiterProblem,
  labelKeyProblem,
  linesProblem,
  longLine,
  mountProblem,
  MAX_LINE_BYTES,
  onbuildTriggerProblem,
  portProblem,
  runCommandProblem,
  shellFormProblem,
  wordProblem,
  type EscapeChar,
} from '../ir/encodability.js';
import { flagValue, hasWhitespace, isPlainWord, jsonArray, jsonWord, unencodable, word } from './quote.js';

export interface PrintContext {
  readonly escape: EscapeChar;
}

type Printer<K extends AnyInstructionKind> = (node: NodeOfKind<K>, ctx: PrintContext) => string;

/**
 * Prints a Dockerfile IR as Dockerfile text: directives, global ARGs, then each stage, separated
 * by blank lines. The same IR always prints the same bytes. Values are encoded so Docker reads
 * back exactly what the IR holds; a value that cannot be encoded throws `synth.unencodable`
 * (the validator reports those first, with the user's call site).
 *
 * @example
 * print(from('alpine').run('apk add redis').cmd(['redis-server']).toIR())
 * // FROM alpine\nRUN apk add redis\nCMD ["redis-server"]\n
 */
export function print(file: DockerfileNode): string {
  return printFile(file, undefined);
}

/** An instruction as printed: its text (all its lines), first line number, and where it came from. */
export interface PrintedStep {
  readonly text: string;
  /** 1-based line of the instruction in the printed file. */
  readonly line: number;
  readonly node: AnyInstructionNode;
  /** Index of its stage, or -1 for a global ARG. */
  readonly stage: number;
}

/**
 * `print()`, plus every instruction with its line: lets the engine side map a failing build
 * step back to the instruction, and so to the user's call site.
 */
export function printWithSteps(file: DockerfileNode): { readonly text: string; readonly steps: readonly PrintedStep[] } {
  const steps: PrintedStep[] = [];
  const text = printFile(file, steps);
  return { text, steps };
}

/** The file's text; the instructions' steps too when `steps` is given (only then are lines counted). */
function printFile(file: DockerfileNode, steps: PrintedStep[] | undefined): string {
  const ctx: PrintContext = { escape: file.directives.escape ?? '\\' };
  const out = new Printed(ctx, steps);
  const directives = printDirectives(file);
  if (directives) out.add(directives);
  const globalArgs = file.globalArgs;
  for (let index = 0; index < globalArgs.length; index++) {
    const arg = globalArgs[index]!;
    if (index === 0) out.separate(arg.before);
    else if (arg.before) for (const node of arg.before) out.add(printInstruction(node, ctx));
    out.instruction(arg, -1);
  }
  const stages = file.stages;
  for (let index = 0; index < stages.length; index++) {
    const stage = stages[index]!;
    out.separate(stage.from.before);
    out.instruction(stage.from, index);
    const instructions = stage.instructions;
    for (let i = 0; i < instructions.length; i++) out.instruction(instructions[i]!, index);
  }
  const text = out.text === '' ? '\n' : out.text;
  const long = longLine(text);
  if (long) throw unencodable(`Line ${long.line}`, `is ${long.bytes} bytes long; Docker reads lines of up to ${MAX_LINE_BYTES} bytes`);
  return text;
}

/**
 * The text of a file being printed, each part (which may hold several lines) ended by a newline.
 * Concatenated as it goes, as JavaScript builds a string: V8 keeps the pieces and copies them
 * once, when the text is first read (joining an array of the parts copied them here, a quarter
 * of the printer's time).
 */
class Printed {
  text = '';
  /** Lines so far, counted only for steps. */
  private lines = 0;

  constructor(
    private readonly ctx: PrintContext,
    private readonly steps: PrintedStep[] | undefined,
  ) {}

  add(part: string): void {
    this.text += part;
    this.text += '\n';
    if (this.steps !== undefined) this.lines += lineCount(part);
  }

  instruction(node: AnyInstructionNode, stage: number): void {
    const text = printInstruction(node, this.ctx);
    if (this.steps !== undefined && node.kind !== 'comment' && node.kind !== 'blank') this.steps.push({ text, line: this.lines + 1, node, stage });
    this.add(text);
  }

  /** What comes before a section: the lines it says, else one blank line after whatever came first. */
  separate(before: readonly TriviaNode[] | undefined): void {
    if (before === undefined) {
      if (this.text !== '') this.add('');
      return;
    }
    const first = this.text === '';
    for (const node of before) this.add(printInstruction(node, this.ctx));
    if (first) refuseDirectiveLookalike(before);
  }
}

function lineCount(text: string): number {
  let count = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/**
 * A comment at the very top of a file that reads like a parser directive (`# escape=\``) would be
 * one: BuildKit reads directives until the first line that is not one.
 */
function refuseDirectiveLookalike(before: readonly TriviaNode[]): void {
  const first = before[0];
  if (first?.kind !== 'comment') return;
  const problem = directiveLookalikeProblem(first.text);
  if (problem) throw unencodable('The comment at the top of the file', problem);
}

function printDirectives(file: DockerfileNode): string {
  const { syntax, escape, check } = file.directives;
  if (syntax === undefined && escape === undefined && check === undefined) return '';
  const lines: string[] = [];
  if (syntax !== undefined) lines.push(`# syntax=${directiveValue(syntax)}`);
  if (escape !== undefined) lines.push(`# escape=${escape}`);
  if (check !== undefined) lines.push(`# check=${directiveValue(check)}`);
  return lines.join('\n');
}

function directiveValue(value: string): string {
  if (/[\n\r\0]/.test(value)) throw unencodable('A parser directive value', 'contains a line break or NUL');
  return value;
}

export function printInstruction(node: AnyInstructionNode, ctx: PrintContext): string {
  return (printers[node.kind] as Printer<typeof node.kind>)(node as never, ctx);
}

const printers: { [K in AnyInstructionKind]: Printer<K> } = {
  from: (node, ctx) => {
    const platform = node.platform === undefined ? '' : `--platform=${checkedFlag(node.platform, ctx, 'The FROM --platform value')} `;
    const name = node.name === undefined ? '' : ` AS ${node.name}`;
    return `FROM ${platform}${checkedWord(node.image, ctx, 'The FROM image')}${name}`;
  },
  run: (node, ctx) => {
    if (node.mounts.length === 0 && !node.network && !node.security) return `RUN ${printRunCommand(node, ctx)}`;
    const flags = [
      ...node.mounts.map((m) => `--mount=${printMount(m, ctx)}`),
      ...(node.network ? [`--network=${node.network}`] : []),
      ...(node.security ? [`--security=${node.security}`] : []),
    ];
    return `RUN ${flags.map((f) => f + ' ').join('')}${printRunCommand(node, ctx)}`;
  },
  cmd: (node, ctx) => `CMD ${printCommand(node.command, ctx, 'The CMD command')}`,
  entrypoint: (node, ctx) => `ENTRYPOINT ${printCommand(node.command, ctx, 'The ENTRYPOINT command')}`,
  healthcheck: (node, ctx) => {
    if (node.test === undefined) return 'HEALTHCHECK NONE';
    const flags: string[] = [];
    if (node.interval !== undefined) flags.push(`--interval=${node.interval}`);
    if (node.timeout !== undefined) flags.push(`--timeout=${node.timeout}`);
    if (node.startPeriod !== undefined) flags.push(`--start-period=${node.startPeriod}`);
    if (node.startInterval !== undefined) flags.push(`--start-interval=${node.startInterval}`);
    if (node.retries !== undefined) flags.push(`--retries=${node.retries}`);
    return `HEALTHCHECK ${flags.map((f) => f + ' ').join('')}CMD ${printCommand(node.test, ctx, 'The HEALTHCHECK command')}`;
  },
  shell: (node) => `SHELL ${checkedJsonArray(node.args, 'The SHELL array')}`,
  stopsignal: (node, ctx) => `STOPSIGNAL ${checkedWord(node.signal, ctx, 'The STOPSIGNAL signal')}`,
  user: (node, ctx) => {
    const user = checkedWord(node.user, ctx, 'The USER name');
    return node.group === undefined ? `USER ${user}` : `USER ${user}:${checkedWord(node.group, ctx, 'The USER group')}`;
  },
  workdir: (node, ctx) => `WORKDIR ${checkedWord(node.path, ctx, 'The WORKDIR path')}`,
  volume: (node, ctx) => {
    // Plain words need neither checks nor escapes: as JSON they are themselves in quotes.
    if (node.paths.length > 0 && node.paths.every(isPlainWord)) return `VOLUME ${jsonArray(node.paths)}`;
    for (const path of node.paths) checkWord(path, ctx, 'A VOLUME path');
    return `VOLUME ${printPaths(node.paths, ctx, true)}`;
  },
  expose: (node, ctx) => `EXPOSE ${spaced(node.ports, (port) => checkedPort(port, ctx))}`,
  env: (node, ctx) => `ENV ${printPairs(node.pairs, ctx, 'ENV')}`,
  label: (node, ctx) => `LABEL ${printPairs(node.pairs, ctx, 'LABEL')}`,
  arg: (node, ctx) => {
    if (node.default === undefined) return `ARG ${node.name}`;
    if (isPlainWord(node.default)) return `ARG ${node.name}=${node.default}`;
    const problem = wordProblem(node.default, ctx.escape);
    if (problem) throw unencodable(`The default of ARG ${node.name}`, problem);
    return `ARG ${node.name}=${word(node.default, ctx.escape)}`;
  },
  onbuild: (node, ctx) => {
    const problem = onbuildTriggerProblem(node.trigger);
    if (problem) throw unencodable('The ONBUILD trigger', problem);
    return `ONBUILD ${printInstruction(node.trigger, ctx)}`;
  },
  comment: (node) => {
    const problem = commentProblem(node.text);
    if (problem) throw unencodable('The comment', problem);
    // Trailing blanks are dropped: a parser cannot see them, so the comment reads back the same.
    return node.text
      .split('\n')
      .map((line) => (line.trimEnd() === '' ? '#' : `# ${line.trimEnd()}`))
      .join('\n');
  },
  blank: () => '',
  maintainer: (node) => {
    const problem = /[\n\r\0]/.test(node.name) ? 'contains a line break or NUL' : undefined;
    if (problem) throw unencodable('The MAINTAINER name', problem);
    return `MAINTAINER ${node.name.trim()}`;
  },
  copy: (node, ctx) => {
    const from = node.from === undefined ? '' : `--from=${checkedFlag(node.from, ctx, 'A COPY flag value')} `;
    return `COPY ${printCopyOperands(node, from + copyFlags(node, ctx), ctx, 'COPY')}`;
  },
  add: (node, ctx) => {
    let flags = node.checksum === undefined ? '' : `--checksum=${checkedFlag(node.checksum, ctx, 'An ADD flag value')} `;
    flags += copyFlags(node, ctx);
    if (node.keepGitDir) flags += '--keep-git-dir ';
    if (node.unpack !== undefined) flags += `--unpack=${node.unpack} `;
    return `ADD ${printCopyOperands(node, flags, ctx, 'ADD')}`;
  },
};

function printRunCommand(node: RunNode, ctx: PrintContext): string {
  const command = node.command;
  if (command.form === 'exec') return checkedJsonArray(command.args, 'The RUN command');
  if (command.form === 'shell') {
    const problem = runCommandProblem(command.command, ctx.escape) ?? linesProblem(command, ctx.escape);
    if (problem) throw unencodable('The RUN command', problem);
    return printShell(command, ctx);
  }
  let script = command.script;
  if (command.errexit) {
    // A shebang must stay the first line, or BuildKit would not run the script with it.
    const shebang = /^#![^\n]*\n/.exec(script)?.[0] ?? '';
    script = `${shebang}set -e\n${script.slice(shebang.length)}`;
  }
  return heredoc(script, 'The RUN script', command.heredoc);
}

function printCommand(command: CommandForm, ctx: PrintContext, what: string): string {
  if (command.form === 'exec') return checkedJsonArray(command.args, what);
  const problem = shellFormProblem(command.command, ctx.escape) ?? linesProblem(command, ctx.escape);
  if (problem) throw unencodable(what, problem);
  return printShell(command, ctx);
}

/**
 * A shell command: on one line (trimmed, as Docker trims it), or as the lines it was written in,
 * each but the last followed by ` \` (comment and empty lines take none: Docker skips them).
 */
function printShell(command: ShellForm, ctx: PrintContext): string {
  if (command.lines === undefined) return trimmed(command.command);
  const last = command.lines.findLastIndex((line) => !isSkippedLine(line));
  return command.lines.map((line, i) => (isSkippedLine(line) ? skippedLine(line) : i < last ? `${line} ${ctx.escape}` : line)).join('\n');
}

/**
 * A comment or empty line inside a continuation, which BuildKit skips whatever blanks lead it
 * (Go's unicode.IsSpace). Some parsers (dockerfile-ast) end the instruction at a line of blanks,
 * or at a comment led by a blank other than a space or tab (U+00A0, U+2028, a BOM): a line of
 * blanks prints empty, such a comment from its "#"; one that spaces and tabs indent keeps them.
 */
function skippedLine(line: string): string {
  const text = line.trimStart();
  if (text === '') return '';
  return /^[ \t]*#/.test(line) ? line : text;
}

/**
 * `<<'EOF'` plus its body; the quoted delimiter keeps Docker from expanding anything in it
 * (`expand`: unquoted, and Docker expands variables). A delimiter that a line of the body would
 * end early is changed.
 */
function heredoc(body: string, what: string, spec: Heredoc | undefined): string {
  const problem = heredocBodyProblem(body) ?? heredocDelimiterProblem(spec?.delimiter);
  if (problem) throw unencodable(what, problem);
  const text = body === '' || body.endsWith('\n') ? body : body + '\n';
  const lines = new Set(text.split('\n'));
  const wanted = spec?.delimiter ?? 'EOF';
  let delimiter = wanted;
  for (let n = 1; lines.has(delimiter); n++) delimiter = `${wanted}${n}`;
  return `<<${spec?.expand ? delimiter : `'${delimiter}'`}\n${text}${delimiter}`;
}

function printMount(mount: Mount, ctx: PrintContext): string {
  const problem = mountProblem(mount);
  if (problem) throw unencodable(`A --mount=type=${mount.type} option`, problem);
  const fields: string[] = [`type=${mount.type}`];
  const add = (key: string, value: Text | number | undefined): void => {
    if (value === undefined) return;
    fields.push(`${key}=${typeof value === 'number' ? value : flagValue(value, ctx.escape)}`);
  };
  if (mount.type !== 'tmpfs' && mount.type !== 'bind') add('id', mount.id);
  add('target', mount.target);
  if (mount.type === 'bind' || mount.type === 'cache') {
    add('source', mount.source);
    add('from', mount.from);
  }
  if (mount.type === 'cache') add('sharing', mount.sharing);
  if (mount.type === 'secret') add('env', mount.env);
  if (mount.type === 'cache' || mount.type === 'secret' || mount.type === 'ssh') {
    add('mode', mount.mode);
    add('uid', mount.uid);
    add('gid', mount.gid);
  }
  if (mount.type === 'tmpfs') add('size', mount.size);
  if (mount.type === 'cache' && mount.readonly) fields.push('ro');
  if (mount.type === 'bind' && mount.readwrite) fields.push('rw');
  if ((mount.type === 'secret' || mount.type === 'ssh') && mount.required !== undefined) {
    fields.push(`required=${mount.required}`);
  }
  return fields.join(',');
}

/** The flags COPY and ADD share, each followed by a space. */
function copyFlags(node: CopyFields, ctx: PrintContext): string {
  let flags = '';
  if (node.chown !== undefined) flags += `--chown=${checkedFlag(node.chown, ctx, 'A COPY flag value')} `;
  if (node.chmod !== undefined) flags += `--chmod=${checkedFlag(node.chmod, ctx, 'A COPY flag value')} `;
  if (node.link) flags += '--link ';
  if (node.parents) flags += '--parents ';
  for (const pattern of node.exclude) flags += `--exclude=${checkedFlag(pattern, ctx, 'A COPY flag value')} `;
  return flags;
}

/** The operands after `prefix` (the flags, each followed by a space). */
function printCopyOperands(node: CopyFields | AddNode, prefix: string, ctx: PrintContext, what: string): string {
  if (node.inline === undefined && node.sources.length > 0 && isPlainWord(node.dest) && node.sources.every(isPlainWord))
    return `${prefix}${spaced(node.sources, asIs)} ${node.dest}`;
  for (const path of node.sources) checkCopyOperand(path, ctx, what);
  checkCopyOperand(node.dest, ctx, what);
  if (node.inline !== undefined) {
    const problem = inlineDestinationProblem(node.dest);
    if (problem) throw unencodable(`The ${what} destination`, problem);
    const dest = checkedWord(node.dest, ctx, `The ${what} destination`);
    const [first, ...body] = heredoc(node.inline, `The ${what} content`, node.heredoc).split('\n');
    return `${prefix}${first} ${dest}\n${body.join('\n')}`;
  }
  return prefix + printPaths(node.sources, ctx, false, node.dest); // checked above
}

/**
 * Each item as `word` makes it, a space between each. A loop, not `map(...).join(' ')`: for the one
 * or two words an instruction has, the array and the join cost several times the words (3% of an
 * image counted with bench/instructions.sh, for its two COPYs and one EXPOSE).
 */
function spaced<T>(items: readonly T[], word: (item: T) => string): string {
  let out = '';
  for (let i = 0; i < items.length; i++) out += (i === 0 ? '' : ' ') + word(items[i]!);
  return out;
}

const asIs = (word: string): string => word;

function checkCopyOperand(path: Text, ctx: PrintContext, what: string): void {
  const problem = copyOperandProblem(path, ctx.escape);
  if (problem) throw unencodable(`A ${what} path`, problem);
}

/**
 * Paths (checked as words by the caller), then `last` (COPY's destination), as words, or as a JSON
 * array when one has whitespace (the shell form splits on it).
 */
function printPaths(paths: readonly Text[], ctx: PrintContext, alwaysJson: boolean, last?: Text): string {
  const count = paths.length + (last === undefined ? 0 : 1);
  const at = (i: number): Text => (i < paths.length ? paths[i]! : last!);
  let json = alwaysJson;
  for (let i = 0; i < count && !json; i++) json = hasWhitespace(at(i));
  let out = '';
  for (let i = 0; i < count; i++) {
    if (json) out += (i === 0 ? '[' : ', ') + jsonWord(at(i), ctx.escape);
    else out += (i === 0 ? '' : ' ') + word(at(i), ctx.escape);
  }
  return json ? `${out}]` : out;
}

function printPairs(pairs: readonly KeyValue[], ctx: PrintContext, instruction: string): string {
  let out = '';
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i]!;
    if (i > 0) out += ` ${ctx.escape}\n    `;
    // Most pairs are plain words; a key must also hold no "=" (Docker splits the pair there).
    if (isPlainWord(pair.key) && isPlainWord(pair.value) && !pair.key.includes('=')) {
      out += `${pair.key}=${pair.value}`;
      continue;
    }
    const keyProblem = labelKeyProblem(pair.key, ctx.escape);
    if (keyProblem) throw unencodable(`The ${instruction} key`, keyProblem);
    // The message is made only when there is a problem: this runs for every pair of every file.
    const valueProblem = wordProblem(pair.value, ctx.escape);
    if (valueProblem) throw unencodable(`The ${instruction} value of ${pair.key}`, valueProblem);
    out += `${word(pair.key, ctx.escape)}=${word(pair.value, ctx.escape)}`;
  }
  return out;
}

/** An EXPOSE port prints bare: no quotes, no spaces, no leading `--`. */
function checkedPort(text: Text, ctx: PrintContext): string {
  if (isPlainWord(text)) return text; // nothing a flag value cannot carry, no "$" to escape
  const problem = portProblem(text);
  if (problem) throw unencodable('An EXPOSE port', problem);
  return flagValue(text, ctx.escape);
}

/** A flag's value: one bare word that Docker reads back as it is. */
function checkedFlag(text: Text, ctx: PrintContext, what: string): string {
  if (isPlainWord(text)) return text; // nothing a flag value cannot carry, no "$" to escape
  const problem = flagValueProblem(text);
  if (problem) throw unencodable(what, problem);
  return flagValue(text, ctx.escape);
}

function checkedJsonArray(args: readonly string[], what: string): string {
  const problem = execArgsProblem(args);
  if (problem) throw unencodable(what, problem);
  return jsonArray(args);
}

function checkedWord(text: Text, ctx: PrintContext, what: string): string {
  if (isPlainWord(text)) return text;
  checkWord(text, ctx, what);
  return word(text, ctx.escape);
}

function checkWord(text: Text, ctx: PrintContext, what: string): void {
  const problem = wordProblem(text, ctx.escape);
  if (problem) throw unencodable(what, problem);
}
