import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildTargets, planTargets, type BuildSecret, type ImageResult, type NamedImage, type Outcome, type SshAgent } from '@dockwright/build';
import { DockwrightError } from 'dockwright';
import { loadFromFlags, type DefinitionFlags } from '../definition-flags.js';
import type { DefinedImage, Definitions } from '../definitions.js';
import { parseDuration } from '../duration.js';
import { openEngine } from '../engine-connection.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type Io } from '../io.js';
import { createProgressView, resolveMode, summaryTable } from '../progress-view.js';
import { count, formatDiagnostic, painter } from '../report.js';
import { selectImages } from '../select.js';

export interface BuildCliFlags extends DefinitionFlags {
  readonly only?: string;
  readonly tag?: readonly string[];
  readonly buildArg?: readonly string[];
  readonly label?: readonly string[];
  readonly target?: string;
  readonly platform?: string;
  readonly network?: string;
  readonly cacheFrom?: readonly string[];
  /** commander's `--no-cache` sets `cache: false`. */
  readonly cache?: boolean;
  readonly pull?: boolean;
  readonly builder?: 'auto' | 'buildkit' | 'classic';
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
  const wanted = [...names, ...(flags.only?.split(',').map((n) => n.trim()).filter(Boolean) ?? [])];
  const selected = withDependencies(selectImages(definitions.images, wanted), definitions);
  if (!reportErrors(selected, definitions, io)) return ExitCode.Failed;

  const named: NamedImage[] = selected.map(({ name, image }) => ({ name: uniqueName(name, selected, image), image }));
  const targets = planTargets(named, definitions.sdk, dirname(definitions.file), {
    tags: flags.tag,
    buildArgs: keyValues(flags.buildArg, '--build-arg'),
    labels: keyValues(flags.label, '--label'),
    target: flags.target,
    platform: flags.platform,
    network: flags.network,
    cacheFrom: flags.cacheFrom,
    noCache: flags.cache === false,
    pull: flags.pull,
    secrets: (flags.secret ?? []).map((spec) => readSecret(spec, io)),
    ssh: (flags.ssh ?? []).map((spec) => sshAgent(spec, io)),
  });
  // Secrets and agents declared in code join those given on the command line.
  const baseDir = dirname(definitions.file);
  const withDeclared = targets.map((target) => ({
    ...target,
    secrets: [...(target.secrets ?? []), ...(target.image.meta.secrets ?? []).map((s) => declaredSecret(s, baseDir, io))],
    ssh: [...(target.ssh ?? []), ...(target.image.meta.ssh ?? []).map((a) => (typeof a === 'string' ? sshAgent(a, io) : { id: a.id, socket: resolve(baseDir, a.socket) }))],
  }));
  const { connection, engine } = await openEngine(io);

  const mode = resolveMode(flags.progress ?? 'auto', io);
  const view = await createProgressView(mode, io, targets.map((t) => t.name), useColor(io, io.stderr));
  let outcomes: Outcome<ImageResult>[];
  try {
    outcomes = await buildTargets(connection, engine, withDeclared, {
      builder: flags.builder ?? 'auto',
      parallel,
      failFast: flags.failFast ?? false,
      force: flags.force ?? false,
      push: flags.push ?? false,
      timeoutMs,
      signal: io.signal,
      onEvent: (image, event) => view.event(image, event),
    });
  } finally {
    view.close();
  }

  const tagsOf = (name: string): readonly string[] => targets.find((t) => t.name === name)?.tags ?? [];
  const paint = painter(useColor(io, io.stderr));
  for (const outcome of outcomes) {
    if (outcome.status !== 'failed') continue;
    const message = (outcome.error as Error).message;
    // A failed step names its image (after the .ts line); other failures get it here.
    io.stderr.write(`${paint(['bold', 'red'], 'error:')} ${message.includes(`${outcome.name}: `) ? message : `${outcome.name}: ${message}`}\n`);
  }
  if (mode === 'json') io.stdout.write(JSON.stringify({ type: 'summary', images: outcomes.map((o) => summaryJson(o, tagsOf(o.name))) }) + '\n');
  else io.stdout.write(summaryTable(outcomes, tagsOf));

  if (io.signal?.aborted) {
    const cancelled = outcomes.filter((o) => o.status === 'cancelled').map((o) => o.name);
    io.stderr.write(`interrupted${cancelled.length > 0 ? `: cancelled ${cancelled.join(', ')}` : ''}\n`);
    return EXIT_INTERRUPTED;
  }
  return outcomes.every((o) => o.status === 'done') ? ExitCode.Ok : ExitCode.Failed;
}

/** The selection plus every image of the definitions it starts from or copies from, transitively. */
function withDependencies(selected: readonly DefinedImage[], definitions: Definitions): DefinedImage[] {
  const result = new Set<DefinedImage>();
  const add = (image: DefinedImage): void => {
    if (result.has(image)) return;
    for (const dep of definitions.sdk.imageInfo(image.image).dependencies) {
      const defined = definitions.images.find((d) => d.image === dep);
      if (defined) add(defined);
    }
    result.add(image);
  };
  selected.forEach(add);
  return definitions.images.filter((image) => result.has(image));
}

/** Several images may share a name (one per tag): tell them apart by their first tag. */
function uniqueName(name: string, selected: readonly DefinedImage[], image: DefinedImage['image']): string {
  const shared = selected.filter((d) => d.name === name).length > 1;
  return shared ? (image.meta.tags?.[0] ?? name) : name;
}

function reportErrors(images: readonly DefinedImage[], definitions: Definitions, io: Io): boolean {
  const found = images.flatMap((image) => definitions.sdk.check(image.image));
  const errors = found.filter((d) => d.severity === 'error');
  if (found.length === 0) return true;
  const paint = painter(useColor(io, io.stderr));
  for (const d of found) io.stderr.write(formatDiagnostic(d, io.cwd, paint) + '\n');
  if (errors.length > 0) io.stderr.write(`${count(errors.length, 'error')}: nothing was built\n`);
  return errors.length === 0;
}

/**
 * `--secret id=npm,src=~/.npmrc` or `--secret id=token,env=TOKEN` (the docker CLI's spelling; with
 * neither, the variable named like the id). The value is read here and never printed.
 */
function readSecret(spec: string, io: Io): BuildSecret {
  const fields = new Map(spec.split(',').map((field) => {
    const eq = field.indexOf('=');
    return [eq === -1 ? field : field.slice(0, eq), eq === -1 ? '' : field.slice(eq + 1)] as const;
  }));
  const id = fields.get('id');
  if (!id) throw new DockwrightError('cli.usage', `--secret ${spec}: expected id=<id> with src=<file> or env=<variable>.`);
  const src = fields.get('src') ?? fields.get('source');
  if (src !== undefined) {
    const path = resolve(io.cwd, src.replace(/^~(?=\/)/, io.env.HOME ?? '~'));
    if (!existsSync(path)) throw new DockwrightError('cli.usage', `--secret ${id}: no file at ${src}.`);
    return { id, value: readFileSync(path) };
  }
  const variable = fields.get('env') ?? id;
  const value = io.env[variable];
  if (value === undefined) throw new DockwrightError('cli.usage', `--secret ${id}: the environment variable ${variable} is not set.`);
  return { id, value: Buffer.from(value) };
}

/** A secret declared with `$meta({ secrets })`: a file relative to the definitions, or a variable. */
function declaredSecret(secret: { id: string; src?: string; env?: string }, baseDir: string, io: Io): BuildSecret {
  if (secret.src !== undefined) return readSecret(`id=${secret.id},src=${resolve(baseDir, secret.src)}`, io);
  return readSecret(`id=${secret.id},env=${secret.env ?? secret.id}`, io);
}

/** `--ssh default` (the agent at SSH_AUTH_SOCK) or `--ssh <id>=<socket>`, as the docker CLI spells it. */
function sshAgent(spec: string, io: Io): SshAgent {
  const eq = spec.indexOf('=');
  const id = eq === -1 ? spec : spec.slice(0, eq);
  const socket = eq === -1 ? io.env.SSH_AUTH_SOCK : resolve(io.cwd, spec.slice(eq + 1));
  if (!id || !socket) throw new DockwrightError('cli.usage', `--ssh ${spec}: no agent socket (SSH_AUTH_SOCK is not set; pass --ssh ${id || 'default'}=<socket>).`);
  return { id, socket };
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
    return { name: r.name, status: r.upToDate ? 'up-to-date' : 'built', id: r.id, tags, size: r.size, durationMs: r.durationMs, steps: r.steps, cachedSteps: r.cachedSteps, pushed: r.pushed };
  }
  if (outcome.status === 'failed') return { name: outcome.name, status: 'failed', tags, error: (outcome.error as Error).message };
  return { name: outcome.name, status: outcome.status, tags, ...(outcome.status === 'skipped' ? { because: outcome.because } : {}) };
}
