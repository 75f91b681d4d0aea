import { basename, dirname, relative } from 'node:path';
import { Project, QuoteKind, VariableDeclarationKind, type SourceFile } from 'ts-morph';
import { array, arrow, call, chain, code, type Entry, type Expr, method, type MethodCall, object, options, printExpr, str, strings, template } from './code.js';
import {
  isAutomaticArg,
  ONCE_PER_STAGE,
  parse,
  parseCheckDirective,
  resolveStage,
  type AnyInstructionNode,
  type DockerfileNode,
  type ir,
  type Text,
} from 'dockwright';

/** A Dockerfile to import. */
export interface DockerfileInput {
  /** Absolute path; the image's output path and context are written relative to the output file. */
  readonly path: string;
  readonly text: string;
}

export interface ImportResult {
  /** The TypeScript definitions file. */
  readonly source: string;
  /** What changes on the way (documented normalizations), one line each, naming file and line. */
  readonly notes: readonly string[];
}

/**
 * Turns Dockerfiles into one dockwright definitions file: a constant per stage named after it,
 * stage references as variables, options only where flags exist, comments kept, heredocs as
 * template literals, a banner. Each final stage is exported with its Dockerfile path and context,
 * so `dockwright synth` writes the files back. Throws a ParseError naming the line for anything
 * the builder cannot express.
 */
export function importDockerfiles(inputs: readonly DockerfileInput[], outFile: string): ImportResult {
  const names = new Names();
  const notes: string[] = [];
  const project = new Project({ useInMemoryFileSystem: true, manipulationSettings: { quoteKind: QuoteKind.Single } });
  const file = project.createSourceFile('/definitions.ts', '');
  const helpers = new Set<string>(['from']);
  const images = inputs.map((input) => {
    const display = relative(dirname(outFile), input.path) || basename(input.path);
    return { input, display, ir: parse(input.text, display).ir };
  });
  for (const { input, display, ir } of images) {
    new ImageWriter(file, ir, display, input.path, outFile, names, helpers, notes).write();
  }
  file.insertImportDeclaration(0, { moduleSpecifier: 'dockwright', namedImports: [...helpers].sort() });
  file.insertStatements(0, [
    `// Imported by dockwright from ${images.map((i) => i.display).join(', ')}.`,
    '// This file is now the source of those Dockerfiles: edit it, then run `dockwright synth`.',
  ]);
  file.formatText({ indentSize: 2, convertTabsToSpaces: true });
  return { source: file.getFullText(), notes };
}

/** Unique identifiers across the whole generated file. */
class Names {
  private readonly used = new Set<string>(['from', 'arg', 'env', 'expand', 'raw', 'platformArgs']);

  take(wanted: string): string {
    let base = (/^[A-Z0-9_]+$/.test(wanted) ? wanted.toLowerCase() : wanted)
      .replace(/_+([a-z0-9])/g, (_m, next: string) => next.toUpperCase())
      .replace(/[^A-Za-z0-9_$]+(.)?/g, (_m, next: string | undefined) => (next ? next.toUpperCase() : ''))
      .replace(/^[^A-Za-z_$]/, '_$&');
    if (base === '') base = 'image';
    base = base[0]!.toLowerCase() + base.slice(1);
    let name = base;
    for (let n = 2; this.used.has(name) || RESERVED.has(name); n++) name = `${base}${n}`;
    this.used.add(name);
    return name;
  }
}

const RESERVED = new Set([
  'default',
  'const',
  'let',
  'var',
  'function',
  'class',
  'new',
  'delete',
  'import',
  'export',
  'return',
  'if',
  'else',
  'for',
  'while',
  'do',
  'switch',
  'case',
  'break',
  'continue',
  'in',
  'of',
  'typeof',
  'instanceof',
  'void',
  'this',
  'super',
  'null',
  'true',
  'false',
  'try',
  'catch',
  'finally',
  'throw',
  'with',
  'yield',
  'await',
  'enum',
]);

const SIMPLE_REF = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/;

class ImageWriter {
  /** Variables of the `arg()` references in scope: global ones, then the stage's. */
  private readonly globalArgs = new Map<string, { variable: string; default: Text | undefined }>();
  /** Every global ARG's variable, in the file's order: the Dockerfile declares them all. */
  private readonly globalArgVars: string[] = [];
  private stageArgs = new Map<string, string>();
  private readonly stageVars: string[] = [];

  constructor(
    private readonly file: SourceFile,
    private readonly ir: DockerfileNode,
    private readonly display: string,
    private readonly dockerfilePath: string,
    private readonly outFile: string,
    private readonly names: Names,
    private readonly helpers: Set<string>,
    private readonly notes: string[],
  ) {}

  write(): void {
    const d = this.ir.directives;
    // Whether anything is printed before a section: the printer separates sections by one blank line.
    let printed = d.syntax !== undefined || d.escape !== undefined || d.check !== undefined;
    for (const [index, arg] of this.ir.globalArgs.entries()) {
      const variable = this.names.take(arg.name);
      const previous = this.globalArgs.get(arg.name);
      const value = arg.default === undefined ? undefined : this.text(arg.default, true);
      const before = this.before(arg.before, index === 0 ? printed : false);
      this.globalArgs.set(arg.name, { variable, default: arg.default });
      this.globalArgVars.push(variable);
      this.helpers.add('arg');
      const head = previous ? code(previous.variable) : str(arg.name);
      this.constant(variable, call('arg', [head, value, options([['before', before]])]), false);
    }
    printed ||= this.ir.globalArgs.length > 0;
    const stages = this.ir.stages;
    const last = stages.length - 1;
    stages.forEach((stage, index) => {
      const isImage = index === last;
      const wanted = isImage ? imageName(this.dockerfilePath) : (stage.from.name ?? `stage${index}`);
      const variable = this.names.take(wanted);
      this.stageVars.push(variable);
      this.stageArgs = new Map();
      const head = this.fromCall(stage, index, this.before(stage.from.before, printed));
      const calls: MethodCall[] = [];
      printed = true;
      let blanks = 0;
      const flushBlanks = (): void => {
        if (blanks > 0) calls.push(method('$blank', [blanks === 1 ? undefined : code(blanks)]));
        blanks = 0;
      };
      stage.instructions.forEach((node, position) => {
        if (node.kind === 'blank') {
          blanks++;
          return;
        }
        flushBlanks();
        // Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect, and a stage value
        // holds one: an earlier one is kept as overridden, so the file comes back whole.
        if (ONCE_PER_STAGE.has(node.kind) && stage.instructions.slice(position + 1).some((later) => later.kind === node.kind)) {
          calls.push(method('$overridden', [this.onStage(node, index)]));
          return;
        }
        calls.push(this.call(node, index));
      });
      flushBlanks();
      if (isImage) calls.push(...this.finalCalls());
      this.constant(variable, chain(head, calls), isImage);
    });
  }

  /**
   * A `before` option's lines, or undefined when they are what the printer writes anyway: one
   * blank line when something came before, nothing at the top of the file.
   */
  private before(before: readonly ir.TriviaNode[] | undefined, afterSomething: boolean): Expr | undefined {
    if (before === undefined) return undefined;
    const lines = before.map((node) => (node.kind === 'blank' ? '' : node.text === '' ? '#' : `# ${node.text}`));
    const usual = afterSomething ? [''] : [];
    if (lines.length === usual.length && lines.every((line, i) => line === usual[i])) return undefined;
    return strings(lines);
  }

  private constant(name: string, initializer: Expr, exported: boolean): void {
    this.file.addVariableStatement({
      declarationKind: VariableDeclarationKind.Const,
      isExported: exported,
      declarations: [{ name, initializer: printExpr(initializer) }],
    });
  }

  private fromCall(stage: ir.StageNode, index: number, before: Expr | undefined): Expr {
    const image = stage.from.image;
    const base = typeof image === 'string' ? this.stageVariable(image, index) : undefined;
    const opts = options([
      ['as', stage.from.name === undefined ? undefined : str(stage.from.name)],
      ['platform', stage.from.platform === undefined ? undefined : this.text(stage.from.platform, true)],
      ['before', before],
    ]);
    return call('from', [base === undefined ? this.text(image, true) : code(base), opts]);
  }

  /** The variable of an earlier stage a name (or index) refers to. */
  private stageVariable(name: string, before: number): string | undefined {
    const target = resolveStage(this.ir.stages, name);
    return target !== undefined && target < before ? this.stageVars[target] : undefined;
  }

  private finalCalls(): MethodCall[] {
    const { syntax, escape, check } = this.ir.directives;
    const calls: MethodCall[] = [];
    let checkOptions: Expr | undefined;
    if (check !== undefined) {
      const { config } = parseCheckDirective(check);
      const skip = config.skip === undefined ? undefined : config.skip === 'all' ? str('all') : strings(config.skip);
      checkOptions = object([
        ['skip', skip],
        ['error', config.error === undefined ? undefined : code(config.error)],
      ]);
    }
    // Every stage and every global ARG of the file stays, in its order: those the image does not
    // need (other build targets) and those only a stage's ARG inherits from are listed.
    const targets = this.stageVars.slice(0, -1);
    const directives = options([
      ['syntax', syntax === undefined ? undefined : str(syntax)],
      ['escape', escape === undefined ? undefined : str(escape)],
      ['check', checkOptions],
      ['args', this.globalArgVars.length > 0 ? array(this.globalArgVars.map(code)) : undefined],
      ['targets', targets.length > 0 ? array(targets.map(code)) : undefined],
    ]);
    if (directives !== undefined) calls.push(method('$dockerfile', [directives]));
    const dockerfile = relative(dirname(this.outFile), this.dockerfilePath).split('\\').join('/');
    const context = relative(dirname(this.outFile), dirname(this.dockerfilePath)).split('\\').join('/') || '.';
    calls.push(
      method('$meta', [
        object([
          ['dockerfile', str(dockerfile)],
          ['context', str(context)],
        ]),
      ]),
    );
    return calls;
  }

  private call(node: AnyInstructionNode, stage: number): MethodCall {
    return method(node.kind, this.callArguments(node, stage));
  }

  /** `(s) => s.cmd(...)`: a callback that makes the call on the stage it is given. */
  private onStage(node: AnyInstructionNode, stage: number): Expr {
    return arrow('s', chain(code('s'), [this.call(node, stage)], false));
  }

  /** The arguments of the builder call that writes `node` again. */
  private callArguments(node: AnyInstructionNode, stage: number): (Expr | undefined)[] {
    const optionalStr = (value: string | undefined): Expr | undefined => (value ? str(value) : undefined);
    switch (node.kind) {
      case 'run': {
        const c = node.command;
        const command = c.form === 'exec' ? strings(c.args) : c.form === 'script' ? str(c.script) : shellCommand(c);
        const mounts = node.mounts.map((m) => this.mount(m, stage));
        const script = c.form === 'script' ? c : undefined;
        return [
          command,
          options([
            ['mount', mounts.length === 0 ? undefined : mounts.length === 1 ? mounts[0] : array(mounts)],
            ['network', optionalStr(node.network)],
            ['security', optionalStr(node.security)],
            ['errexit', script && !script.errexit ? code(false) : undefined],
            ['delimiter', script?.heredoc?.delimiter === undefined ? undefined : str(script.heredoc.delimiter)],
            ['expand', script?.heredoc?.expand ? code(true) : undefined],
          ]),
        ];
      }
      case 'cmd':
      case 'entrypoint':
        return [node.command.form === 'exec' ? strings(node.command.args) : shellCommand(node.command)];
      case 'healthcheck': {
        if (node.test === undefined) return [code(false)];
        return [
          node.test.form === 'exec' ? strings(node.test.args) : str(node.test.command),
          options([
            ['interval', optionalStr(node.interval)],
            ['timeout', optionalStr(node.timeout)],
            ['startPeriod', optionalStr(node.startPeriod)],
            ['startInterval', optionalStr(node.startInterval)],
            ['retries', node.retries === undefined ? undefined : code(node.retries)],
          ]),
        ];
      }
      case 'shell':
        return [strings(node.args)];
      case 'stopsignal':
        return [this.text(node.signal)];
      case 'user':
        return [this.text(node.user), node.group === undefined ? undefined : this.text(node.group)];
      case 'workdir':
        return [this.text(node.path)];
      case 'volume':
        return node.paths.map((t) => this.text(t));
      case 'expose':
        return node.ports.map((t) => (typeof t === 'string' && /^\d+$/.test(t) ? code(t) : this.text(t)));
      case 'env':
      case 'label': {
        if (node.kind === 'label' && node.pairs.length > 1) this.notes.push(`${this.display}:${node.loc?.line}: LABEL pairs are written in key order`);
        if (node.pairs.length === 1) return [str(node.pairs[0]!.key), this.text(node.pairs[0]!.value)];
        return [object(node.pairs.map((p): Entry => [p.key, this.text(p.value)]))];
      }
      case 'arg':
        return [code(this.stageArg(node))];
      case 'onbuild':
        return [this.onStage(node.trigger, stage)];
      case 'comment':
        return [str(node.text)];
      case 'blank':
        return [];
      case 'maintainer':
        return [str(node.name)];
      case 'copy':
      case 'add': {
        const add = node.kind === 'add' ? node : undefined;
        const fields: Entry[] = [
          ['from', node.kind === 'copy' && node.from !== undefined ? this.fromReference(node.from, stage) : undefined],
          ['chown', node.chown === undefined ? undefined : this.text(node.chown)],
          ['chmod', node.chmod === undefined ? undefined : this.text(node.chmod)],
          ['link', node.link ? code(true) : undefined],
          ['parents', node.parents ? code(true) : undefined],
          ['exclude', node.exclude.length > 0 ? array(node.exclude.map((e) => this.text(e))) : undefined],
          ['checksum', add?.checksum === undefined ? undefined : str(add.checksum)],
          ['keepGitDir', add?.keepGitDir ? code(true) : undefined],
          ['unpack', add?.unpack === undefined ? undefined : code(add.unpack)],
        ];
        if (node.inline !== undefined) {
          const content = node.inline === '' || node.inline.endsWith('\n') ? node.inline : node.inline + '\n';
          return [
            object([
              ['content', str(content)],
              ['dest', this.text(node.dest)],
              ...fields,
              ['delimiter', node.heredoc?.delimiter === undefined ? undefined : str(node.heredoc.delimiter)],
              ['expand', node.heredoc?.expand ? code(true) : undefined],
            ]),
          ];
        }
        const src = node.sources.length === 1 ? this.text(node.sources[0]!) : array(node.sources.map((s) => this.text(s)));
        return [src, this.text(node.dest), options(fields)];
      }
      case 'from':
        return [str(typeof node.image === 'string' ? node.image : '')];
    }
  }

  private fromReference(from: Text, stage: number): Expr {
    const variable = typeof from === 'string' ? this.stageVariable(from, stage) : undefined;
    return variable === undefined ? this.text(from) : code(variable);
  }

  private mount(mount: ir.Mount, stage: number): Expr {
    const optionalStr = (value: string | undefined): Expr | undefined => (value ? str(value) : undefined);
    const optionalCode = (value: boolean | number | undefined): Expr | undefined => (value === undefined ? undefined : code(value));
    const textOf = (value: Text | undefined): Expr | undefined => (value === undefined ? undefined : this.text(value));
    return object([
      ['type', str(mount.type)],
      ['target', 'target' in mount ? textOf(mount.target) : undefined],
      ['id', 'id' in mount ? textOf(mount.id) : undefined],
      ['source', 'source' in mount ? textOf(mount.source) : undefined],
      ['from', 'from' in mount && mount.from !== undefined ? this.fromReference(mount.from, stage) : undefined],
      ['sharing', mount.type === 'cache' ? optionalStr(mount.sharing) : undefined],
      ['readonly', mount.type === 'cache' && mount.readonly ? code(true) : undefined],
      ['readwrite', mount.type === 'bind' && mount.readwrite ? code(true) : undefined],
      ['size', mount.type === 'tmpfs' ? optionalStr(mount.size) : undefined],
      ['env', mount.type === 'secret' ? optionalStr(mount.env) : undefined],
      ['required', mount.type === 'secret' || mount.type === 'ssh' ? optionalCode(mount.required) : undefined],
      ['mode', 'mode' in mount ? optionalStr(mount.mode) : undefined],
      ['uid', 'uid' in mount ? optionalCode(mount.uid) : undefined],
      ['gid', 'gid' in mount ? optionalCode(mount.gid) : undefined],
    ]);
  }

  /** `ARG X` in a stage: the variable of the global reference when there is one, else of a reference of its own. */
  private stageArg(node: ir.ArgNode): string {
    const global = this.globalArgs.get(node.name);
    if (global && (node.default === undefined || JSON.stringify(node.default) === JSON.stringify(global.default))) {
      this.stageArgs.set(node.name, global.variable);
      return global.variable;
    }
    const variable = this.names.take(node.name);
    this.helpers.add('arg');
    this.constant(variable, call('arg', [str(node.name), node.default === undefined ? undefined : this.text(node.default)]), false);
    this.stageArgs.set(node.name, variable);
    return variable;
  }

  /**
   * A value: a string literal; an `expand` template when its `$` references are plain names (an
   * ARG in scope, else an environment variable); `raw()` for anything fancier (`${A:-x}`).
   */
  private text(text: Text, inFrom = false): Expr {
    if (typeof text === 'string') return str(text);
    const simple = text.parts.every((p) => typeof p === 'string' || (p.kind === 'raw' && SIMPLE_REF.test(p.text)) || p.kind === 'var');
    if (!simple) {
      this.helpers.add('raw');
      const written = text.parts.map((p) => (typeof p === 'string' ? p.replace(/[\\$"]/g, '\\$&') : p.kind === 'raw' ? p.text : '${' + p.name + '}')).join('');
      return call('raw', [str(written)]);
    }
    this.helpers.add('expand');
    const parts = text.parts.map((part): string | Expr => {
      if (typeof part === 'string') return part;
      const match = part.kind === 'raw' ? SIMPLE_REF.exec(part.text)! : undefined;
      return this.reference(part.kind === 'var' ? part.name : (match![1] ?? match![2])!, inFrom);
    });
    return template('expand', parts);
  }

  private reference(name: string, inFrom: boolean): Expr {
    const argument = inFrom ? this.globalArgs.get(name)?.variable : this.stageArgs.get(name);
    if (argument) return code(argument);
    if (inFrom && isAutomaticArg(name)) {
      this.helpers.add('platformArgs');
      return code(`platformArgs.${name}`);
    }
    this.helpers.add('env');
    return call('env', [str(name)]);
  }
}

/** A shell command: a string, or `{ lines: [...] }` when it was written over several lines. */
function shellCommand(command: ir.ShellForm): Expr {
  return command.lines === undefined ? str(command.command) : object([['lines', strings(command.lines)]]);
}

/** `Dockerfile` -> its folder's name; `api.Dockerfile`, `Dockerfile.api` -> `api`. */
function imageName(path: string): string {
  const file = basename(path);
  const match = /^(.+)\.Dockerfile$/i.exec(file) ?? /^Dockerfile\.(.+)$/i.exec(file);
  return match ? match[1]! : basename(dirname(path)) || 'image';
}
