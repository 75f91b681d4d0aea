import { homedir } from 'node:os';
import { dirname } from 'node:path';
import {
  buildTargets,
  dockerConfigDir,
  openBackend,
  planTargets,
  pushFailed,
  readSecret,
  sshAgentFlag,
  withDependencies,
  type ImageResult,
  type NamedImage,
  type Outcome,
} from '@dockwright/engine';
import { check, DockwrightError } from 'dockwright';
import { loadFromFlags, type DefinitionFlags } from '../definition-flags.js';
import { tlsFlags, type TlsCliFlags } from '../engine-connection.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type Io } from '../io.js';
import { createProgressView, resolveMode, summaryTable } from '../progress-view.js';
import { count, formatDiagnostic, painter, printable } from '../report.js';
import { selectImages } from '../select.js';
import { addDefinitionOptions, addBuilderOptions, collect, Option, countValue, durationValue, type DefineCommand } from '../command-kit.js';

export interface BuildCliFlags extends DefinitionFlags, TlsCliFlags {
  readonly only?: string;
  readonly tag?: readonly string[];
  readonly buildArg?: readonly string[];
  readonly label?: readonly string[];
  readonly target?: string;
  readonly platform?: string;
  readonly network?: string;
  readonly cacheFrom?: readonly string[];
  readonly cacheTo?: readonly string[];
  readonly output?: readonly string[];
  readonly load?: boolean;
  /** commander's `--no-cache` sets `cache: false`. */
  readonly cache?: boolean;
  readonly pull?: boolean;
  readonly builder?: readonly string[];
  readonly progress?: string;
  readonly parallel: number;
  readonly failFast?: boolean;
  readonly keepGoing?: boolean;
  readonly force?: boolean;
  readonly push?: boolean;
  /** Milliseconds. */
  readonly timeout?: number;
  readonly secret?: readonly string[];
  readonly ssh?: readonly string[];
}

/** Exit code of a run stopped by Ctrl-C, as shells report SIGINT. */
export const EXIT_INTERRUPTED = 130;

/**
 * `dockwright build [images...]`: validate, then build the images (and what they depend on) in
 * dependency order with live progress, optionally push, and print a summary.
 */
export async function buildCommand(names: readonly string[], flags: BuildCliFlags, io: Io): Promise<number> {
  const parallel = flags.parallel;
  if (flags.failFast && flags.keepGoing) throw new DockwrightError('cli.usage', '--fail-fast and --keep-going exclude each other.');
  const timeoutMs = flags.timeout;

  const definitions = await loadFromFlags(flags, io);
  const wanted = [
    ...names,
    ...(flags.only
      ?.split(',')
      .map((n) => n.trim())
      .filter(Boolean) ?? []),
  ];
  const known: NamedImage[] = definitions.images.map(({ name, image }) => ({ name, image }));
  const selected = selectImages(definitions.images, wanted).map(({ name, image }) => ({ name, image }));
  const named = withDependencies(selected, known);
  if (!reportErrors(named, io)) return ExitCode.Failed;

  const targets = planTargets(
    named,
    {
      tags: flags.tag,
      buildArgs: keyValues(flags.buildArg, '--build-arg'),
      labels: keyValues(flags.label, '--label'),
      target: flags.target,
      platform: flags.platform,
      network: flags.network,
      cacheFrom: flags.cacheFrom,
      cacheTo: flags.cacheTo,
      outputs: flags.output,
      noCache: flags.cache === false,
      pull: flags.pull,
      secrets: (flags.secret ?? []).map((spec) => readSecret(spec, io.cwd, io.env)),
      ssh: (flags.ssh ?? []).map((spec) => sshAgentFlag(spec, io.cwd, io.env)),
    },
    { baseDir: dirname(definitions.file), env: io.env, cwd: io.cwd, requested: selected.map((s) => s.name) },
  );
  const configDir = dockerConfigDir(io.env, io.env.HOME ?? homedir());
  const backend = await openBackend({ builder: flags.builder, tls: tlsFlags(flags), load: flags.load, parallel, env: io.env, cwd: io.cwd, configDir });
  for (const notice of backend.notices ?? []) io.stderr.write(`${painter(useColor(io, io.stderr))(['bold', 'yellow'], 'warning:')} ${printable(notice)}\n`);

  const mode = resolveMode(flags.progress ?? 'auto', io);
  const color = useColor(io, io.stderr);
  const view = await createProgressView(
    mode,
    io,
    targets.map((t) => t.name),
    color,
  );
  let outcomes: Outcome<ImageResult>[];
  try {
    outcomes = await buildTargets(backend, targets, {
      parallel,
      failFast: flags.failFast ?? false,
      force: flags.force ?? false,
      push: flags.push ?? false,
      load: flags.load ?? false,
      timeoutMs,
      signal: io.signal,
      env: io.env,
      configDir,
      onEvent: (image, event) => view.event(image, event),
    });
  } finally {
    view.close();
    backend.close();
  }

  const tagsOf = (name: string): readonly string[] => targets.find((t) => t.name === name)?.tags ?? [];
  const paint = painter(color);
  for (const outcome of outcomes) {
    if (outcome.status === 'done') {
      for (const tag of outcome.value.pushed) {
        if (tag.error !== undefined) io.stderr.write(`${paint(['bold', 'red'], 'error:')} ${outcome.name}: ${printable(tag.error)}\n`);
      }
    }
    if (outcome.status !== 'failed') continue;
    const message = printable((outcome.error as Error).message);
    // A failed step names its image (after the .ts line); other failures get it here.
    io.stderr.write(`${paint(['bold', 'red'], 'error:')} ${message.includes(`${outcome.name}: `) ? message : `${outcome.name}: ${message}`}\n`);
  }
  if (mode === 'json') io.stdout.write(JSON.stringify({ type: 'summary', images: outcomes.map((o) => summaryJson(o, tagsOf(o.name))) }) + '\n');
  else io.stdout.write(summaryTable(outcomes, tagsOf, backend.kind === 'fleet'));

  if (io.signal?.aborted) {
    const cancelled = outcomes.filter((o) => o.status === 'cancelled').map((o) => o.name);
    io.stderr.write(`interrupted${cancelled.length > 0 ? `: cancelled ${cancelled.join(', ')}` : ''}\n`);
    return EXIT_INTERRUPTED;
  }
  return outcomes.every((o) => o.status === 'done') && !pushFailed(outcomes) ? ExitCode.Ok : ExitCode.Failed;
}

function reportErrors(images: readonly NamedImage[], io: Io): boolean {
  const found = images.flatMap((image) => check(image.image));
  const errors = found.filter((d) => d.severity === 'error');
  if (found.length === 0) return true;
  const paint = painter(useColor(io, io.stderr));
  for (const d of found) io.stderr.write(formatDiagnostic(d, io.cwd, paint) + '\n');
  if (errors.length > 0) io.stderr.write(`${count(errors.length, 'error')}: nothing was built\n`);
  return errors.length === 0;
}

function keyValues(pairs: readonly string[] | undefined, flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new DockwrightError('cli.usage', `${flag} ${pair}: expected KEY=VALUE.`);
    result[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return result;
}

function summaryJson(outcome: Outcome<ImageResult>, tags: readonly string[]): Record<string, unknown> {
  if (outcome.status === 'done') {
    const r = outcome.value;
    return {
      name: r.name,
      status: r.upToDate ? 'up-to-date' : 'built',
      builder: r.builder,
      node: r.node,
      ...(r.moved ? { moved: r.moved } : {}),
      id: r.id,
      digest: r.digest,
      tags,
      size: r.size,
      durationMs: r.durationMs,
      steps: r.steps,
      cachedSteps: r.cachedSteps,
      pushed: r.pushed,
    };
  }
  if (outcome.status === 'failed') return { name: outcome.name, status: 'failed', tags, error: (outcome.error as Error).message };
  return { name: outcome.name, status: outcome.status, tags, ...(outcome.status === 'skipped' ? { because: outcome.because } : {}) };
}

/** Declares `dockwright build`: its arguments, options and help, and its action. */
export const define: DefineCommand = (command, { io, setExitCode }) => {
  addBuilderOptions(
    addDefinitionOptions(command),
    "auto (default), classic, buildkit (the Docker Engine's), or a BuildKit daemon: unix:///path, tcp://host:port, docker://; repeat it (or use commas) for a fleet",
  )
    .argument('[images...]', 'images to build, by name (default: all)')
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
      '-o, --output <output>',
      'also write the result (BuildKit): type=local,dest=DIR, type=tar|oci|docker,dest=FILE; {name} is the image (repeatable)',
      collect,
    )
    .option('--load', 'load what a BuildKit daemon built into the Docker Engine')
    .addOption(new Option('--progress <mode>', 'progress output').choices(['auto', 'tty', 'plain', 'json']).default('auto'))
    .addOption(new Option('--parallel <n>', 'images built at once').argParser(countValue).default(4))
    .option('--keep-going', 'keep building what does not depend on a failure (default)')
    .option('--fail-fast', 'cancel everything at the first failure')
    .option('--force', 'build even images that are up to date')
    .option('--push', 'push the tags of the images that built (Docker Engine: once every build has ended)')
    .addOption(new Option('--timeout <duration>', 'give up on an image after this long (e.g. 10m)').argParser(durationValue))
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
    .action(async (images: string[], flags: BuildCliFlags) => setExitCode(await buildCommand(images, flags, io)));
};
