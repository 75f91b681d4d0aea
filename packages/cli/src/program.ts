import { readFileSync } from 'node:fs';
import { Command, CommanderError, type DefineCommand } from './command-kit.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import type { Io } from './io.js';
import { writeError } from './report.js';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs the command line `argv` (without `node` and the script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.Ok;
  const program = await createProgram(argv, io, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help'
        ? ExitCode.Ok
        : ExitCode.CouldNotRun;
    }
    writeError(io, error instanceof Error ? error.message : String(error));
    if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') {
      io.stderr.write(`This is a bug in dockwright; please report it with this trace:\n${(error as Error)?.stack ?? ''}\n`);
    }
    return exitCodeFor(error);
  }
}

/** Every command: its one-line summary, and its module (see command-kit.ts), loaded when it runs. */
const COMMANDS: Record<string, { readonly summary: string; readonly load: () => Promise<{ define: DefineCommand }> }> = {
  synth: {
    summary: "Write each image's Dockerfile; with one image and no path declared, print it",
    load: () => import('./commands/synth.js'),
  },
  ls: { summary: 'List the images: tags, Dockerfile paths, bases and dependencies', load: () => import('./commands/ls.js') },
  graph: { summary: 'Print the dependency graph of the images and their stages', load: () => import('./commands/graph.js') },
  lint: {
    summary: "Check hand-written Dockerfiles with dockwright's rules (and BuildKit's)",
    load: () => import('./commands/lint.js'),
  },
  import: { summary: 'Turn Dockerfiles into one TypeScript definitions file', load: () => import('./commands/import.js') },
  build: {
    summary: 'Build the images (and the images they depend on) through the Docker Engine or BuildKit',
    load: () => import('./commands/build.js'),
  },
  push: { summary: 'Push every tag of the images (build them first)', load: () => import('./commands/push.js') },
  engine: {
    summary: 'Show the daemon dockwright builds on: endpoint, version, BuildKit, platforms',
    load: () => import('./commands/engine.js'),
  },
};

/** The command a command line runs: its first word that is not an option (`help synth`: synth). */
function commandNamed(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

async function createProgram(argv: readonly string[], io: Io, setExitCode: (code: number) => void): Promise<Command> {
  const program = new Command('dockwright')
    .description('Define container images in TypeScript: write their Dockerfiles and check them for drift.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 the work failed (invalid images, drift, a refused overwrite, a failed
build or push), 2 the CLI could not do the work (bad usage, definitions missing or failing, no
images, engine unreachable), 130 interrupted (Ctrl-C).

Examples:
  $ dockwright synth                  write every image's Dockerfile declared in ./dockwright.ts
  $ dockwright synth --check          CI gate: exit 1 and show a diff if any Dockerfile drifted
  $ dockwright ls -f images.ts        list the images of images.ts
  $ dockwright graph > graph.mmd      the dependency graph as Mermaid
  $ dockwright build --push           build every image in dependency order, then push its tags`,
    );

  // Only the command that runs is loaded (and what it imports): `--help` lists the commands from
  // their summaries here, and --version never gets this far (bin.ts).
  const wanted = commandNamed(argv);
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command = program.command(name).description(entry.summary);
    if (name === wanted) {
      const { define } = await entry.load();
      define(command, { io, setExitCode });
    }
  }
  return program;
}
