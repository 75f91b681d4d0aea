import { homedir } from 'node:os';
import { connect, inspectEngine, resolveEndpoint, type EngineConnection, type EngineInfo } from '@dockwright/engine';
import type { Io } from './io.js';

/** Connects to the engine the way the docker CLI would in this environment, and asks what it is. */
export async function openEngine(io: Io): Promise<{ connection: EngineConnection; engine: EngineInfo }> {
  const connection = connect(resolveEndpoint(io.env, io.env.HOME ?? homedir(), io.cwd));
  const engine = await inspectEngine(connection);
  return { connection, engine };
}
