import { isAbsolute, relative, resolve } from 'node:path';
import { check, DockwrightError, print, type Diagnostic } from 'dockwright';
import { loadFromFlags, type DefinitionFlags } from '../definition-flags.js';
import type { DefinedImage, Definitions } from '../definitions.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type Io } from '../io.js';
import { readIfExists, refuseUnowned, withBanner, writeGenerated } from '../output.js';
import { count, diagnosticJson, formatDiagnostic, painter, shortPath } from '../report.js';
import { selectImages } from '../select.js';
import { addDefinitionOptions, type DefineCommand } from '../command-kit.js';

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
export async function synthCommand(names: readonly string[], flags: SynthFlags, io: Io): Promise<number> {
  const definitions = await loadFromFlags(flags, io);
  const images = selectImages(definitions.images, names);
  const found = images.flatMap((image) => check(image.image).map((d) => ({ image, d })));
  const report: Report = { io, json: flags.json ?? false, diagnostics: found.map(({ image, d }) => diagnosticJson(d, image.name, io.cwd)) };
  if (reportDiagnostics(found, report)) return ExitCode.Failed;

  const planned = plan(images, flags, io);
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

function plan(images: readonly DefinedImage[], flags: SynthFlags, io: Io): Synthesized[] {
  const out = flags.out === undefined ? undefined : resolve(io.cwd, flags.out);
  const planned = images.map((image): Synthesized => {
    const text = print(image.image.toIR());
    if (out === undefined) return { image, text, target: image.dockerfile };
    const declared = image.meta.dockerfile ?? `${image.name.replaceAll('/', '-').replaceAll(':', '-')}.Dockerfile`;
    const target = resolve(out, declared);
    const inside = relative(out, target);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new DockwrightError(
        'output.invalidPath',
        `${image.name} declares the Dockerfile path ${declared}, which is outside --out ${flags.out}: nothing was written. With --out, declare paths inside it (no ../, not absolute).`,
      );
    }
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
      throw new DockwrightError(
        'definitions.conflict',
        `${other} and ${image.name} would both write ${shortPath(target, io.cwd)}: give each its own dockerfile path.`,
      );
    }
    byTarget.set(target, image.name);
  }
  return planned;
}

/** Exit code of a run stopped by Ctrl-C, as shells report SIGINT. */
const EXIT_INTERRUPTED = 130;

/**
 * Writes every file, each atomically, saying so as it goes. Ctrl-C stops between two files:
 * each is then the old one or the new one, whole, and no temporary file is left.
 */
async function writeFiles(planned: readonly Synthesized[], definitions: Definitions, flags: SynthFlags, report: Report): Promise<number> {
  const { io } = report;
  refuseUnowned(
    planned.map((p) => p.target!),
    definitions.file,
    flags.force ?? false,
    io.cwd,
  );
  const signal = io.signal; // from here on Ctrl-C is ours: it stops between two files
  const results: { image: string; dockerfile: string; status: string }[] = [];
  for (const { image, text, target } of planned) {
    if (signal?.aborted) break;
    const dockerfile = shortPath(target!, io.cwd);
    const status = writeGenerated(target!, withBanner(text, target!, definitions.file), io.cwd);
    results.push({ image: image.name, dockerfile, status });
    if (!report.json) io.stderr.write(`${status.padEnd(9)} ${dockerfile}\n`);
    await new Promise((resolve) => setImmediate(resolve)); // let a Ctrl-C in
  }
  if (signal?.aborted) {
    const left = planned.length - results.length;
    if (report.json) finish(report, false, results);
    io.stderr.write(`interrupted: ${count(results.length, 'Dockerfile')} written, ${left} left as ${left === 1 ? 'it was' : 'they were'}\n`);
    return EXIT_INTERRUPTED;
  }
  if (report.json) finish(report, true, results);
  return ExitCode.Ok;
}

async function checkFiles(planned: readonly Synthesized[], definitions: Definitions, report: Report): Promise<ExitCode> {
  const { io } = report;
  const { createTwoFilesPatch } = await import('diff');
  const results = planned.map(({ image, text, target }) => {
    const expected = withBanner(text, target!, definitions.file);
    const actual = readIfExists(target!);
    const dockerfile = shortPath(target!, io.cwd);
    const status = actual === undefined ? 'missing' : actual === expected ? 'up-to-date' : 'differs';
    // A checkout that turned LF into CRLF (git's autocrlf): say so rather than show every line changed.
    const lineEndings = status === 'differs' && actual!.replace(/\r\n/g, '\n') === expected ? 'crlf' : undefined;
    const diff =
      status === 'up-to-date' || lineEndings ? undefined : createTwoFilesPatch(dockerfile, dockerfile, actual ?? '', expected, 'on disk', 'generated');
    return { image: image.name, dockerfile, status, diff, ...(lineEndings ? { lineEndings } : {}) };
  });
  const drifted = results.filter((r) => r.status !== 'up-to-date');
  if (report.json) {
    finish(report, drifted.length === 0, results);
  } else {
    for (const r of drifted) if (r.diff) io.stdout.write(r.diff);
    const describe = (r: (typeof results)[number]): string =>
      r.lineEndings
        ? `${r.dockerfile}: differs only in line endings (CRLF on disk, LF generated: check git's core.autocrlf or add "Dockerfile text eol=lf" to .gitattributes)`
        : `${r.dockerfile}: ${r.status}`;
    const summary =
      drifted.length === 0
        ? `${count(results.length, 'Dockerfile')} up to date\n`
        : `${count(drifted.length, 'Dockerfile')} out of date (${drifted.map(describe).join(', ')}): run dockwright synth\n`;
    io.stderr.write(summary);
  }
  return drifted.length === 0 ? ExitCode.Ok : ExitCode.Failed;
}

/** The one JSON document of a `--json` run. */
function finish(report: Report, ok: boolean, images: readonly unknown[]): void {
  report.io.stdout.write(JSON.stringify({ ok, images, diagnostics: report.diagnostics }, null, 2) + '\n');
}

/** Declares `dockwright synth`: its arguments, options and help, and its action. */
export const define: DefineCommand = (command, { io, setExitCode }) => {
  addDefinitionOptions(command)
    .argument('[images...]', 'images to synthesize, by name (default: all)')
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
    .action(async (images: string[], flags: SynthFlags) => setExitCode(await synthCommand(images, flags, io)));
};
