import { existsSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { importDockerfiles } from '@dockwright/codegen';
import { DockwrightError } from 'dockwright';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';
import { writeGenerated } from '../output.js';
import { readDockerfile } from '../read-dockerfile.js';

export interface ImportFlags {
  readonly output?: string;
  readonly force?: boolean;
}

/** `dockwright import <Dockerfile...> [-o dockwright.ts]`: Dockerfiles to one definitions file. */
export async function importCommand(files: readonly string[], flags: ImportFlags, io: Io): Promise<ExitCode> {
  const inputs = files.map((file) => readDockerfile(file, io.cwd));
  const outFile = resolve(io.cwd, flags.output ?? 'dockwright.ts');
  if (existsSync(outFile) && !flags.force) {
    throw new DockwrightError('output.handWritten', `${relative(io.cwd, outFile)} exists: not overwriting it. Pass -o <file> or --force.`);
  }
  const { source, notes } = importDockerfiles(inputs, outFile);
  writeGenerated(outFile, source, io.cwd);
  for (const note of notes) io.stderr.write(`note: ${note}\n`);
  io.stderr.write(`wrote ${relative(io.cwd, outFile)} from ${files.length} Dockerfile${files.length === 1 ? '' : 's'}; check it with: dockwright synth --check -f ${relative(io.cwd, outFile)}\n`);
  return ExitCode.Ok;
}
