import { relative, resolve } from 'node:path';
import { DockwrightError, type Diagnostic } from 'dockwright';
import { loadFromFlags, type DefinitionFlags } from '../definition-flags.js';
import type { DefinedImage, Definitions } from '../definitions.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type Io } from '../io.js';
import { readIfExists, refuseHandWritten, withBanner, writeGenerated } from '../output.js';
import { count, diagnosticJson, formatDiagnostic, painter } from '../report.js';
import { selectImages } from '../select.js';

export interface SynthFlags extends DefinitionFlags {
  readonly check?: boolean;
  readonly out?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

interface Synthesized {
  readonly image: DefinedImage;
  readonly text: string;
  /** Absolute path to write, or undefined for standard output. */
  readonly target: string | undefined;
}

/**
 * `dockwright synth [images...]`: validate every selected image, then print one to stdout, write
 * each to its Dockerfile path, or (`--check`) compare each with the file on disk.
 */
export async function synthCommand(names: readonly string[], flags: SynthFlags, io: Io): Promise<ExitCode> {
  const definitions = await loadFromFlags(flags, io);
  const images = selectImages(definitions.images, names);
  const found = images.flatMap((image) => definitions.sdk.check(image.image).map((d) => ({ image, d })));
  const report: Report = { io, json: flags.json ?? false, diagnostics: found.map(({ image, d }) => diagnosticJson(d, image.name, io.cwd)) };
  if (reportDiagnostics(found, report)) return ExitCode.Failed;

  const planned = plan(images, definitions, flags, io);
  if (planned.length === 1 && planned[0]!.target === undefined) {
    const { image, text } = planned[0]!;
    if (report.json) finish(report, true, [{ image: image.name, dockerfile: null, content: text }]);
    else io.stdout.write(text);
    return ExitCode.Ok;
  }
  return flags.check ? checkFiles(planned, definitions, report) : writeFiles(planned, definitions, flags, report);
}

/** Where results go: text for people, or one JSON document on stdout (`--json`). */
interface Report {
  readonly io: Io;
  readonly json: boolean;
  readonly diagnostics: readonly Record<string, unknown>[];
}

/** Prints warnings and errors; true when any is an error (then nothing is written). */
function reportDiagnostics(all: readonly { image: DefinedImage; d: Diagnostic }[], report: Report): boolean {
  const { io } = report;
  const errors = all.filter(({ d }) => d.severity === 'error').length;
  if (report.json) {
    if (errors > 0) finish(report, false, []);
  } else if (all.length > 0) {
    const paint = painter(useColor(io, io.stderr));
    for (const { d } of all) io.stderr.write(formatDiagnostic(d, io.cwd, paint) + '\n');
    const warnings = all.length - errors;
    io.stderr.write(`${count(errors, 'error')}, ${count(warnings, 'warning')}${errors > 0 ? ': nothing was written' : ''}\n`);
  }
  return errors > 0;
}

function plan(images: readonly DefinedImage[], definitions: Definitions, flags: SynthFlags, io: Io): Synthesized[] {
  const planned = images.map((image): Synthesized => {
    const text = definitions.sdk.print(image.image.toIR());
    const target = flags.out
      ? resolve(io.cwd, flags.out, image.meta.dockerfile ?? `${image.name.replaceAll('/', '-')}.Dockerfile`)
      : image.dockerfile;
    return { image, text, target };
  });
  const homeless = planned.filter((p) => p.target === undefined);
  if (homeless.length > 0 && (planned.length > 1 || flags.check)) {
    throw new DockwrightError(
      'definitions.conflict',
      `${homeless.map((p) => p.image.name).join(', ')} declare${homeless.length === 1 ? 's' : ''} no Dockerfile path: add $meta({ dockerfile: 'Dockerfile' }) or pass --out <dir>.`,
    );
  }
  const byTarget = new Map<string, string>();
  for (const { image, target } of planned) {
    if (target === undefined) continue;
    const other = byTarget.get(target);
    if (other !== undefined) {
      throw new DockwrightError('definitions.conflict', `${other} and ${image.name} would both write ${relative(io.cwd, target)}: give each its own dockerfile path.`);
    }
    byTarget.set(target, image.name);
  }
  return planned;
}

function writeFiles(planned: readonly Synthesized[], definitions: Definitions, flags: SynthFlags, report: Report): ExitCode {
  const { io } = report;
  const targets = planned.map((p) => p.target!);
  refuseHandWritten(targets, flags.force ?? false, io.cwd);
  const results = planned.map(({ image, text, target }) => ({
    image: image.name,
    dockerfile: relative(io.cwd, target!),
    status: writeGenerated(target!, withBanner(text, target!, definitions.file)),
  }));
  if (report.json) finish(report, true, results);
  else for (const r of results) io.stderr.write(`${r.status.padEnd(9)} ${r.dockerfile}\n`);
  return ExitCode.Ok;
}

async function checkFiles(planned: readonly Synthesized[], definitions: Definitions, report: Report): Promise<ExitCode> {
  const { io } = report;
  const { createTwoFilesPatch } = await import('diff');
  const results = planned.map(({ image, text, target }) => {
    const expected = withBanner(text, target!, definitions.file);
    const actual = readIfExists(target!);
    const dockerfile = relative(io.cwd, target!);
    const status = actual === undefined ? 'missing' : actual === expected ? 'up-to-date' : 'differs';
    const diff = status === 'up-to-date' ? undefined : createTwoFilesPatch(dockerfile, dockerfile, actual ?? '', expected, 'on disk', 'generated');
    return { image: image.name, dockerfile, status, diff };
  });
  const drifted = results.filter((r) => r.status !== 'up-to-date');
  if (report.json) {
    finish(report, drifted.length === 0, results);
  } else {
    for (const r of drifted) io.stdout.write(r.diff!);
    const summary = drifted.length === 0
      ? `${count(results.length, 'Dockerfile')} up to date\n`
      : `${count(drifted.length, 'Dockerfile')} out of date (${drifted.map((r) => `${r.dockerfile}: ${r.status}`).join(', ')}): run dockwright synth\n`;
    io.stderr.write(summary);
  }
  return drifted.length === 0 ? ExitCode.Ok : ExitCode.Failed;
}

/** The one JSON document of a `--json` run. */
function finish(report: Report, ok: boolean, images: readonly unknown[]): void {
  report.io.stdout.write(JSON.stringify({ ok, images, diagnostics: report.diagnostics }, null, 2) + '\n');
}
