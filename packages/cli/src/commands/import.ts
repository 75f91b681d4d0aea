import { randomBytes } from 'node:crypto';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { importDockerfiles } from '@dockwright/codegen';
import { buildDifference, DockwrightError, parse, print } from 'dockwright';
import { loadDefinitions } from '../definitions.js';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';
import { withBanner, writeGenerated } from '../output.js';
import { readDockerfile } from '../read-dockerfile.js';
import { shortPath } from '../report.js';
import type { DefineCommand } from '../command-kit.js';

export interface ImportFlags {
  readonly output?: string;
  readonly force?: boolean;
  readonly replace?: boolean;
}

/**
 * `dockwright import <Dockerfile...> [-o dockwright.ts] [--replace]`: Dockerfiles to one
 * definitions file. With `--replace`, the move in one step: each Dockerfile is replaced by the one
 * the new definitions synthesize (with the banner, so `synth --check` gates it from then on),
 * only once every one of them is the same build as before; otherwise nothing is written.
 */
export async function importCommand(files: readonly string[], flags: ImportFlags, io: Io): Promise<ExitCode> {
  const inputs = files.map((file) => readDockerfile(file, io.cwd));
  const outFile = resolve(io.cwd, flags.output ?? 'dockwright.ts');
  const shown = shortPath(outFile, io.cwd);
  if (existsSync(outFile) && !flags.force) {
    throw new DockwrightError('output.handWritten', `${shown} exists: not overwriting it. Pass -o <file> or --force.`);
  }
  const { source, notes } = importDockerfiles(inputs, outFile);
  for (const note of notes) io.stderr.write(`note: ${note}\n`);
  const count = `${files.length} Dockerfile${files.length === 1 ? '' : 's'}`;
  if (!flags.replace) {
    writeGenerated(outFile, source, io.cwd);
    io.stderr.write(
      `wrote ${shown} from ${count}.\n` +
        `To make it the source of ${files.length === 1 ? 'that Dockerfile' : 'those Dockerfiles'} in one step (each replaced by the one it synthesizes, with the banner, once it is the same build): dockwright import --replace --force ${files.join(' ')}${flags.output ? ` -o ${flags.output}` : ''}\n`,
    );
    return ExitCode.Ok;
  }
  await replaceDockerfiles(inputs, source, outFile, io);
  io.stderr.write(
    `wrote ${shown} from ${count} and replaced ${files.length === 1 ? 'it' : 'them'} with what it synthesizes; from now on: edit ${shown}, run dockwright synth, gate with dockwright synth --check\n`,
  );
  return ExitCode.Ok;
}

/**
 * Loads the new definitions from a temporary file beside the final one (their paths are relative
 * to it), synthesizes every image, and writes anything only when each Dockerfile comes back as the
 * same build: then the definitions file, then each Dockerfile with its banner, each atomically.
 */
async function replaceDockerfiles(inputs: readonly { path: string; text: string }[], source: string, outFile: string, io: Io): Promise<void> {
  const temporary = join(dirname(outFile), `.${basename(outFile, '.ts')}.import-${randomBytes(6).toString('hex')}.ts`);
  writeFileSync(temporary, source);
  try {
    const definitions = await loadDefinitions(temporary, { cwd: io.cwd, env: io.env });
    const written = inputs.map((input) => {
      const image = definitions.images.find((d) => d.dockerfile === input.path);
      if (!image)
        throw new DockwrightError(
          'import.changesBuild',
          `${shortPath(input.path, io.cwd)}: no image of the imported definitions writes it back: nothing was written.`,
        );
      const text = print(image.image.toIR());
      const difference = buildDifference(parse(input.text, input.path).ir, parse(text, input.path).ir);
      if (difference !== undefined) {
        throw new DockwrightError(
          'import.changesBuild',
          `${shortPath(input.path, io.cwd)} would not be the same build after import (${difference}): nothing was written.`,
        );
      }
      return { path: input.path, content: withBanner(text, input.path, outFile) };
    });
    renameSync(temporary, outFile);
    for (const file of written) {
      const status = writeGenerated(file.path, file.content, io.cwd);
      io.stderr.write(`${status === 'unchanged' ? 'unchanged' : 'replaced '} ${shortPath(file.path, io.cwd)}\n`);
    }
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** Declares `dockwright import`: its arguments, options and help, and its action. */
export const define: DefineCommand = (command, { io, setExitCode }) => {
  command
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
    .action(async (files: string[], flags: ImportFlags) => setExitCode(await importCommand(files, flags, io)));
};
