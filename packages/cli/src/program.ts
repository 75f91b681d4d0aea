import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ExitCode, exitCodeFor } from './exit-codes.js';
import { DEFAULT_LOAD_TIMEOUT } from './defaults.js';
import type { Io } from './io.js';
import { writeError } from './report.js';

// Required, not imported: importing CommonJS from ESM costs a scan of its source at every start.
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof import('commander');
type Command = import('commander').Command;
type Option = import('commander').Option;

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs the command line `argv` (without `node` and the script) and returns the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let exitCode: number = ExitCode.Ok;
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
    writeError(io, error instanceof Error ? error.message : String(error));
    if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') {
      io.stderr.write(`This is a bug in dockwright; please report it with this trace:\n${(error as Error)?.stack ?? ''}\n`);
    }
    return exitCodeFor(error);
  }
}

function createProgram(io: Io, setExitCode: (code: number) => void): Command {
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

  const fileOption = (): Option => new Option('-f, --file <path>', 'definitions file (.ts, .mts, .cts, .js, .mjs)').default('dockwright.ts');
  const typecheckOption = (): Option => new Option('--typecheck', 'type-check the definitions with TypeScript first');
  const loadTimeoutOption = (): Option =>
    new Option('--load-timeout <duration>', 'give up on a definitions file still loading after this long (0: never)').default(DEFAULT_LOAD_TIMEOUT);

  program
    .command('synth')
    .description("Write each image's Dockerfile; with one image and no path declared, print it")
    .argument('[images...]', 'images to synthesize, by name (default: all)')
    .addOption(fileOption())
    .addOption(typecheckOption())
    .addOption(loadTimeoutOption())
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
    // Each command loads what it uses when it runs: --version and --help load none of it.
    .action(async (images: string[], flags) => setExitCode(await (await import('./commands/synth.js')).synthCommand(images, flags, io)));

  program
    .command('ls')
    .description('List the images: tags, Dockerfile paths, bases and dependencies')
    .addOption(fileOption())
    .addOption(typecheckOption())
    .addOption(loadTimeoutOption())
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ dockwright ls\n  $ dockwright ls --json -f images.ts')
    .action(async (flags) => setExitCode(await (await import('./commands/ls.js')).lsCommand(flags, io)));

  program
    .command('graph')
    .description('Print the dependency graph of the images and their stages')
    .addOption(fileOption())
    .addOption(typecheckOption())
    .addOption(loadTimeoutOption())
    .addOption(new Option('--format <format>', 'output format').choices(['mermaid', 'dot']).default('mermaid'))
    .addHelpText('after', '\nExamples:\n  $ dockwright graph > graph.mmd\n  $ dockwright graph --format dot | dot -Tsvg > graph.svg')
    .action(async (flags) => setExitCode(await (await import('./commands/graph.js')).graphCommand(flags, io)));

  program
    .command('lint')
    .description("Check hand-written Dockerfiles with dockwright's rules (and BuildKit's)")
    .argument('<Dockerfile...>', 'files to check')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .addHelpText(
      'after',
      `
Honours # check=skip=...;error=true directives. Exit 1 when any error is found.

Examples:
  $ dockwright lint Dockerfile
  $ dockwright lint services/*/Dockerfile --format sarif > dockwright.sarif`,
    )
    .action(async (files: string[], flags) => {
      const { lintCommand } = await import('./commands/lint.js');
      setExitCode(await lintCommand(files, flags, io));
    });

  program
    .command('import')
    .description('Turn Dockerfiles into one TypeScript definitions file')
    .argument('<Dockerfile...>', 'Dockerfiles to import')
    .option('-o, --output <file>', 'the definitions file to write', 'dockwright.ts')
    .option('--force', 'overwrite the output file')
    .option(
      '--replace',
      'also replace each Dockerfile with the one the definitions synthesize (with the banner), once each is the same build; else write nothing',
    )
    .addHelpText(
      'after',
      `
Each Dockerfile becomes an exported image that declares its path and context, so
\`dockwright synth\` writes the same Dockerfiles back: every stage, comment and blank line, with a
banner (and the few normalizations the README lists). Anything dockwright cannot express is an
error naming the line. --replace makes the move in one step: the definitions file is written and
each Dockerfile replaced by its synthesized self, after checking each is the same build.

Examples:
  $ dockwright import Dockerfile
  $ dockwright import api/Dockerfile worker/Dockerfile -o images.ts
  $ dockwright import --replace Dockerfile && dockwright synth --check`,
    )
    .action(async (files: string[], flags) => {
      const { importCommand } = await import('./commands/import.js');
      setExitCode(await importCommand(files, flags, io));
    });

  const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
  const collectBuilders = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
  program
    .command('build')
    .description('Build the images (and the images they depend on) through the Docker Engine or BuildKit')
    .argument('[images...]', 'images to build, by name (default: all)')
    .addOption(fileOption())
    .addOption(typecheckOption())
    .addOption(loadTimeoutOption())
    .option('--only <names>', 'comma-separated images to build (with what they depend on)')
    .option('-t, --tag <tag>', 'an extra tag (repeatable; one image only)', collect)
    .option('--build-arg <KEY=VALUE>', 'a build argument (repeatable; added to those declared)', collect)
    .option('--label <KEY=VALUE>', 'an image label (repeatable)', collect)
    .option('--target <stage>', 'build up to this stage')
    .option('--platform <os/arch>', 'target platform')
    .option('--network <mode>', 'network for RUN instructions (e.g. none, host)')
    .option('--cache-from <cache>', 'a cache to read: an image, or type=registry,ref=...|type=local,src=... (repeatable; {name} is the image)', collect)
    .option('--cache-to <cache>', 'a cache to write (BuildKit): type=registry,ref=reg/cache:{name}[,mode=max], type=inline... (repeatable)', collect)
    .option('--no-cache', 'do not use the layer cache')
    .option('--pull', 'pull newer base images (never done otherwise)')
    .option(
      '--builder <builder>',
      "auto (default), classic, buildkit (the Docker Engine's), or a BuildKit daemon: unix:///path, tcp://host:port, docker://; repeat it (or use commas) for a fleet",
      collectBuilders,
    )
    .option('--tlscacert <file>', 'CA certificate of a tcp:// BuildKit daemon')
    .option('--tlscert <file>', 'client certificate for a tcp:// BuildKit daemon')
    .option('--tlskey <file>', 'client key for a tcp:// BuildKit daemon')
    .option('--tlsservername <name>', "the server name the daemon's certificate holds")
    .option('--tlsdir <dir>', 'a folder holding ca.pem, cert.pem and key.pem')
    .option(
      '-o, --output <output>',
      'also write the result (BuildKit): type=local,dest=DIR, type=tar|oci|docker,dest=FILE; {name} is the image (repeatable)',
      collect,
    )
    .option('--load', 'load what a BuildKit daemon built into the Docker Engine')
    .addOption(new Option('--progress <mode>', 'progress output').choices(['auto', 'tty', 'plain', 'json']).default('auto'))
    .option('--parallel <n>', 'images built at once', '4')
    .option('--keep-going', 'keep building what does not depend on a failure (default)')
    .option('--fail-fast', 'cancel everything at the first failure')
    .option('--force', 'build even images that are up to date')
    .option('--push', 'push the tags of the images that built (Docker Engine: once every build has ended)')
    .option('--timeout <duration>', 'give up on an image after this long (e.g. 10m)')
    .option('--secret <id=...,src=file|env=VAR>', 'a secret for RUN --mount=type=secret (BuildKit; repeatable)', collect)
    .option('--ssh <default|id=socket>', 'an SSH agent for RUN --mount=type=ssh (BuildKit; repeatable)', collect)
    .addHelpText(
      'after',
      `
An image whose inputs have not changed (its Dockerfile, settings, base images and the context
files it reads) and that already carries its tags is reported up to date without building: on the
Docker Engine from a record kept on this machine; through BuildKit with --push, from the registry.

The builder: --builder, else BUILDKIT_HOST (a BuildKit daemon, as buildctl reads it), else the
Docker Engine the docker CLI would use (DOCKER_HOST, docker contexts).

Examples:
  $ dockwright build                                   everything, 4 at a time
  $ dockwright build api --build-arg VERSION=1.2       api and the images it builds on
  $ dockwright build --builder buildkit --network none
  $ dockwright build --push --fail-fast --progress plain
  $ BUILDKIT_HOST=unix:///run/buildkit/buildkitd.sock dockwright build --push \\
      --cache-to type=registry,ref=reg.example/cache:{name},mode=max --cache-from reg.example/cache:{name}
  $ dockwright build --builder tcp://builder:1234 --tlsdir certs --platform linux/amd64,linux/arm64 --push
  $ dockwright build --push --builder tcp://bk-0:1234 --builder tcp://bk-1:1234 --tlsdir certs   a fleet`,
    )
    // The engine commands load dockerode (about 200 ms): only when one of them runs.
    .action(async (images: string[], flags) => {
      const { buildCommand } = await import('./commands/build.js');
      setExitCode(await buildCommand(images, flags, io));
    });

  program
    .command('push')
    .description('Push every tag of the images (build them first)')
    .argument('[images...]', 'images to push, by name (default: all)')
    .addOption(fileOption())
    .addOption(typecheckOption())
    .addOption(loadTimeoutOption())
    .addHelpText(
      'after',
      '\nCredentials come from the docker config (~/.docker/config.json, credential helpers).\n\nExamples:\n  $ dockwright push\n  $ dockwright push api',
    )
    .action(async (images: string[], flags) => {
      const { pushCommand } = await import('./commands/push.js');
      setExitCode(await pushCommand(images, flags, io));
    });

  program
    .command('engine')
    .description('Show the daemon dockwright builds on: endpoint, version, BuildKit, platforms')
    .option('--json', 'print JSON')
    .option(
      '--builder <builder>',
      'as for build: auto (default), classic, buildkit, or BuildKit daemons (unix://, tcp://, docker://; repeatable)',
      collectBuilders,
    )
    .option('--tlscacert <file>', 'CA certificate of a tcp:// BuildKit daemon')
    .option('--tlscert <file>', 'client certificate for a tcp:// BuildKit daemon')
    .option('--tlskey <file>', 'client key for a tcp:// BuildKit daemon')
    .option('--tlsservername <name>', "the server name the daemon's certificate holds")
    .option('--tlsdir <dir>', 'a folder holding ca.pem, cert.pem and key.pem')
    .addHelpText(
      'after',
      "\nA BuildKit daemon when --builder or BUILDKIT_HOST names one (its version and its workers' platforms);\nelse the Docker Engine, found like the docker CLI finds it: DOCKER_HOST (DOCKER_TLS_VERIFY,\nDOCKER_CERT_PATH), DOCKER_CONTEXT or the current context, else the local socket.\n\nExamples:\n  $ dockwright engine\n  $ DOCKER_HOST=tcp://build-host:2376 DOCKER_TLS_VERIFY=1 dockwright engine --json\n  $ dockwright engine --builder tcp://builder:1234 --tlsdir ./certs",
    )
    .action(async (flags) => {
      const { engineCommand } = await import('./commands/engine.js');
      setExitCode(await engineCommand(flags, io));
    });

  return program;
}
