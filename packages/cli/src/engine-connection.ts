import { homedir } from 'node:os';
import { connect, inspectEngine, resolveEndpoint, type BuildkitTls, type EngineConnection, type EngineInfo } from '@dockwright/engine';
import type { Io } from './io.js';

/** Connects to the engine the way the docker CLI would in this environment, and asks what it is. */
export async function openEngine(io: Io): Promise<{ connection: EngineConnection; engine: EngineInfo }> {
  const connection = connect(resolveEndpoint(io.env, io.env.HOME ?? homedir(), io.cwd));
  const engine = await inspectEngine(connection);
  return { connection, engine };
}

/** buildctl's TLS flags, as commander reads them. */
export interface TlsCliFlags {
  readonly tlscacert?: string;
  readonly tlscert?: string;
  readonly tlskey?: string;
  readonly tlsservername?: string;
  readonly tlsdir?: string;
}

export function tlsFlags(flags: TlsCliFlags): BuildkitTls {
  return { cacert: flags.tlscacert, cert: flags.tlscert, key: flags.tlskey, servername: flags.tlsservername, dir: flags.tlsdir };
}
