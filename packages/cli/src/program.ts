import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { graphCommand } from './commands/graph.js';
import { lsCommand } from './commands/ls.js';
import { synthCommand } from './commands/synth.js';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { useColor, type Io } from './io.js';
import { painter } from './report.js';

// Required, not imported: importing CommonJS from ESM costs a scan of its source at every start.
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof import('commander');
type Command = import('commander').Command;
type Option = import('commander').Option;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs the command line `argv` (without `node` and the script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.Ok;
  const program = createProgram(io, (code) => {
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
    const paint = painter(useColor(io, io.stderr));
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${paint(['bold', 'red'], 'dockwright:')} ${message}\n`);
    if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') {
      io.stderr.write(`This is a bug in dockwright; please report it with this trace:\n${(error as Error)?.stack ?? ''}\n`);
    }
    return exitCodeFor(error);
  }
}

function createProgram(io: Io, setExitCode: (code: ExitCode) => void): Command {
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
Exit codes: 0 success, 1 the work failed (invalid images, drift, a refused overwrite),
2 the CLI could not do the work (bad usage, definitions missing or failing, no images).

Examples:
  $ dockwright synth                  write every image's Dockerfile declared in ./dockwright.ts
  $ dockwright synth --check          CI gate: exit 1 and show a diff if any Dockerfile drifted
  $ dockwright ls -f images.ts        list the images of images.ts
  $ dockwright graph > graph.mmd      the dependency graph as Mermaid`,
    );

  const fileOption = (): Option =>
    new Option('-f, --file <path>', 'definitions file (.ts, .mts, .cts, .js, .mjs)').default('dockwright.ts');
  const typecheckOption = (): Option => new Option('--typecheck', 'type-check the definitions with TypeScript first');

  program
    .command('synth')
    .description("Write each image's Dockerfile; with one image and no path declared, print it")
    .argument('[images...]', 'images to synthesize, by name (default: all)')
    .addOption(fileOption())
    .addOption(typecheckOption())
    .option('--check', 'write nothing; exit 1 and print a diff if a Dockerfile is missing or differs')
    .option('-o, --out <dir>', 'write every Dockerfile under this folder instead of its declared path')
    .option('--force', 'overwrite files that dockwright did not generate')
    .option('--json', 'print results and diagnostics as JSON on stdout')
    .addHelpText(
      'after',
      `
Each written file starts with a banner naming its definitions file; a file without it is never
overwritten unless --force. Writes are atomic. Diagnostics print as file:line:col severity Rule.

Examples:
  $ dockwright synth                       write all declared Dockerfiles
  $ dockwright synth api worker            only these images
  $ dockwright synth -f images.ts redis    print redis's Dockerfile (no path declared)
  $ dockwright synth --out build/          write under build/
  $ dockwright synth --check               exit 1 with a unified diff on drift`,
    )
    .action(async (images: string[], flags) => setExitCode(await synthCommand(images, flags, io)));

  program
    .command('ls')
    .description('List the images: tags, Dockerfile paths, bases and dependencies')
    .addOption(fileOption())
    .addOption(typecheckOption())
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ dockwright ls\n  $ dockwright ls --json -f images.ts')
    .action(async (flags) => setExitCode(await lsCommand(flags, io)));

  program
    .command('graph')
    .description('Print the dependency graph of the images and their stages')
    .addOption(fileOption())
    .addOption(typecheckOption())
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .addHelpText('after', '\nExamples:\n  $ dockwright graph > graph.mmd\n  $ dockwright graph --format dot | dot -Tsvg > graph.svg')
    .action(async (flags) => setExitCode(await graphCommand(flags, io)));

  return program;
}
