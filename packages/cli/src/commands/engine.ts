import { describeBackend } from '@dockwright/engine';
import { tlsFlags, type TlsCliFlags } from '../engine-connection.js';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';

/** `dockwright engine`: which daemon dockwright would build on, and what it offers. */
export async function engineCommand(flags: { readonly json?: boolean; readonly builder?: string } & TlsCliFlags, io: Io): Promise<ExitCode> {
  const described = await describeBackend({ builder: flags.builder, tls: tlsFlags(flags), env: io.env, cwd: io.cwd });
  if (flags.json) {
    io.stdout.write(JSON.stringify({ kind: described.kind, ...described.info }, null, 2) + '\n');
    return ExitCode.Ok;
  }
  const rows: [string, string][] = [];
  if (described.kind === 'buildkit') {
    const { info } = described;
    rows.push(['endpoint', `${info.address} (${info.source})`]);
    rows.push(['builder', `BuildKit ${info.version}${info.revision ? ` (${info.revision.slice(0, 12)})` : ''}`]);
    for (const worker of info.workers) rows.push([`worker ${worker.id.slice(0, 12)}`, worker.platforms.join(', ')]);
  } else {
    const engine = described.info;
    rows.push(['endpoint', `${engine.endpoint} (${engine.source})`]);
    rows.push(['engine', `Docker ${engine.version} (API ${engine.apiVersion}), ${engine.os}/${engine.arch}`]);
    rows.push(['default builder', engine.builderVersion === '2' ? 'BuildKit' : 'classic']);
    rows.push(['BuildKit', engine.buildkit ? 'available (--builder buildkit; its API: --builder docker://)' : 'not available']);
  }
  const width = Math.max(16, ...rows.map(([key]) => key.length));
  for (const [key, value] of rows) io.stdout.write(`${key.padEnd(width)} ${value}\n`);
  return ExitCode.Ok;
}
