import { basename, dirname, relative } from 'node:path';
import { Project, QuoteKind, VariableDeclarationKind, type SourceFile } from 'ts-morph';
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

/** A TypeScript string literal for `text`: a template literal when it spans lines. */
export function tsString(text: string): string {
  if (text.includes('\n')) return '`' + text.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';
  return (
    "'" +
    text
      .replace(/\\/g, '\\\\')
      .replace(/'/g, "\\'")
      .replace(/\r/g, '\\r')
      .replace(/\0/g, '\\0')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029') +
    "'"
  );
}

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
      const head = previous ? previous.variable : tsString(arg.name);
      const options = before === undefined ? '' : `, { before: ${before} }`;
      const defaultPart = value === undefined ? (options ? ', undefined' : '') : `, ${value}`;
      this.constant(variable, `arg(${head}${defaultPart}${options})`, false);
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
      const calls = [this.fromCall(stage, index, this.before(stage.from.before, printed))];
      printed = true;
      let blanks = 0;
      const flushBlanks = (): void => {
        if (blanks > 0) calls.push(blanks === 1 ? '.$blank()' : `.$blank(${blanks})`);
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
          calls.push(`.$overridden((s) => s${this.call(node, index)})`);
          return;
        }
        calls.push(this.call(node, index));
      });
      flushBlanks();
      if (isImage) calls.push(this.finalCalls());
      this.constant(variable, calls.join('\n'), isImage);
    });
  }

  /**
   * A `before` option's lines, or undefined when they are what the printer writes anyway: one
   * blank line when something came before, nothing at the top of the file.
   */
  private before(before: readonly ir.TriviaNode[] | undefined, afterSomething: boolean): string | undefined {
    if (before === undefined) return undefined;
    const lines = before.map((node) => (node.kind === 'blank' ? '' : node.text === '' ? '#' : `# ${node.text}`));
    const usual = afterSomething ? [''] : [];
    if (lines.length === usual.length && lines.every((line, i) => line === usual[i])) return undefined;
    return arrayLiteral(lines);
  }

  private constant(name: string, initializer: string, exported: boolean): void {
    this.file.addVariableStatement({
      declarationKind: VariableDeclarationKind.Const,
      isExported: exported,
      declarations: [{ name, initializer }],
    });
  }

  private fromCall(stage: ir.StageNode, index: number, before: string | undefined): string {
    const image = stage.from.image;
    const base = typeof image === 'string' ? this.stageVariable(image, index) : undefined;
    const options: string[] = [];
    if (stage.from.name !== undefined) options.push(`as: ${tsString(stage.from.name)}`);
    if (stage.from.platform !== undefined) options.push(`platform: ${this.text(stage.from.platform, true)}`);
    if (before !== undefined) options.push(`before: ${before}`);
    const opts = options.length > 0 ? `, { ${options.join(', ')} }` : '';
    return `from(${base ?? this.text(image, true)}${opts})`;
  }

  /** The variable of an earlier stage a name (or index) refers to. */
  private stageVariable(name: string, before: number): string | undefined {
    const target = resolveStage(this.ir.stages, name);
    return target !== undefined && target < before ? this.stageVars[target] : undefined;
  }

  private finalCalls(): string {
    const { syntax, escape, check } = this.ir.directives;
    const lines: string[] = [];
    const directives: string[] = [];
    if (syntax !== undefined) directives.push(`syntax: ${tsString(syntax)}`);
    if (escape !== undefined) directives.push(`escape: ${tsString(escape)}`);
    if (check !== undefined) {
      const { config } = parseCheckDirective(check);
      const parts: string[] = [];
      if (config.skip !== undefined) parts.push(`skip: ${config.skip === 'all' ? "'all'" : `[${config.skip.map(tsString).join(', ')}]`}`);
      if (config.error !== undefined) parts.push(`error: ${config.error}`);
      directives.push(`check: { ${parts.join(', ')} }`);
    }
    // Every stage and every global ARG of the file stays, in its order: those the image does not
    // need (other build targets) and those only a stage's ARG inherits from are listed.
    if (this.globalArgVars.length > 0) directives.push(`args: [${this.globalArgVars.join(', ')}]`);
    const targets = this.stageVars.slice(0, -1);
    if (targets.length > 0) directives.push(`targets: [${targets.join(', ')}]`);
    if (directives.length > 0) lines.push(`.$dockerfile({ ${directives.join(', ')} })`);
    const dockerfile = relative(dirname(this.outFile), this.dockerfilePath).split('\\').join('/');
    const context = relative(dirname(this.outFile), dirname(this.dockerfilePath)).split('\\').join('/') || '.';
    lines.push(`.$meta({ dockerfile: ${tsString(dockerfile)}, context: ${tsString(context)} })`);
    return lines.join('\n');
  }

  private call(node: AnyInstructionNode, stage: number): string {
    const args = this.callArguments(node, stage);
    return `.${node.kind}(${args})`;
  }

  private callArguments(node: AnyInstructionNode, stage: number): string {
    const options = (entries: (string | undefined)[]): string => {
      const present = entries.filter((e): e is string => e !== undefined);
      return present.length > 0 ? `, { ${present.join(', ')} }` : '';
    };
    switch (node.kind) {
      case 'run': {
        const c = node.command;
        const command = c.form === 'exec' ? arrayLiteral(c.args) : c.form === 'script' ? tsString(c.script) : shellCommand(c);
        const mounts = node.mounts.map((m) => this.mount(m, stage));
        return (
          command +
          options([
            mounts.length === 0 ? undefined : `mount: ${mounts.length === 1 ? mounts[0] : `[${mounts.join(', ')}]`}`,
            node.network && `network: ${tsString(node.network)}`,
            node.security && `security: ${tsString(node.security)}`,
            c.form === 'script' && !c.errexit ? 'errexit: false' : undefined,
            c.form === 'script' && c.heredoc?.delimiter !== undefined ? `delimiter: ${tsString(c.heredoc.delimiter)}` : undefined,
            c.form === 'script' && c.heredoc?.expand ? 'expand: true' : undefined,
          ])
        );
      }
      case 'cmd':
      case 'entrypoint':
        return node.command.form === 'exec' ? arrayLiteral(node.command.args) : shellCommand(node.command);
      case 'healthcheck': {
        if (node.test === undefined) return 'false';
        const test = node.test.form === 'exec' ? arrayLiteral(node.test.args) : tsString(node.test.command);
        return (
          test +
          options([
            node.interval && `interval: ${tsString(node.interval)}`,
            node.timeout && `timeout: ${tsString(node.timeout)}`,
            node.startPeriod && `startPeriod: ${tsString(node.startPeriod)}`,
            node.startInterval && `startInterval: ${tsString(node.startInterval)}`,
            node.retries === undefined ? undefined : `retries: ${node.retries}`,
          ])
        );
      }
      case 'shell':
        return arrayLiteral(node.args);
      case 'stopsignal':
        return this.text(node.signal);
      case 'user':
        return this.text(node.user) + (node.group === undefined ? '' : `, ${this.text(node.group)}`);
      case 'workdir':
        return this.text(node.path);
      case 'volume':
        return node.paths.map((t) => this.text(t)).join(', ');
      case 'expose':
        return node.ports.map((t) => (typeof t === 'string' && /^\d+$/.test(t) ? t : this.text(t))).join(', ');
      case 'env':
      case 'label': {
        if (node.kind === 'label' && node.pairs.length > 1) this.notes.push(`${this.display}:${node.loc?.line}: LABEL pairs are written in key order`);
        if (node.pairs.length === 1) return `${tsString(node.pairs[0]!.key)}, ${this.text(node.pairs[0]!.value)}`;
        return `{ ${node.pairs.map((p) => `${propertyName(p.key)}: ${this.text(p.value)}`).join(', ')} }`;
      }
      case 'arg':
        return this.stageArg(node);
      case 'onbuild':
        return `(s) => s${this.call(node.trigger, stage)}`;
      case 'comment':
        return tsString(node.text);
      case 'blank':
        return '';
      case 'maintainer':
        return tsString(node.name);
      case 'copy':
      case 'add': {
        const fields = [
          node.kind === 'copy' && node.from !== undefined ? `from: ${this.fromReference(node.from, stage)}` : undefined,
          node.chown !== undefined ? `chown: ${this.text(node.chown)}` : undefined,
          node.chmod !== undefined ? `chmod: ${this.text(node.chmod)}` : undefined,
          node.link ? 'link: true' : undefined,
          node.parents ? 'parents: true' : undefined,
          node.exclude.length > 0 ? `exclude: [${node.exclude.map((e) => this.text(e)).join(', ')}]` : undefined,
          node.kind === 'add' && node.checksum !== undefined ? `checksum: ${tsString(node.checksum)}` : undefined,
          node.kind === 'add' && node.keepGitDir ? 'keepGitDir: true' : undefined,
          node.kind === 'add' && node.unpack !== undefined ? `unpack: ${node.unpack}` : undefined,
        ].filter((f): f is string => f !== undefined);
        if (node.inline !== undefined) {
          const content = node.inline === '' || node.inline.endsWith('\n') ? node.inline : node.inline + '\n';
          if (node.heredoc?.delimiter !== undefined) fields.push(`delimiter: ${tsString(node.heredoc.delimiter)}`);
          if (node.heredoc?.expand) fields.push('expand: true');
          return `{ content: ${tsString(content)}, dest: ${this.text(node.dest)}${fields.length ? ', ' + fields.join(', ') : ''} }`;
        }
        const src = node.sources.length === 1 ? this.text(node.sources[0]!) : `[${node.sources.map((s) => this.text(s)).join(', ')}]`;
        return `${src}, ${this.text(node.dest)}${fields.length ? `, { ${fields.join(', ')} }` : ''}`;
      }
      case 'from':
        return tsString(typeof node.image === 'string' ? node.image : '');
    }
  }

  private fromReference(from: Text, stage: number): string {
    return (typeof from === 'string' && this.stageVariable(from, stage)) || this.text(from);
  }

  private mount(mount: ir.Mount, stage: number): string {
    const fields: string[] = [`type: ${tsString(mount.type)}`];
    const add = (key: string, value: string | undefined): void => void (value !== undefined && fields.push(`${key}: ${value}`));
    if ('target' in mount && mount.target !== undefined) add('target', this.text(mount.target));
    if ('id' in mount && mount.id !== undefined) add('id', this.text(mount.id));
    if ('source' in mount && mount.source !== undefined) add('source', this.text(mount.source));
    if ('from' in mount && mount.from !== undefined) add('from', this.fromReference(mount.from, stage));
    if (mount.type === 'cache') {
      add('sharing', mount.sharing && tsString(mount.sharing));
      if (mount.readonly) add('readonly', 'true');
    }
    if (mount.type === 'bind' && mount.readwrite) add('readwrite', 'true');
    if (mount.type === 'tmpfs') add('size', mount.size && tsString(mount.size));
    if (mount.type === 'secret') add('env', mount.env && tsString(mount.env));
    if (mount.type === 'secret' || mount.type === 'ssh') add('required', mount.required === undefined ? undefined : String(mount.required));
    if ('mode' in mount) add('mode', mount.mode && tsString(mount.mode));
    if ('uid' in mount) add('uid', mount.uid === undefined ? undefined : String(mount.uid));
    if ('gid' in mount) add('gid', mount.gid === undefined ? undefined : String(mount.gid));
    return `{ ${fields.join(', ')} }`;
  }

  /** `ARG X` in a stage: the global reference when there is one, else a reference of its own. */
  private stageArg(node: ir.ArgNode): string {
    const global = this.globalArgs.get(node.name);
    if (global && (node.default === undefined || JSON.stringify(node.default) === JSON.stringify(global.default))) {
      this.stageArgs.set(node.name, global.variable);
      return global.variable;
    }
    const variable = this.names.take(node.name);
    this.helpers.add('arg');
    this.constant(variable, `arg(${tsString(node.name)}${node.default === undefined ? '' : `, ${this.text(node.default)}`})`, false);
    this.stageArgs.set(node.name, variable);
    return variable;
  }

  /**
   * A value: a string literal; an `expand` template when its `$` references are plain names (an
   * ARG in scope, else an environment variable); `raw()` for anything fancier (`${A:-x}`).
   */
  private text(text: Text, inFrom = false): string {
    if (typeof text === 'string') return tsString(text);
    const simple = text.parts.every((p) => typeof p === 'string' || (p.kind === 'raw' && SIMPLE_REF.test(p.text)) || p.kind === 'var');
    if (!simple) {
      this.helpers.add('raw');
      const written = text.parts.map((p) => (typeof p === 'string' ? p.replace(/[\\$"]/g, '\\$&') : p.kind === 'raw' ? p.text : '${' + p.name + '}')).join('');
      return `raw(${tsString(written)})`;
    }
    this.helpers.add('expand');
    let template = '';
    for (const part of text.parts) {
      if (typeof part === 'string') {
        template += part.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
        continue;
      }
      const match = part.kind === 'raw' ? SIMPLE_REF.exec(part.text)! : undefined;
      const name = part.kind === 'var' ? part.name : (match![1] ?? match![2])!;
      template += '${' + this.reference(name, inFrom) + '}';
    }
    return 'expand`' + template + '`';
  }

  private reference(name: string, inFrom: boolean): string {
    const argument = inFrom ? this.globalArgs.get(name)?.variable : this.stageArgs.get(name);
    if (argument) return argument;
    if (inFrom && isAutomaticArg(name)) {
      this.helpers.add('platformArgs');
      return `platformArgs.${name}`;
    }
    this.helpers.add('env');
    return `env(${tsString(name)})`;
  }
}

/** A shell command: a string, or `{ lines: [...] }` when it was written over several lines. */
function shellCommand(command: ir.ShellForm): string {
  return command.lines === undefined ? tsString(command.command) : `{ lines: ${arrayLiteral(command.lines)} }`;
}

function arrayLiteral(items: readonly string[]): string {
  return `[${items.map(tsString).join(', ')}]`;
}

function propertyName(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsString(key);
}

/** `Dockerfile` -> its folder's name; `api.Dockerfile`, `Dockerfile.api` -> `api`. */
function imageName(path: string): string {
  const file = basename(path);
  const match = /^(.+)\.Dockerfile$/i.exec(file) ?? /^Dockerfile\.(.+)$/i.exec(file);
  return match ? match[1]! : basename(dirname(path)) || 'image';
}
