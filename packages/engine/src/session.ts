import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import type { Duplex } from 'node:stream';
import { createRequire } from 'node:module';
import protobuf from 'protobufjs/light.js';
import type { EngineConnection } from './engine.js';
import { buildError } from './errors.js';
import { DIFF_COPY, diffCopyMethod, serveDiffCopy, type DiffCopyCall, type SyncDirectory } from './filesync.js';

/** A secret a BuildKit build may read through `RUN --mount=type=secret,id=<id>`. Never printed. */
export interface BuildSecret {
  readonly id: string;
  readonly value: Buffer;
}

/** An SSH agent a BuildKit build may use through `RUN --mount=type=ssh[,id=<id>]`. */
export interface SshAgent {
  /** `default` unless the mount names another. */
  readonly id: string;
  /** The agent's socket (`SSH_AUTH_SOCK`). */
  readonly socket: string;
}

/** What a session serves. */
export interface SessionServices {
  readonly secrets?: readonly BuildSecret[] | undefined;
  readonly ssh?: readonly SshAgent[] | undefined;
  /** Directories BuildKit reads through FileSync: `context` and `dockerfile`. */
  readonly files?: ReadonlyMap<string, SyncDirectory> | undefined;
  /** Registry credentials for BuildKit's pulls (moby.filesync.v1.Auth/Credentials); never printed. */
  readonly credentials?: ((host: string) => { readonly username: string; readonly secret: string } | undefined) | undefined;
  /**
   * Names the local files across builds, so BuildKit sends only what changed since the last
   * build of the same folder (the docker CLI hashes the context's path into it).
   */
  readonly sharedKey?: string | undefined;
}

/** An open BuildKit session: pass `id` as the build's `session`, then `close()` it. */
export interface Session {
  readonly id: string;
  /** Why sending files failed, when it did (BuildKit then reports the build failed too, in its words). */
  readonly failure: Error | undefined;
  close(): void;
}

// moby/buildkit session/secrets/secrets.proto
const root = protobuf.Root.fromJSON({
  nested: {
    GetSecretRequest: { fields: { ID: { type: 'string', id: 1 } } },
    GetSecretResponse: { fields: { data: { type: 'bytes', id: 1 } } },
    HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
    BytesMessage: { fields: { data: { type: 'bytes', id: 1 } } },
    CheckAgentRequest: { fields: { ID: { type: 'string', id: 1 } } },
    CheckAgentResponse: { fields: {} },
    HealthCheckResponse: { fields: { status: { type: 'int32', id: 1 } } },
    CredentialsRequest: { fields: { Host: { type: 'string', id: 1 } } },
    CredentialsResponse: { fields: { Username: { type: 'string', id: 1 }, Secret: { type: 'string', id: 2 } } },
  },
});
// moby/buildkit session/auth/auth.proto (FetchToken and the token authority are left unimplemented:
// BuildKit then uses the credentials itself)
const CREDENTIALS = '/moby.filesync.v1.Auth/Credentials';
const CredentialsRequest = root.lookupType('CredentialsRequest');
const CredentialsResponse = root.lookupType('CredentialsResponse');
const GetSecretRequest = root.lookupType('GetSecretRequest');
const GetSecretResponse = root.lookupType('GetSecretResponse');
const GET_SECRET = '/moby.buildkit.secrets.v1.Secrets/GetSecret';
// The engine checks the session's health every second and drops a session that does not answer.
const HEALTH_CHECK = '/grpc.health.v1.Health/Check';
const HealthCheckRequest = root.lookupType('HealthCheckRequest');
const HealthCheckResponse = root.lookupType('HealthCheckResponse');
const SERVING = 1;
// moby/buildkit session/sshforward/ssh.proto
const CHECK_AGENT = '/moby.sshforward.v1.SSH/CheckAgent';
const FORWARD_AGENT = '/moby.sshforward.v1.SSH/ForwardAgent';
const BytesMessage = root.lookupType('BytesMessage');
const CheckAgentRequest = root.lookupType('CheckAgentRequest');
const CheckAgentResponse = root.lookupType('CheckAgentResponse');

/** A gRPC method description for grpc-js, (de)serialized with a protobufjs type. */
function method(path: string, request: protobuf.Type, response: protobuf.Type, streaming = false) {
  return {
    path,
    requestStream: streaming,
    responseStream: streaming,
    requestSerialize: (value: object) => Buffer.from(request.encode(value).finish()),
    requestDeserialize: (bytes: Buffer) => request.decode(bytes),
    responseSerialize: (value: object) => Buffer.from(response.encode(value).finish()),
    responseDeserialize: (bytes: Buffer) => response.decode(bytes),
  };
}

/**
 * Opens the session a BuildKit build talks back to, as the docker CLI does: `POST /session`
 * upgrades the connection to HTTP/2, on which the engine calls us. We answer FileSync (the
 * context and the Dockerfile), `moby.buildkit.secrets.v1.Secrets`, `moby.sshforward.v1.SSH`
 * (each agent connection piped through a bidirectional stream), registry credentials, and the
 * health checks the engine makes every second.
 */
export async function openSession(connection: EngineConnection, services: SessionServices): Promise<Session> {
  const secrets = services.secrets ?? [];
  const agents = services.ssh ?? [];
  const files = services.files;
  const methods = [
    HEALTH_CHECK,
    GET_SECRET, // always: a secret mount that has no secret is then told "not found", by name
    ...(agents.length > 0 ? [CHECK_AGENT, FORWARD_AGENT] : []),
    ...(files ? [DIFF_COPY] : []),
    ...(services.credentials ? [CREDENTIALS] : []),
  ];
  // Loaded only when a build needs a session: gRPC costs about 70 ms to load.
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
          'X-Docker-Expose-Session-Sharedkey': services.sharedKey ?? id,
          'X-Docker-Expose-Session-Grpc-Method': methods,
        },
        statusCodes: { 101: true, 200: true, 500: 'server error' },
      } as never,
      (error: unknown, stream: unknown) => (error ? reject(error) : resolve(stream as Duplex)),
    );
  }).catch((error: unknown) => {
    throw buildError('build.unsupported', `The engine refused a BuildKit session: ${(error as Error).message}`, error);
  });
  const server = new grpc.Server();
  const byId = new Map(secrets.map((s) => [s.id, s.value]));
  server.addService({ GetSecret: method(GET_SECRET, GetSecretRequest, GetSecretResponse) } as never, {
    GetSecret: (call: { request: { ID: string } }, callback: (error: unknown, value?: object) => void) => {
      const value = byId.get(call.request.ID);
      if (value === undefined) callback({ code: grpc.status.NOT_FOUND, details: `secret ${call.request.ID} not found` });
      else callback(null, { data: value });
    },
  } as never);
  server.addService({ Check: method(HEALTH_CHECK, HealthCheckRequest, HealthCheckResponse) } as never, {
    Check: (_call: unknown, callback: (error: unknown, value?: object) => void) => callback(null, { status: SERVING }),
  } as never);
  if (agents.length > 0) server.addService(sshService(agents) as never, sshHandlers(agents, grpc) as never);
  let failure: Error | undefined;
  if (files) {
    server.addService({ DiffCopy: diffCopyMethod() } as never, {
      DiffCopy: (call: DiffCopyCall) => serveDiffCopy(call, files, (error) => void (failure ??= error)),
    } as never);
  }
  const credentials = services.credentials;
  if (credentials) {
    server.addService({ Credentials: method(CREDENTIALS, CredentialsRequest, CredentialsResponse) } as never, {
      Credentials: (call: { request: { Host: string } }, callback: (error: unknown, value?: object) => void) => {
        const found = credentials(call.request.Host);
        callback(null, found ? { Username: found.username, Secret: found.secret } : {});
      },
    } as never);
  }
  server.createConnectionInjector(grpc.ServerCredentials.createInsecure()).injectConnection(socket);
  return {
    id,
    get failure() {
      return failure;
    },
    close() {
      server.forceShutdown();
      socket.end();
    },
  };
}

function sshService(_agents: readonly SshAgent[]) {
  return {
    CheckAgent: method(CHECK_AGENT, CheckAgentRequest, CheckAgentResponse),
    ForwardAgent: method(FORWARD_AGENT, BytesMessage, BytesMessage, true),
  };
}

interface ForwardCall {
  readonly metadata: { get(key: string): unknown[] };
  on(event: 'data', listener: (message: { data: Uint8Array }) => void): void;
  on(event: 'end' | 'error' | 'cancelled', listener: () => void): void;
  write(message: { data: Uint8Array }): void;
  end(): void;
  destroy(error?: Error): void;
}

/** CheckAgent answers for known ids; ForwardAgent pipes one agent connection through the stream. */
function sshHandlers(agents: readonly SshAgent[], grpc: typeof import('@grpc/grpc-js')) {
  const byId = new Map(agents.map((a) => [a.id, a.socket]));
  return {
    CheckAgent: (call: { request: { ID: string } }, callback: (error: unknown, value?: object) => void) => {
      if (byId.has(call.request.ID || 'default')) callback(null, {});
      else callback({ code: grpc.status.NOT_FOUND, details: `no ssh agent ${call.request.ID}` });
    },
    ForwardAgent: (call: ForwardCall) => {
      const id = String(call.metadata.get('id')[0] ?? 'default');
      const path = byId.get(id);
      if (path === undefined) return call.destroy(Object.assign(new Error(`no ssh agent ${id}`), { code: grpc.status.NOT_FOUND }));
      const agent = createConnection(path);
      agent.on('data', (chunk: Buffer) => call.write({ data: chunk }));
      agent.on('end', () => call.end());
      agent.on('error', (error) => call.destroy(error));
      call.on('data', (message) => agent.write(Buffer.from(message.data)));
      call.on('end', () => agent.end());
      call.on('cancelled', () => agent.destroy());
    },
  };
}
