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
import { DockwrightError } from 'dockwright';
import { loadFromFlags, type DefinitionFlags } from '../definition-flags.js';
import type { Definitions } from '../definitions.js';
import { parseDuration } from '../duration.js';
import { tlsFlags, type TlsCliFlags } from '../engine-connection.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type Io } from '../io.js';
import { createProgressView, resolveMode, summaryTable } from '../progress-view.js';
import { count, formatDiagnostic, painter, printable } from '../report.js';
import { selectImages } from '../select.js';

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
  readonly parallel?: string;
  readonly failFast?: boolean;
  readonly keepGoing?: boolean;
  readonly force?: boolean;
  readonly push?: boolean;
  readonly timeout?: string;
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
  const parallel = Number(flags.parallel ?? 4);
  if (!Number.isInteger(parallel) || parallel < 1) throw new DockwrightError('cli.usage', `--parallel ${flags.parallel} is not a whole number of 1 or more.`);
  if (flags.failFast && flags.keepGoing) throw new DockwrightError('cli.usage', '--fail-fast and --keep-going exclude each other.');
  const timeoutMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout');

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
  const named = withDependencies(selected, definitions.sdk, known);
  if (!reportErrors(named, definitions, io)) return ExitCode.Failed;

  const targets = planTargets(
    named,
    definitions.sdk,
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

function reportErrors(images: readonly NamedImage[], definitions: Definitions, io: Io): boolean {
  const found = images.flatMap((image) => definitions.sdk.check(image.image));
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
