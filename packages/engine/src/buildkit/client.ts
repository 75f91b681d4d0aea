import { createConnection } from 'node:net';
import { Duplex } from 'node:stream';
import { buildError } from '../errors.js';
import { GrpcClient, GrpcError, GrpcStatus, type ClientCall } from '../grpc.js';
import type { StatusResponse } from '../progress.js';
import { grpcMethod } from '../protocol.js';
import type { BuildkitEndpoint } from './address.js';

/** What `Control.Info` and `Control.ListWorkers` say about a daemon. */
export interface BuildkitInfo {
  readonly address: string;
  readonly source: string;
  /** `v0.21.1` (a daemon built without version information says `v0.0.0+unknown`). */
  readonly version: string;
  readonly revision: string;
  readonly workers: readonly { readonly id: string; readonly platforms: readonly string[]; readonly labels: Readonly<Record<string, string>> }[];
}

/** `Control.Solve`'s request, as control.proto names its fields. */
export interface SolveRequest {
  readonly Ref: string;
  readonly Session: string;
  readonly Frontend: string;
  readonly FrontendAttrs: Readonly<Record<string, string>>;
  readonly Exporters: readonly { readonly Type: string; readonly Attrs: Readonly<Record<string, string>> }[];
  readonly ExporterDeprecated?: string;
  readonly ExporterAttrsDeprecated?: Readonly<Record<string, string>>;
  readonly Cache: {
    readonly Exports: readonly { readonly Type: string; readonly Attrs: Readonly<Record<string, string>> }[];
    readonly Imports: readonly { readonly Type: string; readonly Attrs: Readonly<Record<string, string>> }[];
  };
  readonly Entitlements?: readonly string[];
}

/**
 * A client of one BuildKit daemon's Control API (`moby.buildkit.v1.Control`), on one HTTP/2
 * connection that every call of a run shares.
 */
export class BuildkitClient {
  private constructor(
    private readonly grpc: GrpcClient,
    readonly endpoint: BuildkitEndpoint,
  ) {}

  /**
   * Connects to `endpoint`. `dialEngine` opens the Docker Engine's upgraded `/grpc` socket (for
   * `docker://`); the engine side of dockwright provides it.
   */
  static async connect(endpoint: BuildkitEndpoint, dialEngine?: () => Promise<Duplex>): Promise<BuildkitClient> {
    switch (endpoint.kind) {
      case 'unix':
        return new BuildkitClient(
          GrpcClient.over(() => createConnection(endpoint.path)),
          endpoint,
        );
      case 'tcp':
        if (endpoint.tls) return new BuildkitClient(GrpcClient.tls(endpoint.host, endpoint.port, endpoint.tls), endpoint);
        return new BuildkitClient(
          GrpcClient.over(() => createConnection({ host: endpoint.host, port: endpoint.port })),
          endpoint,
        );
      case 'docker': {
        if (!dialEngine) throw new Error('dockwright: docker:// needs the engine connection');
        const socket = await dialEngine().catch((error: unknown) => {
          throw buildError(
            'engine.unreachable',
            `The Docker Engine did not open its BuildKit API (POST /grpc): ${(error as Error).message}. Docker 20.10 and later have it; else use --builder buildkit.`,
            error,
          );
        });
        return new BuildkitClient(
          GrpcClient.over(() => socket),
          endpoint,
        );
      }
    }
  }

  /** The daemon's version and its workers' platforms; refuses, in words, what is not a BuildKit daemon. */
  async info(timeoutMs = 10_000): Promise<BuildkitInfo> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      // Info came with BuildKit v0.11; the Docker Engine 20.10's BuildKit has only ListWorkers.
      const info = await this.grpc
        .unary<{ buildkitVersion?: { version?: string; revision?: string } }>(grpcMethod('moby.buildkit.v1.Control/Info'), {}, { signal })
        .catch((error: unknown) => {
          if (error instanceof GrpcError && error.code === GrpcStatus.UNIMPLEMENTED)
            return { buildkitVersion: { version: 'before v0.11 (no Info)', revision: '' } };
          throw error;
        });
      const workers = await this.grpc.unary<{
        record?: { ID: string; platforms?: { OS: string; Architecture: string; Variant?: string }[]; Labels?: Record<string, string> }[];
      }>(grpcMethod('moby.buildkit.v1.Control/ListWorkers'), {}, { signal });
      return {
        address: this.endpoint.address,
        source: this.endpoint.source,
        version: info.buildkitVersion?.version || 'unknown',
        revision: info.buildkitVersion?.revision ?? '',
        workers: (workers.record ?? []).map((w) => ({
          id: w.ID,
          platforms: (w.platforms ?? []).map((p) => `${p.OS}/${p.Architecture}${p.Variant ? `/${p.Variant}` : ''}`),
          labels: w.Labels ?? {},
        })),
      };
    } catch (error) {
      throw this.unreachable(signal.aborted ? new Error(`no answer within ${timeoutMs / 1000} s`, { cause: error }) : error);
    }
  }

  solve(request: SolveRequest, signal: AbortSignal): Promise<{ ExporterResponse?: Record<string, string> }> {
    return this.grpc.unary(grpcMethod('moby.buildkit.v1.Control/Solve'), request, { signal });
  }

  /** The progress of a solve, by its ref; opened before the solve so nothing is missed. */
  status(ref: string, signal: AbortSignal): ClientCall<StatusResponse> {
    const call = this.grpc.call<StatusResponse>(grpcMethod('moby.buildkit.v1.Control/Status'), { signal });
    void call.write({ Ref: ref }).then(() => call.end());
    return call;
  }

  /**
   * `Control.Session`: a byte stream both ways, carrying the HTTP/2 connection on which the
   * daemon calls the session's services (`metadata` says which, see `sessionHeaders`).
   */
  session(metadata: Record<string, string | string[]>): Duplex {
    const call = this.grpc.call<{ data: Uint8Array }>(grpcMethod('moby.buildkit.v1.Control/Session'), { metadata });
    let wanted: (() => void) | undefined;
    const duplex = new Duplex({
      write(chunk: Buffer, _encoding, callback) {
        call.write({ data: chunk }).then(() => callback(), callback);
      },
      final(callback) {
        call.end();
        callback();
      },
      read() {
        wanted?.();
        wanted = undefined;
      },
      destroy(error, callback) {
        call.cancel();
        callback(error);
      },
    });
    void (async () => {
      for await (const message of call) {
        if (!duplex.push(Buffer.from(message.data))) await new Promise<void>((resolve) => (wanted = resolve));
      }
      duplex.push(null);
    })().catch((error: unknown) => {
      // The session ends when the daemon is done with it: a cancel from our side is no error.
      if ((error as GrpcError).code === GrpcStatus.CANCELLED) duplex.push(null);
      else duplex.destroy(error as Error);
    });
    return duplex;
  }

  /** True once the connection broke: nothing more can be asked of this daemon. */
  get closed(): boolean {
    return this.grpc.closed;
  }

  /** The daemon did not answer, or answered as something else. */
  unreachable(cause: unknown): Error {
    if (cause instanceof GrpcError && cause.code === GrpcStatus.UNIMPLEMENTED) {
      return buildError(
        'engine.notDocker',
        `The server at ${this.endpoint.address} (${this.endpoint.source}) answered, but it is not a BuildKit daemon: ${cause.details}.`,
        cause,
      );
    }
    const code = (cause as { code?: unknown }).code;
    if (code === 'ERR_HTTP2_ERROR' || code === 'ERR_HTTP2_SESSION_ERROR') {
      return buildError(
        'engine.notDocker',
        `The server at ${this.endpoint.address} (${this.endpoint.source}) answered, but not in gRPC over HTTP/2: it is not a BuildKit daemon (${(cause as Error).message}).`,
        cause,
      );
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    return buildError(
      'engine.unreachable',
      `No BuildKit daemon answered at ${this.endpoint.address} (${this.endpoint.source}): ${reason}. Start buildkitd there, or point dockwright at another with --builder or BUILDKIT_HOST.`,
      cause,
    );
  }

  close(): void {
    this.grpc.close();
  }
}
