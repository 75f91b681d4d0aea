import { describeBackend } from '@dockwright/engine';
import { tlsFlags, type TlsCliFlags } from '../engine-connection.js';
import { ExitCode } from '../exit-codes.js';
import type { Io } from '../io.js';
import { addBuilderOptions, type DefineCommand } from '../command-kit.js';

export interface EngineFlags extends TlsCliFlags {
  readonly json?: boolean;
  readonly builder?: readonly string[];
}

/** `dockwright engine`: which daemon (or daemons) dockwright would build on, and what they offer. */
export async function engineCommand(flags: EngineFlags, io: Io): Promise<ExitCode> {
  const described = await describeBackend({ builder: flags.builder, tls: tlsFlags(flags), env: io.env, cwd: io.cwd });
  const rows: [string, string][] = [];
  if (described.kind === 'buildkit') {
    const [only] = described.nodes;
    if (flags.json) {
      const json =
        described.nodes.length === 1 && only && 'info' in only
          ? { kind: 'buildkit', ...only.info }
          : { kind: 'fleet', nodes: described.nodes.map((n) => ('info' in n ? { up: true, ...n.info } : { up: false, ...n })) };
      io.stdout.write(JSON.stringify(json, null, 2) + '\n');
      return ExitCode.Ok;
    }
    for (const node of described.nodes) {
      if (!('info' in node)) {
        rows.push(['endpoint', `${node.address} (${node.source})`], ['state', `down: ${node.error}`]);
        continue;
      }
      const { info } = node;
      rows.push(['endpoint', `${info.address} (${info.source})`]);
      rows.push(['builder', `BuildKit ${info.version}${info.revision ? ` (${info.revision.slice(0, 12)})` : ''}`]);
      for (const worker of info.workers) rows.push([`worker ${worker.id.slice(0, 12)}`, worker.platforms.join(', ')]);
    }
  } else {
    const engine = described.info;
    if (flags.json) {
      io.stdout.write(JSON.stringify({ kind: 'docker', ...engine }, null, 2) + '\n');
      return ExitCode.Ok;
    }
    rows.push(['endpoint', `${engine.endpoint} (${engine.source})`]);
    rows.push(['engine', `Docker ${engine.version} (API ${engine.apiVersion}), ${engine.os}/${engine.arch}`]);
    rows.push(['default builder', engine.builderVersion === '2' ? 'BuildKit' : 'classic']);
    rows.push(['BuildKit', engine.buildkit ? 'available (--builder buildkit; its API: --builder docker://)' : 'not available']);
  }
  const width = Math.max(16, ...rows.map(([key]) => key.length));
  for (const [key, value] of rows) io.stdout.write(`${key.padEnd(width)} ${value}\n`);
  return ExitCode.Ok;
}

/** Declares `dockwright engine`: its arguments, options and help, and its action. */
export const define: DefineCommand = (command, { io, setExitCode }) => {
  addBuilderOptions(command, 'as for build: auto (default), classic, buildkit, or BuildKit daemons (unix://, tcp://, docker://; repeatable)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      "\nA BuildKit daemon when --builder or BUILDKIT_HOST names one (its version and its workers' platforms);\nelse the Docker Engine, found like the docker CLI finds it: DOCKER_HOST (DOCKER_TLS_VERIFY,\nDOCKER_CERT_PATH), DOCKER_CONTEXT or the current context, else the local socket.\n\nExamples:\n  $ dockwright engine\n  $ DOCKER_HOST=tcp://build-host:2376 DOCKER_TLS_VERIFY=1 dockwright engine --json\n  $ dockwright engine --builder tcp://builder:1234 --tlsdir ./certs",
    )
    .action(async (flags: EngineFlags) => setExitCode(await engineCommand(flags, io)));
};
