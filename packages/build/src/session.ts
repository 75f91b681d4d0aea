import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs/light.js';
import type { EngineConnection } from './engine.js';
import { buildError } from './errors.js';

/** A secret a BuildKit build may read through `RUN --mount=type=secret,id=<id>`. Never printed. */
export interface BuildSecret {
  readonly id: string;
  readonly value: Buffer;
}

/** An open BuildKit session: pass `id` as the build's `session`, then `close()` it. */
export interface Session {
  readonly id: string;
  close(): void;
}

// moby/buildkit session/secrets/secrets.proto
const root = protobuf.Root.fromJSON({
  nested: {
    GetSecretRequest: { fields: { ID: { type: 'string', id: 1 } } },
    GetSecretResponse: { fields: { data: { type: 'bytes', id: 1 } } },
    HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
    HealthCheckResponse: { fields: { status: { type: 'int32', id: 1 } } },
  },
});
const GetSecretRequest = root.lookupType('GetSecretRequest');
const GetSecretResponse = root.lookupType('GetSecretResponse');
const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
// The engine checks the session's health every second and drops a session that does not answer.
const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const HealthCheckRequest = root.lookupType('HealthCheckRequest');
const HealthCheckResponse = root.lookupType('HealthCheckResponse');
const SERVING = 1;

/**
 * Serves secrets to BuildKit the way the docker CLI does: `POST /session` upgrades the connection
 * to HTTP/2 on which the engine calls us, and we answer `moby.buildkit.secrets.v1.Secrets`.
 * dockerode's own session serves only registry credentials.
 */
export async function openSession(connection: EngineConnection, secrets: readonly BuildSecret[]): Promise<Session> {
  // Loaded only when a build has secrets: gRPC costs about 70 ms to load.
  const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
  const id = randomUUID();
  const socket = await new Promise<Duplex>((resolve, reject) => {
    connection.docker.modem.dial(
      {
        method: 'POST',
        path: '/session',
        hijack: true,
        headers: {
          Upgrade: 'h2c',
          'X-Docker-Expose-Session-Uuid': id,
          'X-Docker-Expose-Session-Name': 'dockwright',
          'X-Docker-Expose-Session-Sharedkey': id,
          'X-Docker-Expose-Session-Grpc-Method': [GET_SECRET, HEALTH_CHECK],
        },
        statusCodes: { 101: true, 200: true, 500: 'server error' },
      } as never,
      (error: unknown, stream: unknown) => (error ? reject(error) : resolve(stream as Duplex)),
    );
  }).catch((error: unknown) => {
    throw buildError('build.unsupported', `The engine refused a BuildKit session (needed for secrets): ${(error as Error).message}`, error);
  });
  const server = new grpc.Server();
  const byId = new Map(secrets.map((s) => [s.id, s.value]));
  server.addService(
    {
      GetSecret: {
        path: GET_SECRET,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: object) => Buffer.from(GetSecretRequest.encode(value).finish()),
        requestDeserialize: (bytes: Buffer) => GetSecretRequest.decode(bytes) as unknown as { ID: string },
        responseSerialize: (value: object) => Buffer.from(GetSecretResponse.encode(value).finish()),
        responseDeserialize: (bytes: Buffer) => GetSecretResponse.decode(bytes),
      },
    } as never,
    {
      GetSecret: (call: { request: { ID: string } }, callback: (error: unknown, value?: object) => void) => {
        const value = byId.get(call.request.ID);
        if (value === undefined) callback({ code: grpc.status.NOT_FOUND, details: `secret ${call.request.ID} not found` });
        else callback(null, { data: value });
      },
    } as never,
  );
  server.addService(
    {
      Check: {
        path: HEALTH_CHECK,
        requestStream: false,
        responseStream: false,
        requestSerialize: (value: object) => Buffer.from(HealthCheckRequest.encode(value).finish()),
        requestDeserialize: (bytes: Buffer) => HealthCheckRequest.decode(bytes),
        responseSerialize: (value: object) => Buffer.from(HealthCheckResponse.encode(value).finish()),
        responseDeserialize: (bytes: Buffer) => HealthCheckResponse.decode(bytes),
      },
    } as never,
    { Check: (_call: unknown, callback: (error: unknown, value?: object) => void) => callback(null, { status: SERVING }) } as never,
  );
  server.createConnectionInjector(grpc.ServerCredentials.createInsecure()).injectConnection(socket);
  return {
    id,
    close() {
      server.forceShutdown();
      socket.end();
    },
  };
}
