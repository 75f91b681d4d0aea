/**
 * The second stage of reading a Dockerfile: BuildKit's raw tree becomes the same IR the builder
 * makes, each node with its line range. Words lose their quotes and escapes; `$` references stay
 * as written (raw text parts), so printing the IR again keeps their meaning. Anything the IR
 * cannot hold is a ParseError that names the line, never a silent loss.
 */
import { ParseError } from '../errors/errors.js';
import type {
  AnyInstructionKind,
  AnyInstructionNode,
  ArgNode,
  CommandForm,
  CopyFields,
  Directives,
  DockerfileNode,
  Heredoc,
  InstructionNode,
  KeyValue,
  Mount,
  StageNode,
  TriviaNode,
} from '../ir/nodes/index.js';
// Nodes are written as literals (`irNode({ kind, ... })`), never through makeNode's spread: one
// spread site fed every node shape is megamorphic in V8, and was much of this stage's time.
import { execForm, frozen, frozenForm, isSkippedLine, node as irNode, scriptForm, shellForm } from '../ir/nodes/index.js';
import type { SourceLocation } from '../ir/location.js';
import { textNode, type Text } from '../ir/text.js';
import { BANNER_TEXT } from '../ir/banner.js';
import { parseRaw, type EscapeChar, type RawDockerfile, type RawHeredoc, type RawNode } from './raw.js';
import { ShellError, wordParts } from './shell.js';

export interface ParsedDockerfile {
  readonly ir: DockerfileNode;
  readonly raw: RawDockerfile;
}

/**
 * Parses Dockerfile text into the IR.
 *
 * @example
 * print(parse('FROM alpine\nRUN apk add redis\n').ir)   // 'FROM alpine\nRUN apk add redis\n'
 */
export function parse(text: string, file = 'Dockerfile'): ParsedDockerfile {
  const raw = parseRaw(text, file);
  return { ir: toIR(raw, file), raw };
}

function toIR(raw: RawDockerfile, file: string): DockerfileNode {
  const convert = new Converter(raw.escape, file);
  const globalArgs: ArgNode[] = [];
  const stages: { from: AnyInstructionNode & { kind: 'from' }; instructions: InstructionNode[]; loc: SourceLocation }[] = [];
  // Indexed loops: this runs for every instruction, and most lists here are empty or of one.
  const nodes = raw.nodes;
  for (let n = 0; n < nodes.length; n++) {
    const node = nodes[n]!;
    const converted = convert.instruction(node);
    // The blank and comment lines before an instruction stay where they were: before a FROM or a
    // global ARG they are its `before`; inside a stage, nodes of their own.
    const before = node.before.length === 0 ? NO_TRIVIA : trivia(node.before, file, node.startLine - node.before.length);
    if (!isArgList(converted) && converted.kind === 'from') {
      const { image, platform, name } = converted;
      // The stage's location is its FROM's: one frozen object for both.
      const loc = converted.loc ?? convert.loc(node);
      stages.push({ from: irNode({ kind: 'from', image, platform, name, loc, before }), instructions: [], loc });
      continue;
    }
    const stage = stages[stages.length - 1];
    if (stage) {
      const instructions = stage.instructions;
      for (let i = 0; i < before.length; i++) instructions.push(before[i]!);
      if (!isArgList(converted)) instructions.push(converted as InstructionNode);
      else for (let i = 0; i < converted.length; i++) instructions.push(converted[i]!);
      continue;
    }
    const args = isArgList(converted) ? converted : [converted];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!;
      if (arg.kind !== 'arg') throw convert.error(node, `${node.command.toUpperCase()} comes before the first FROM: only ARG may`);
      // A later ARG of one name before the first FROM redeclares it: the file means the chain.
      const redeclares = globalArgs.some((a) => a.name === arg.name) ? true : undefined;
      globalArgs.push(irNode({ kind: 'arg', name: arg.name, default: arg.default, loc: arg.loc, redeclares, before: i === 0 ? before : NO_TRIVIA }));
    }
  }
  const last = stages[stages.length - 1];
  const lastLine = raw.nodes[raw.nodes.length - 1]!.endLine;
  last?.instructions.push(...trivia(raw.trailing, file, lastLine + 1));
  // Freezing costs about as much as making the object: values most files share are made once.
  const directives: Directives =
    raw.directives.length === 0
      ? NO_DIRECTIVES
      : Object.freeze({
          syntax: raw.directives.find((d) => d.name === 'syntax')?.value,
          escape: raw.directives.find((d) => d.name === 'escape')?.value as EscapeChar | undefined,
          check: raw.directives.find((d) => d.name === 'check')?.value,
        });
  const stageNodes = stages.map((s): StageNode => irNode({ kind: 'stage', from: s.from, instructions: Object.freeze(s.instructions), loc: s.loc }));
  return irNode({
    kind: 'dockerfile',
    directives,
    globalArgs: globalArgs.length === 0 ? NO_ARGS : Object.freeze(globalArgs),
    stages: Object.freeze(stageNodes),
    loc: Object.freeze({ file, line: 1, column: 1 }),
  });
}

/** Whether a line read as several instructions (an ARG of several names). */
function isArgList(converted: Converted): converted is readonly ArgNode[] {
  return Array.isArray(converted);
}

/** A heredoc's word and quoting, as the IR keeps them: only what differs from dockwright's own `<<'EOF'`. */
function heredocSpec(heredoc: RawHeredoc): Heredoc | undefined {
  const spec = { ...(heredoc.name !== 'EOF' ? { delimiter: heredoc.name } : {}), ...(heredoc.expand ? { expand: true } : {}) };
  return Object.keys(spec).length > 0 ? Object.freeze(spec) : undefined;
}

/** Blank and comment lines as nodes (`first` is the line number of the first); our banner is not kept. */
function trivia(lines: readonly string[], file: string, first: number): readonly TriviaNode[] {
  const nodes: TriviaNode[] = [];
  for (let i = 0; i < lines.length; i++) {
    const loc = Object.freeze({ file, line: first + i, column: 1 });
    const text = lines[i]!.trim();
    if (text === '') nodes.push(irNode({ kind: 'blank', loc }));
    else if (!text.startsWith(BANNER_TEXT, pastWhitespace(text, 1))) {
      // `# text`: the one space after `#` is the comment's layout, not its text.
      nodes.push(irNode({ kind: 'comment', text: text.slice(text.charCodeAt(1) === 32 ? 2 : 1).trimEnd(), loc }));
    }
  }
  return Object.freeze(nodes);
}

/** Where the whitespace (as `trimStart` sees it) at `from` ends. */
function pastWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && WHITESPACE.test(text[i]!)) i++;
  return i;
}
const WHITESPACE = /\s/;

/**
 * A shell command that spans lines, as the lines a person wrote: from where the command starts
 * (after the instruction and its flags) to its end, comment and empty lines included. A line is
 * kept as written up to its ` \`, which the printer writes again; a line continued without a
 * space before the escape character is joined with the next (the printer always writes one), so
 * the command stays exactly what Docker reads. Undefined when it fits on one line.
 */
function commandLines(physical: readonly string[], command: string, escape: EscapeChar): string[] | undefined {
  // What each physical line adds to the logical line, as BuildKit's parser joins them.
  type Part = { readonly text: string; readonly skipped: boolean; readonly continued: boolean };
  const parts: Part[] = [];
  let logical = '';
  let continued = true;
  for (let i = 0; i < physical.length && continued; i++) {
    const written = physical[i]!;
    const text = i === 0 ? written.trimStart() : written;
    if (i > 0 && isSkippedLine(text)) {
      parts.push({ text: written, skipped: true, continued: true });
      continue;
    }
    const body = withoutTrailingBlanks(text);
    let run = 0;
    while (run < body.length && body[body.length - 1 - run] === escape) run++;
    continued = run % 2 === 1;
    const part = continued ? body.slice(0, -1) : text;
    parts.push({ text: part, skipped: false, continued });
    logical += part;
  }
  const start = logical.trimEnd().length - command.length;
  if (start < 0 || logical.slice(start, start + command.length) !== command) return undefined;
  // Walk to the part where the command starts; keep the lines from there.
  const lines: string[] = [];
  let offset = 0;
  let pending: string | undefined; // a line continued without a space, waiting for the next
  for (const part of parts) {
    if (part.skipped) {
      if (lines.length > 0 || pending !== undefined) {
        if (pending !== undefined) return undefined; // a comment inside a word: not this shape
        lines.push(part.text);
      }
      continue;
    }
    const from = Math.max(0, start - offset);
    offset += part.text.length;
    if (from >= part.text.length && lines.length === 0 && pending === undefined) continue; // flags only
    let text = (pending ?? '') + part.text.slice(pending === undefined ? from : 0);
    pending = undefined;
    if (!part.continued) {
      lines.push(text.trimEnd());
      break;
    }
    // The printer writes ` \\` after each line: a line that had no blank there, or that ends in
    // an escape character of its own, is joined with the next instead.
    if (text.endsWith(' ') && !text.slice(0, -1).trimEnd().endsWith(escape)) text = text.slice(0, -1);
    else {
      pending = text;
      continue;
    }
    lines.push(text);
  }
  if (pending !== undefined) lines.push(pending.trimEnd());
  // Trailing comment or empty lines belong after the instruction, not in it.
  while (lines.length > 0 && isSkippedLine(lines[lines.length - 1]!)) lines.pop();
  if (lines.length < 2 || !joinsTo(lines, command)) return undefined;
  return lines;
}

/** Whether the lines Docker keeps (not comments, not empty), joined by a space, are `command`. */
function joinsTo(lines: readonly string[], command: string): boolean {
  let offset = 0;
  for (const line of lines) {
    if (isSkippedLine(line)) continue;
    if (offset > 0) {
      if (command.charCodeAt(offset) !== 32) return false;
      offset++;
    }
    if (!command.startsWith(line, offset)) return false;
    offset += line.length;
  }
  return offset === command.length;
}

/** `text` without the spaces and tabs at its end. */
function withoutTrailingBlanks(text: string): string {
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** The characters Docker's word lexer does anything with, by escape character. */
const LEXED_BACKSLASH = /[$'"\\]/;
const LEXED_BACKTICK = /[$'"`]/;

/**
 * The text of a word that is one quoted string holding nothing the lexer acts on (`"a b"`,
 * `'a $b'`): what the lexer would make of it, without running it. Undefined for any other word.
 */
export function quotedLiteral(word: string, escape: EscapeChar): string | undefined {
  const quote = word.charCodeAt(0);
  if ((quote !== 34 && quote !== 39) || word.length < 2 || word.charCodeAt(word.length - 1) !== quote) return undefined;
  const inside = word.slice(1, -1);
  // Inside single quotes nothing is special but the closing quote; inside double quotes, `$` and the escape character are.
  if (quote === 39) return inside.includes("'") ? undefined : inside;
  return inside.includes('"') || inside.includes('$') || inside.includes(escape) ? undefined : inside;
}

/** The instruction words a Dockerfile may hold: every instruction kind of the IR but trivia. */
type InstructionWord = Exclude<AnyInstructionKind, 'comment' | 'blank'>;

/** What a line reads as: one instruction, or (an ARG of several names) several. */
type Converted = AnyInstructionNode | readonly ArgNode[];

type Reader = (converter: Converter, node: RawNode, flags: Flags, loc: SourceLocation) => Converted;

/** One instruction, once every flag it was given has been read. */
function one(flags: Flags, node: AnyInstructionNode): AnyInstructionNode {
  flags.done();
  return node;
}

/** The one argument of STOPSIGNAL, WORKDIR and USER. */
function onlyArgument(converter: Converter, node: RawNode): string {
  const [word] = node.args;
  if (word === undefined) throw converter.error(node, `${node.command.toUpperCase()} requires exactly one argument`);
  return word;
}

class Converter {
  constructor(
    private readonly escape: EscapeChar,
    private readonly file: string,
  ) {}

  loc(node: RawNode): SourceLocation {
    return Object.freeze({ file: this.file, line: node.startLine, column: 1, endLine: node.endLine });
  }

  error(node: RawNode, message: string, code: 'parse.syntax' | 'parse.unsupported' = 'parse.syntax'): ParseError {
    return new ParseError(message, this.file, node.startLine, code);
  }

  /** A word as IR text: literal where Docker would see a literal, `$` references as written. */
  text(node: RawNode, word: string): Text {
    // A word without quotes, escapes or `$` is itself: most words are, and the lexer is not needed.
    if (!(this.escape === '`' ? LEXED_BACKTICK : LEXED_BACKSLASH).test(word)) return word;
    const quoted = quotedLiteral(word, this.escape);
    if (quoted !== undefined) return quoted;
    let parts;
    try {
      parts = wordParts(word, this.escape);
    } catch (error) {
      if (error instanceof ShellError) throw this.error(node, `${error.message} in ${JSON.stringify(word)}`);
      throw error;
    }
    if (parts.every((p) => typeof p === 'string')) return parts.join('');
    return textNode(parts.map((p) => (typeof p === 'string' ? p : { kind: 'raw' as const, text: p.raw })));
  }

  /** A word that must be literal (names, keys): quotes removed, no variables. */
  literal(node: RawNode, word: string, what: string): string {
    const text = this.text(node, word);
    if (typeof text !== 'string')
      throw this.error(node, `${what} ${JSON.stringify(word)} uses a variable, which dockwright cannot represent there`, 'parse.unsupported');
    return text;
  }

  instruction(node: RawNode): Converted {
    const reader = Converter.byWord.get(node.keyword);
    if (reader === undefined) throw this.error(node, `unknown instruction: ${node.command}`);
    const flags =
      node.flags.length === 0 ? NO_FLAGS : new Flags(node.flags, (name) => this.error(node, `unknown flag --${name} for ${node.command.toUpperCase()}`));
    return reader(this, node, flags, this.loc(node));
  }

  /**
   * How each instruction is read, one entry per instruction kind of the IR (trivia aside): a kind
   * added to the IR and forgotten here does not compile. Each reads its flags and arguments and
   * leaves no flag unread (Flags.done refuses the rest).
   */
  private static readonly readers: { readonly [K in InstructionWord]: Reader } = {
    from: (c, node, flags, loc) => {
      const platform = flags.value('platform');
      const [image, as, name, ...extra] = node.args;
      if (!image || extra.length > 0 || (as !== undefined && (as.toLowerCase() !== 'as' || name === undefined))) {
        throw c.error(node, 'FROM requires either one argument, or three: FROM <image> AS <name>');
      }
      return one(flags, irNode({ kind: 'from', image: c.text(node, image), platform: platform === undefined ? undefined : c.text(node, platform), name, loc }));
    },
    run: (c, node, flags, loc) => {
      const specs = flags.values('mount');
      const mounts = specs.length === 0 ? NO_MOUNTS : Object.freeze(specs.map((m) => c.mount(node, m)));
      const network = flags.value('network') as 'default' | 'none' | 'host' | undefined;
      const security = flags.value('security') as 'sandbox' | 'insecure' | undefined;
      return one(flags, irNode({ kind: 'run', command: c.runCommand(node), mounts, network, security, loc }));
    },
    cmd: (c, node, flags, loc) => one(flags, irNode({ kind: 'cmd', command: c.command(node), loc })),
    entrypoint: (c, node, flags, loc) => one(flags, irNode({ kind: 'entrypoint', command: c.command(node), loc })),
    healthcheck: (c, node, flags, loc) => {
      const [type] = node.args;
      const options = {
        interval: flags.value('interval'),
        timeout: flags.value('timeout'),
        startPeriod: flags.value('start-period'),
        startInterval: flags.value('start-interval'),
        retries: flags.value('retries') === undefined ? undefined : Number(flags.value('retries')),
      };
      if (type?.toUpperCase() === 'NONE') return one(flags, irNode({ kind: 'healthcheck', test: undefined, ...options, loc }));
      if (type?.toUpperCase() !== 'CMD' || node.args.length < 2) throw c.error(node, 'HEALTHCHECK takes CMD <command> or NONE');
      const rest = node.args.slice(1);
      return one(flags, irNode({ kind: 'healthcheck', test: frozenForm(node.json ? execForm(rest) : shellForm(rest[0]!)), ...options, loc }));
    },
    shell: (c, node, flags, loc) => {
      if (!node.json) throw c.error(node, 'SHELL requires the arguments to be in JSON form');
      return one(flags, irNode({ kind: 'shell', args: frozen(node.args), loc }));
    },
    stopsignal: (c, node, flags, loc) => one(flags, irNode({ kind: 'stopsignal', signal: c.text(node, onlyArgument(c, node)), loc })),
    workdir: (c, node, flags, loc) => one(flags, irNode({ kind: 'workdir', path: c.text(node, onlyArgument(c, node)), loc })),
    user: (c, node, flags, loc) => one(flags, irNode({ kind: 'user', user: c.text(node, onlyArgument(c, node)), loc })),
    volume: (c, node, flags, loc) => {
      if (node.args.length === 0) throw c.error(node, 'VOLUME requires at least one argument');
      return one(flags, irNode({ kind: 'volume', paths: Object.freeze(node.args.map((a) => c.text(node, a))), loc }));
    },
    expose: (c, node, flags, loc) => {
      if (node.args.length === 0) throw c.error(node, 'EXPOSE requires at least one argument');
      return one(flags, irNode({ kind: 'expose', ports: Object.freeze(node.args.map((a) => c.text(node, a))), loc }));
    },
    env: (c, node, flags, loc) => one(flags, irNode({ kind: 'env', pairs: c.pairs(node), loc })),
    label: (c, node, flags, loc) => one(flags, irNode({ kind: 'label', pairs: c.pairs(node), loc })),
    arg: (c, node, flags, loc) => {
      flags.done();
      if (node.args.length === 0) throw c.error(node, 'ARG requires at least one argument');
      const args = node.args.map((word): ArgNode => {
        const eq = word.indexOf('=');
        const name = eq === -1 ? word : word.slice(0, eq);
        return irNode({ kind: 'arg', name, default: eq === -1 ? undefined : c.text(node, word.slice(eq + 1)), loc });
      });
      return args.length === 1 ? args[0]! : args;
    },
    onbuild: (c, node, flags, loc) => {
      if (!node.child) throw c.error(node, 'ONBUILD requires an instruction');
      const read = c.instruction({ ...node.child, startLine: node.startLine, endLine: node.endLine, comments: [], heredocs: node.heredocs });
      const trigger = isArgList(read) ? read[0]! : read;
      return one(flags, irNode({ kind: 'onbuild', trigger, loc }));
    },
    maintainer: (_c, node, flags, loc) => one(flags, irNode({ kind: 'maintainer', name: node.args[0] ?? '', loc })),
    copy: (c, node, flags, loc) => {
      const from = flags.value('from');
      const f = c.copyFields(node, flags);
      // The fields one by one, not spread: a spread in the middle of a literal copies them one call at a time.
      const { sources, inline, heredoc, dest, chown, chmod, link, parents, exclude } = f;
      const fromText = from === undefined ? undefined : c.text(node, from);
      return one(flags, irNode({ kind: 'copy', chown, chmod, link, parents, exclude, sources, inline, heredoc, dest, from: fromText, loc }));
    },
    add: (c, node, flags, loc) => {
      const { sources, inline, heredoc, dest, chown, chmod, link, parents, exclude } = c.copyFields(node, flags);
      const checksum = flags.value('checksum');
      const keepGitDir = flags.bool('keep-git-dir');
      const unpack = flags.bool('unpack');
      return one(flags, irNode({ kind: 'add', chown, chmod, link, parents, exclude, sources, inline, heredoc, dest, checksum, keepGitDir, unpack, loc }));
    },
  };

  /** The readers by instruction word: a Map, which a word not in it (`FOO`) cannot reach through a prototype. */
  private static readonly byWord: ReadonlyMap<string, Reader> = new Map(Object.entries(Converter.readers));

  /** ENV and LABEL pairs: the raw parser gives key, value, separator triples. */
  private pairs(node: RawNode): readonly KeyValue[] {
    if (node.args.length === 0) throw this.error(node, `${node.command.toUpperCase()} requires at least one argument`);
    const pairs: KeyValue[] = [];
    for (let i = 0; i + 2 < node.args.length + 1; i += 3) {
      // The wording of an error is made only for an error: this runs for every pair of a file.
      const key = this.text(node, node.args[i]!);
      if (typeof key !== 'string') this.literal(node, node.args[i]!, `The ${node.command.toUpperCase()} key`);
      pairs.push(Object.freeze({ key: key as string, value: this.text(node, node.args[i + 1]!) }));
    }
    return Object.freeze(pairs);
  }

  private command(node: RawNode): CommandForm {
    if (node.json) return frozenForm(execForm(node.args)); // `CMD []` is valid: it clears the base image's
    if (node.args.length === 0) throw this.error(node, `${node.command.toUpperCase()} requires at least one argument`);
    const command = node.args[0]!;
    const lines = node.lines && node.heredocs.length === 0 ? commandLines(node.lines, command, this.escape) : undefined;
    // commandLines checked that the lines Docker keeps join to the command: nothing to work out again.
    return frozenForm(lines ? { form: 'shell', command, lines } : shellForm(command));
  }

  private runCommand(node: RawNode) {
    if (node.heredocs.length === 0) return this.command(node);
    const [heredoc] = node.heredocs;
    // Only the shape dockwright writes, `RUN <<EOF` alone, is a script; others would be lost.
    if (node.heredocs.length !== 1 || node.json || !/^\d*<<-?(["']?)[^\s]+\1$/.test(node.args[0]!.trim())) {
      throw this.error(node, 'this RUN heredoc shape (several heredocs, or words besides <<EOF) cannot be represented', 'parse.unsupported');
    }
    const content = heredoc!.content;
    const spec = heredocSpec(heredoc!);
    return frozenForm(content.startsWith('set -e\n') ? scriptForm(content.slice('set -e\n'.length), true, spec) : scriptForm(content, false, spec));
  }

  private copyFields(node: RawNode, flags: Flags): CopyFields {
    const chownFlag = flags.value('chown');
    const chmodFlag = flags.value('chmod');
    const chown = chownFlag === undefined ? undefined : this.text(node, chownFlag);
    const chmod = chmodFlag === undefined ? undefined : this.text(node, chmodFlag);
    const link = flags.bool('link');
    const parents = flags.bool('parents');
    const excluded = flags.values('exclude');
    const exclude = excluded.length === 0 ? NO_TEXTS : Object.freeze(excluded.map((e) => this.text(node, e)));
    if (node.heredocs.length > 0) {
      const [heredoc] = node.heredocs;
      if (node.heredocs.length !== 1 || node.args.length !== 2 || !node.args[0]!.includes('<<')) {
        throw this.error(
          node,
          `this ${node.command.toUpperCase()} heredoc shape cannot be represented (one inline file and a destination can)`,
          'parse.unsupported',
        );
      }
      const dest = this.text(node, node.args[1]!);
      return { chown, chmod, link, parents, exclude, sources: NO_TEXTS, inline: heredoc!.content, heredoc: heredocSpec(heredoc!), dest };
    }
    if (node.args.length < 2) throw this.error(node, `${node.command.toUpperCase()} requires at least two arguments: a source and a destination`);
    const sources = Object.freeze(node.args.slice(0, -1).map((a) => this.text(node, a)));
    const dest = this.text(node, node.args[node.args.length - 1]!);
    // The same keys in the same order as above: one shape for the readers to take apart.
    return { chown, chmod, link, parents, exclude, sources, inline: undefined, heredoc: undefined, dest };
  }

  private mount(node: RawNode, spec: string): Mount {
    const fields = new Map<string, string>();
    for (const field of spec.split(',')) {
      const eq = field.indexOf('=');
      const key = (eq === -1 ? field : field.slice(0, eq)).trim().toLowerCase();
      fields.set(key, eq === -1 ? 'true' : field.slice(eq + 1));
    }
    // A field by its name or one of its aliases (`target`, `dst`, `destination`), the first given.
    const get = (key: string, alias?: string, alias2?: string): string | undefined =>
      fields.get(key) ?? (alias === undefined ? undefined : fields.get(alias)) ?? (alias2 === undefined ? undefined : fields.get(alias2));
    const text = (key: string, alias?: string, alias2?: string): Text | undefined => {
      const value = get(key, alias, alias2);
      return value === undefined ? undefined : this.text(node, value);
    };
    const bool = (key: string, alias?: string): boolean | undefined => {
      const value = get(key, alias);
      return value === undefined ? undefined : value !== 'false';
    };
    const int = (key: string): number | undefined => (fields.has(key) ? Number(fields.get(key)) : undefined);
    const target = text('target', 'dst', 'destination');
    const type = get('type') ?? 'bind';
    switch (type) {
      case 'bind':
        return Object.freeze({ type, target: target ?? '', source: text('source', 'src'), from: text('from'), readwrite: bool('rw', 'readwrite') });
      case 'cache':
        return Object.freeze({
          type,
          target: target ?? '',
          id: text('id'),
          readonly: bool('ro', 'readonly'),
          sharing: get('sharing') as 'shared' | 'private' | 'locked' | undefined,
          from: text('from'),
          source: text('source', 'src'),
          mode: get('mode'),
          uid: int('uid'),
          gid: int('gid'),
        });
      case 'tmpfs':
        return Object.freeze({ type, target: target ?? '', size: get('size') });
      case 'secret':
        return Object.freeze({
          type,
          id: text('id'),
          target,
          env: get('env'),
          required: bool('required'),
          mode: get('mode'),
          uid: int('uid'),
          gid: int('gid'),
        });
      case 'ssh':
        return Object.freeze({ type, id: text('id'), target, required: bool('required'), mode: get('mode'), uid: int('uid'), gid: int('gid') });
      default:
        throw this.error(node, `unknown mount type ${JSON.stringify(type)} in --mount=${spec}`);
    }
  }
}

// Arrays made here are frozen as they are (nothing else holds them); the empty ones are shared.
const NO_TRIVIA: readonly TriviaNode[] = Object.freeze([]);
const NO_ARGS: readonly ArgNode[] = Object.freeze([]);
const NO_DIRECTIVES: Directives = Object.freeze({ syntax: undefined, escape: undefined, check: undefined });
const NO_MOUNTS: readonly Mount[] = Object.freeze([]);
const NO_TEXTS: readonly Text[] = Object.freeze([]);

/** An instruction's `--name[=value]` flags, each read once; leftovers are unknown flags. */
class Flags {
  private readonly entries: { name: string; value: string | undefined; used: boolean }[];

  /** `unknown` makes the error for a flag nobody read. */
  constructor(
    flags: readonly string[],
    private readonly unknown: (name: string) => ParseError,
  ) {
    this.entries = flags.map((flag) => {
      const body = flag.replace(/^--/, '');
      const eq = body.indexOf('=');
      return { name: eq === -1 ? body : body.slice(0, eq), value: eq === -1 ? undefined : body.slice(eq + 1), used: false };
    });
  }

  /** Every value given for `--name`, in order (`''` for a bare `--name`). */
  values(name: string): string[] {
    const found: string[] = [];
    for (const entry of this.entries) {
      if (entry.name !== name) continue;
      entry.used = true;
      found.push(entry.value ?? '');
    }
    return found;
  }

  /** The last entry for `--name` (Docker takes the last), with every entry of it read. */
  private last(name: string): { name: string; value: string | undefined; used: boolean } | undefined {
    let found: { name: string; value: string | undefined; used: boolean } | undefined;
    for (const entry of this.entries) {
      if (entry.name !== name) continue;
      entry.used = true;
      found = entry;
    }
    return found;
  }

  value(name: string): string | undefined {
    const entry = this.last(name);
    return entry === undefined ? undefined : (entry.value ?? '');
  }

  bool(name: string): boolean | undefined {
    const entry = this.last(name);
    if (!entry) return undefined;
    return entry.value === undefined || entry.value === '' || entry.value === 'true';
  }

  done(): void {
    for (const entry of this.entries) if (!entry.used) throw this.unknown(entry.name);
  }
}

/** The flags of an instruction given none (most are): nothing to read, nothing left over. */
const NO_FLAGS = new Flags([], () => new ParseError('dockwright: no flags were given', 'Dockerfile', 1));
