import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { serveSession, sessionHeaders, sessionRefused, type Session, type SessionServices } from '../session.js';
import type { EngineConnection } from './engine.js';

/**
 * Opens the session a BuildKit build on the Docker Engine talks back to, as the docker CLI does:
 * `POST /session` upgrades the connection to HTTP/2, on which the engine calls us.
 */
export async function openEngineSession(connection: EngineConnection, services: SessionServices): Promise<Session> {
  const id = randomUUID();
  const socket = await upgrade(connection, '/session', sessionHeaders(id, 'dockwright', services)).catch((error: unknown) => {
    throw sessionRefused(`The engine at ${connection.endpoint.host}`, error);
  });
  return serveSession(socket, id, services);
}

/**
 * `POST <path>` with `Upgrade: h2c`: the engine answers 101 and the socket then carries HTTP/2
 * (`/session`: the engine is the client; `/grpc`: BuildKit's Control API, we are the client).
 */
export function upgrade(connection: EngineConnection, path: string, headers: Record<string, string | string[]> = {}): Promise<Duplex> {
  return new Promise<Duplex>((resolve, reject) => {
    connection.docker.modem.dial(
      {
        method: 'POST',
        path,
        hijack: true,
        headers: { Upgrade: 'h2c', ...headers },
        statusCodes: { 101: true, 200: true, 404: 'not found', 500: 'server error' },
      } as never,
      (error: unknown, stream: unknown) => (error ? reject(error) : resolve(stream as Duplex)),
    );
  });
}
