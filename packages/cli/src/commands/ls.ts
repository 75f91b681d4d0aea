import { relative } from 'node:path';
import { check, imageInfo, imageTags, textToDisplay, type DockerfileNode } from 'dockwright';
import { loadFromFlags, type DefinitionFlags } from '../definition-flags.js';
import type { DefinedImage, Definitions } from '../definitions.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type Io } from '../io.js';
import { formatDiagnostic, painter } from '../report.js';
import { addDefinitionOptions, type DefineCommand } from '../command-kit.js';

export interface LsFlags extends DefinitionFlags {
  readonly json?: boolean;
}

/** One row of `dockwright ls`. */
export interface ImageSummary {
  readonly name: string;
  readonly export: string;
  readonly tags: readonly string[];
  /** Relative to the working folder; null when it would print to stdout. */
  readonly dockerfile: string | null;
  /** Images its stages start from or copy from, outside this Dockerfile. */
  readonly bases: readonly string[];
  /** Images of the same definitions that must be built first. */
  readonly dependsOn: readonly string[];
}

/** `dockwright ls`: the images, their tags, output paths, bases and dependencies. */
export async function lsCommand(flags: LsFlags, io: Io): Promise<ExitCode> {
  const definitions = await loadFromFlags(flags, io);
  // Tags are checked here too: a list that shows a tag Docker would refuse is a list to fix.
  const tagErrors = definitions.images.flatMap((image) => check(image.image).filter((d) => d.rule === 'InvalidTag'));
  const paint = painter(useColor(io, io.stderr));
  for (const d of tagErrors) io.stderr.write(formatDiagnostic(d, io.cwd, paint) + '\n');
  const rows = definitions.images.map((image) => summarize(image, definitions, io.cwd));
  if (flags.json) {
    io.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return tagErrors.length > 0 ? ExitCode.Failed : ExitCode.Ok;
  }
  const table = [
    ['NAME', 'TAGS', 'DOCKERFILE', 'BASES', 'DEPENDS ON'],
    ...rows.map((r) => [r.name, r.tags.join(',') || '-', r.dockerfile ?? '(stdout)', r.bases.join(',') || '-', r.dependsOn.join(',') || '-']),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  for (const row of table)
    io.stdout.write(
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd() + '\n',
    );
  return tagErrors.length > 0 ? ExitCode.Failed : ExitCode.Ok;
}

export function summarize(image: DefinedImage, definitions: Definitions, cwd: string): ImageSummary {
  const info = imageInfo(image.image);
  const dependsOn = info.dependencies.map((dep) => definitions.images.find((d) => d.image === dep)?.name ?? imageInfo(dep).reference ?? '?');
  return {
    name: image.name,
    export: image.exportName,
    tags: imageTags(image.image, image.name),
    dockerfile: image.dockerfile === undefined ? null : relative(cwd, image.dockerfile),
    bases: externalBases(image.image.toIR()),
    dependsOn,
  };
}

/** FROM and COPY --from images that are not stages of the same Dockerfile. */
function externalBases(file: DockerfileNode): string[] {
  const stageNames = new Set(file.stages.map((s) => s.from.name).filter((n) => n !== undefined));
  const bases = new Set<string>();
  for (const stage of file.stages) {
    const image = textToDisplay(stage.from.image);
    if (!stageNames.has(image)) bases.add(image);
  }
  return [...bases];
}

/** Declares `dockwright ls`: its arguments, options and help, and its action. */
export const define: DefineCommand = (command, { io, setExitCode }) => {
  addDefinitionOptions(command)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ dockwright ls\n  $ dockwright ls --json -f images.ts')
    .action(async (flags: LsFlags) => setExitCode(await lsCommand(flags, io)));
};
