import { homedir } from 'node:os';
import { dockerConfigDir, pushTag } from '@dockwright/engine';
import { imageTags } from 'dockwright';
import { loadFromFlags, type DefinitionFlags } from '../definition-flags.js';
import { openEngine } from '../engine-connection.js';
import { ExitCode } from '../exit-codes.js';
import { useColor, type Io } from '../io.js';
import { painter, printable } from '../report.js';
import { selectImages } from '../select.js';
import { addDefinitionOptions, type DefineCommand } from '../command-kit.js';

/** `dockwright push [images...]`: push every tag of the images (built before, e.g. by `dockwright build`). */
export async function pushCommand(names: readonly string[], flags: DefinitionFlags, io: Io): Promise<ExitCode> {
  const definitions = await loadFromFlags(flags, io);
  const images = selectImages(definitions.images, names);
  const { connection } = await openEngine(io);
  const configDir = dockerConfigDir(io.env, io.env.HOME ?? homedir());
  const paint = painter(useColor(io, io.stderr));
  let failed = 0;
  for (const image of images) {
    const tags = imageTags(image.image, image.name);
    for (const tag of tags) {
      try {
        const digest = await pushTag(connection, tag, {
          configDir,
          env: io.env,
          signal: io.signal,
          onProgress: (t, text) => io.stderr.write(`[${t}] ${printable(text)}\n`),
        });
        io.stdout.write(`pushed ${tag}${digest ? ` ${digest}` : ''}\n`);
      } catch (error) {
        failed++;
        io.stderr.write(`${paint(['bold', 'red'], 'error:')} ${printable((error as Error).message)}\n`);
      }
    }
  }
  return failed === 0 ? ExitCode.Ok : ExitCode.Failed;
}

/** Declares `dockwright push`: its arguments, options and help, and its action. */
export const define: DefineCommand = (command, { io, setExitCode }) => {
  addDefinitionOptions(command)
    .argument('[images...]', 'images to push, by name (default: all)')
    .addHelpText(
      'after',
      '\nCredentials come from the docker config (~/.docker/config.json, credential helpers).\n\nExamples:\n  $ dockwright push\n  $ dockwright push api',
    )
    .action(async (images: string[], flags: DefinitionFlags) => setExitCode(await pushCommand(images, flags, io)));
};
