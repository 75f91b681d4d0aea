import { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';
import { openEngine } from '../engine-connection.js';

/** `dockwright engine`: which engine dockwright would use, and what it offers. */
export async function engineCommand(flags: { readonly json?: boolean }, io: Io): Promise<ExitCode> {
  const { engine } = await openEngine(io);
  if (flags.json) {
    io.stdout.write(JSON.stringify(engine, null, 2) + '\n');
    return ExitCode.Ok;
  }
  const rows: [string, string][] = [
    ['endpoint', `${engine.endpoint} (${engine.source})`],
    ['engine', `Docker ${engine.version} (API ${engine.apiVersion}), ${engine.os}/${engine.arch}`],
    ['default builder', engine.builderVersion === '2' ? 'BuildKit' : 'classic'],
    ['BuildKit', engine.buildkit ? 'available (--builder buildkit)' : 'not available'],
  ];
  for (const [key, value] of rows) io.stdout.write(`${key.padEnd(16)} ${value}\n`);
  return ExitCode.Ok;
}
