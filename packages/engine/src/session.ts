import { createConnection } from 'node:net';
import type { Duplex, Writable } from 'node:stream';
import { buildError } from './errors.js';
import { fileSyncMethod, type SyncDirectory } from './filesync.js';
import { GrpcStatus, serveGrpc, unaryMethod, type ServerCall, type ServerMethod } from './grpc.js';
import { grpcMethod } from './protocol.js';

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
  /** Registry credentials for BuildKit's pulls and pushes (moby.filesync.v1.Auth/Credentials); never printed. */
  readonly credentials?: ((host: string) => { readonly username: string; readonly secret: string } | undefined) | undefined;
  /**
   * Where an exporter's file goes (a tar, an OCI or docker archive), by the exporter's index in
   * the solve request; BuildKit sends it through FileSend.
   */
  readonly outputs?: ReadonlyMap<number, () => Writable> | undefined;
  /**
   * Names the local files across builds, so BuildKit sends only what changed since the last
   * build of the same folder (the docker CLI hashes the context's path into it).
   */
  readonly sharedKey?: string | undefined;
}

/** An open BuildKit session: pass `id` as the build's `session`, then `close()` it. */
export interface Session {
  readonly id: string;
  /** Why sending or receiving files failed, when it did (BuildKit then reports the build failed too, in its words). */
  readonly failure: Error | undefined;
  close(): void;
}

const HEALTH_SERVING = 1;

/** The methods a session offers, as BuildKit reads them from `X-Docker-Expose-Session-*` headers. */
export function sessionHeaders(id: string, name: string, services: SessionServices): Record<string, string | string[]> {
  return {
    'x-docker-expose-session-uuid': id,
    'x-docker-expose-session-name': name,
    'x-docker-expose-session-sharedkey': services.sharedKey ?? id,
    'x-docker-expose-session-grpc-method': offered(services),
  };
}

function offered(services: SessionServices): string[] {
  const paths = [
    'grpc.health.v1.Health/Check',
    'moby.buildkit.secrets.v1.Secrets/GetSecret', // always: a secret mount that has no secret is then told "not found", by name
    ...((services.ssh?.length ?? 0) > 0 ? ['moby.sshforward.v1.SSH/CheckAgent', 'moby.sshforward.v1.SSH/ForwardAgent'] : []),
    ...(services.files ? ['moby.filesync.v1.FileSync/DiffCopy'] : []),
    ...(services.credentials ? ['moby.filesync.v1.Auth/Credentials'] : []),
    ...(services.outputs ? ['moby.filesync.v1.FileSend/DiffCopy'] : []),
  ];
  return paths.map((path) => `/${path}`);
}

/**
 * Serves a session on a connection the daemon opened to us (the Docker Engine's `/session`
 * upgrade, or the bytes of BuildKit's `Control.Session`): FileSync (the context and the
 * Dockerfile), secrets, SSH agents (each agent connection piped through a stream), registry
 * credentials, exporters' files, and the health checks the Docker Engine makes every second.
 */
export function serveSession(connection: Duplex, id: string, services: SessionServices): Session {
  let failure: Error | undefined;
  const noteFailure = (error: Error): void => void (failure ??= error);
  const secrets = new Map((services.secrets ?? []).map((s) => [s.id, s.value]));
  const methods: ServerMethod[] = [
    unaryMethod(grpcMethod('grpc.health.v1.Health/Check'), () => ({ status: HEALTH_SERVING })),
    unaryMethod<{ ID: string }>(grpcMethod('moby.buildkit.secrets.v1.Secrets/GetSecret'), (request) => {
      const value = secrets.get(request.ID);
      if (value === undefined) throw Object.assign(new Error(`secret ${request.ID} not found`), { code: GrpcStatus.NOT_FOUND });
      return { data: value };
    }),
  ];
  if ((services.ssh?.length ?? 0) > 0) methods.push(...sshMethods(services.ssh!));
  if (services.files) methods.push(fileSyncMethod(services.files, noteFailure));
  const credentials = services.credentials;
  if (credentials) {
    methods.push(
      unaryMethod<{ Host: string }>(grpcMethod('moby.filesync.v1.Auth/Credentials'), (request) => {
        const found = credentials(request.Host);
        return found ? { Username: found.username, Secret: found.secret } : {};
      }),
    );
  }
  if (services.outputs) methods.push(fileSendMethod(services.outputs, noteFailure));
  const server = serveGrpc(connection, methods);
  return {
    id,
    get failure() {
      return failure;
    },
    close() {
      server.close();
    },
  };
}

/** CheckAgent answers for known ids; ForwardAgent pipes one agent connection through the stream. */
function sshMethods(agents: readonly SshAgent[]): ServerMethod[] {
  const byId = new Map(agents.map((a) => [a.id, a.socket]));
  const forward = (call: ServerCall<{ data: Uint8Array }>): void => {
    const id = call.metadata.get('id')[0] ?? 'default';
    const path = byId.get(id);
    if (path === undefined) return call.destroy(Object.assign(new Error(`no ssh agent ${id}`), { code: GrpcStatus.NOT_FOUND }));
    const agent = createConnection(path);
    agent.on('data', (chunk: Buffer) => call.write({ data: chunk }));
    agent.on('end', () => call.end());
    agent.on('error', (error) => call.destroy(error));
    call.on('data', (message) => agent.write(Buffer.from(message.data)));
    call.on('end', () => agent.end());
    call.on('cancelled', () => agent.destroy());
  };
  return [
    unaryMethod<{ ID: string }>(grpcMethod('moby.sshforward.v1.SSH/CheckAgent'), (request) => {
      if (!byId.has(request.ID || 'default')) throw Object.assign(new Error(`no ssh agent ${request.ID}`), { code: GrpcStatus.NOT_FOUND });
      return {};
    }),
    { method: grpcMethod('moby.sshforward.v1.SSH/ForwardAgent'), handle: forward as ServerMethod['handle'] },
  ];
}

/** FileSend: BuildKit writes an exporter's file (a tar) to us, in chunks, to the exporter's output. */
function fileSendMethod(outputs: ReadonlyMap<number, () => Writable>, onError: (error: Error) => void): ServerMethod {
  const receive = (call: ServerCall<{ data: Uint8Array }>): void => {
    const index = Number(call.metadata.get('buildkit-attachable-exporter-id')[0] ?? 0);
    const open = outputs.get(index);
    if (!open) return call.destroy(Object.assign(new Error(`exporter ${index} not found`), { code: GrpcStatus.NOT_FOUND }));
    let target: Writable;
    try {
      target = open();
    } catch (error) {
      onError(error as Error);
      return call.destroy(Object.assign(error as Error, { code: GrpcStatus.INTERNAL }));
    }
    target.on('error', (error) => {
      onError(error);
      call.destroy(Object.assign(error, { code: GrpcStatus.INTERNAL }));
    });
    call.on('data', (message) => {
      if (!target.write(message.data)) {
        call.pause();
        target.once('drain', () => call.resume());
      }
    });
    call.on('end', () => target.end(() => call.end()));
    call.on('cancelled', () => target.destroy(new Error('BuildKit stopped sending the output')));
  };
  return { method: grpcMethod('moby.filesync.v1.FileSend/DiffCopy'), handle: receive as ServerMethod['handle'] };
}

/** A session's connection could not be opened. */
export function sessionRefused(what: string, cause: unknown): Error {
  return buildError('build.unsupported', `${what} refused a BuildKit session: ${(cause as Error).message}`, cause);
}
