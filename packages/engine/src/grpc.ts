import { EventEmitter } from 'node:events';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import type { GrpcMethod } from './protocol.js';

/**
 * gRPC over Node's http2, both ways, on any connection: a unix socket, a TLS socket, the Docker
 * Engine's upgraded `/grpc` socket, or the byte stream of a BuildKit session (which carries an
 * HTTP/2 connection of its own inside a gRPC call). Messages are length-prefixed frames (one
 * flag byte, four length bytes); a call's status comes in the trailers (`grpc-status`,
 * `grpc-message`), or in the headers of a response that has no messages.
 */

/** gRPC status codes (grpc/doc/statuscodes.md). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A call that ended with a status other than OK; `details` are the server's words. */
export class GrpcError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly method: string,
    options?: { cause?: unknown },
  ) {
    super(details || `${method}: gRPC status ${code}`, options);
    this.name = 'GrpcError';
  }
}

/** One length-prefixed message. */
export function frame(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0; // not compressed
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

/** Cuts a byte stream into messages; keeps what is left of a message for the next chunk. */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingLength = 0;

  push(chunk: Buffer): Buffer[] {
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    const messages: Buffer[] = [];
    while (this.pendingLength >= 5) {
      const head = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
      if (head[0] !== 0) throw new Error('gRPC: a compressed message arrived, but no compression was agreed');
      const length = head.readUInt32BE(1);
      if (head.length < 5 + length) {
        this.pending = [head];
        break;
      }
      messages.push(head.subarray(5, 5 + length));
      const rest = head.subarray(5 + length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingLength = rest.length;
    }
    return messages;
  }
}

/** Metadata: header names in lower case; a repeated header is an array. */
export type Metadata = Readonly<Record<string, string | readonly string[]>>;

/** The client's side of a call: write requests, read responses, wait for the status. */
export interface ClientCall<Response> extends AsyncIterable<Response> {
  /** Resolves once the message is handed to the connection (it waits while the peer reads slower). */
  write(message: object): Promise<void>;
  /** No more requests. */
  end(): void;
  /** Ends the call at once (the server sees CANCELLED). */
  cancel(): void;
  /** Resolves when the call ends with OK; rejects with a GrpcError (or the connection's error). */
  readonly done: Promise<void>;
}

/** A client for one HTTP/2 connection. */
export class GrpcClient {
  private failure: Error | undefined;

  private constructor(private readonly session: http2.ClientHttp2Session) {
    // An error ends every call with it; without a listener it would end the process.
    session.on('error', (error: Error) => void (this.failure ??= error));
  }

  /** Speaks gRPC on a connection made by `dial` (plain HTTP/2, "h2c"). */
  static over(dial: () => Duplex): GrpcClient {
    return new GrpcClient(http2.connect('http://localhost', { createConnection: dial }));
  }

  /** Speaks gRPC over TLS to `host:port` (with a client certificate for mTLS). */
  static tls(host: string, port: number, tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string }): GrpcClient {
    const authority = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new GrpcClient(http2.connect(authority, { ...tls, ...(tls.servername ? { servername: tls.servername } : {}) }));
  }

  /** Opens a call; a unary call is `call` + one `write` + `end` + the one response. */
  call<Response>(method: GrpcMethod, options: { metadata?: Metadata; signal?: AbortSignal | undefined } = {}): ClientCall<Response> {
    const stream = this.session.request(
      {
        ':method': 'POST',
        ':path': method.path,
        'content-type': 'application/grpc',
        te: 'trailers',
        ...(options.metadata as Record<string, string | string[]> | undefined),
      },
      { endStream: false },
    );
    return clientCall<Response>(stream, method, () => this.failure, options.signal);
  }

  /** One request, one response. */
  async unary<Response>(method: GrpcMethod, request: object, options: { metadata?: Metadata; signal?: AbortSignal | undefined } = {}): Promise<Response> {
    const call = this.call<Response>(method, options);
    await call.write(request);
    call.end();
    let response: Response | undefined;
    for await (const message of call) response ??= message;
    if (response === undefined) throw new GrpcError(GrpcStatus.INTERNAL, `${method.path}: the server answered with no message`, method.path);
    return response;
  }

  /** Whether the connection is still usable. */
  get closed(): boolean {
    return this.session.closed || this.session.destroyed;
  }

  close(): void {
    this.session.close();
    this.session.destroy();
  }
}

function clientCall<Response>(
  stream: http2.ClientHttp2Stream,
  method: GrpcMethod,
  connectionFailure: () => Error | undefined,
  signal: AbortSignal | undefined,
): ClientCall<Response> {
  const queue: Response[] = [];
  let waiting: (() => void) | undefined;
  let ended: { error?: Error } | undefined;
  const reader = new FrameReader();
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => {
      if (ended) return;
      ended = error ? { error } : {};
      signal?.removeEventListener('abort', onAbort);
      waiting?.();
      if (error) reject(error);
      else resolve();
    };
  });
  done.catch(() => undefined); // read through iteration or `done`; never unhandled

  const statusOf = (headers: http2.IncomingHttpHeaders): void => {
    const code = Number(headers['grpc-status']);
    if (code === GrpcStatus.OK) return settle();
    settle(new GrpcError(code, decodeMessage(String(headers['grpc-message'] ?? '')), method.path));
  };
  const onAbort = (): void => {
    stream.close(http2.constants.NGHTTP2_CANCEL);
    settle(Object.assign(new GrpcError(GrpcStatus.CANCELLED, `${method.path}: cancelled`, method.path, { cause: signal?.reason }), { aborted: true }));
  };
  if (signal?.aborted) queueMicrotask(onAbort);
  signal?.addEventListener('abort', onAbort, { once: true });

  stream.on('response', (headers) => {
    const status = Number(headers[':status']);
    if (status !== 200) return settle(new GrpcError(GrpcStatus.UNKNOWN, `${method.path}: HTTP ${status} instead of a gRPC answer`, method.path));
    if (headers['grpc-status'] !== undefined) statusOf(headers); // trailers-only
  });
  stream.on('data', (chunk: Buffer) => {
    try {
      for (const bytes of reader.push(chunk)) queue.push(method.responseType.decode(bytes) as Response);
    } catch (error) {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      settle(error as Error);
    }
    waiting?.();
  });
  stream.on('trailers', statusOf);
  // A stream cancelled because the connection failed carries the connection's error as its cause.
  stream.on('error', (error: Error) => settle(connectionFailure() ?? (error.cause instanceof Error ? error.cause : error)));
  stream.on('close', () => {
    if (!ended) {
      const code = stream.rstCode;
      settle(
        connectionFailure() ??
          new GrpcError(GrpcStatus.UNAVAILABLE, `${method.path}: the connection ended before the call did${code ? ` (HTTP/2 code ${code})` : ''}`, method.path),
      );
    }
  });

  return {
    write(message) {
      if (ended) return ended.error ? Promise.reject(ended.error) : Promise.resolve();
      const bytes = frame(method.requestType.encode(message).finish());
      if (stream.write(bytes)) return Promise.resolve();
      return new Promise((resolve) => {
        const go = (): void => {
          stream.off('drain', go);
          stream.off('close', go);
          resolve();
        };
        stream.on('drain', go);
        stream.on('close', go);
      });
    },
    end() {
      if (!stream.closed && !stream.writableEnded) stream.end();
    },
    cancel() {
      if (!stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
      settle(new GrpcError(GrpcStatus.CANCELLED, `${method.path}: cancelled`, method.path));
    },
    done,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        if (ended) {
          if (ended.error) throw ended.error;
          return;
        }
        await new Promise<void>((resolve) => (waiting = resolve));
        waiting = undefined;
      }
    },
  };
}

function decodeMessage(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The server's side of a call, shaped like grpc-js's (`on('data')`, `write`, `end`, `destroy`). */
export interface ServerCall<Request> {
  readonly metadata: { get(key: string): string[] };
  on(event: 'data', listener: (message: Request) => void): this;
  on(event: 'end' | 'cancelled', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  once(event: 'drain', listener: () => void): this;
  /** False when the peer reads slower: wait for 'drain'. */
  write(message: object): boolean;
  /** Stop and go on reading the peer's messages (while what they are written to catches up). */
  pause(): void;
  resume(): void;
  /** Ends the call with OK. */
  end(): void;
  /** Ends the call with `error.code` (a gRPC status; UNKNOWN when missing) and its message. */
  destroy(error?: Error & { code?: unknown }): void;
}

/** What serves one method. */
export interface ServerMethod {
  readonly method: GrpcMethod;
  readonly handle: (call: ServerCall<never>) => void;
}

/** A unary method from a function of the request (an error thrown carries its gRPC `code`). */
export function unaryMethod<Request>(
  method: GrpcMethod,
  answer: (request: Request, metadata: ServerCall<Request>['metadata']) => object | Promise<object>,
): ServerMethod {
  return {
    method,
    handle: (call: ServerCall<Request>) => {
      let answered = false;
      call.on('data', (request) => {
        if (answered) return;
        answered = true;
        Promise.resolve()
          .then(() => answer(request, call.metadata))
          .then(
            (response) => {
              call.write(response);
              call.end();
            },
            (error: Error & { code?: unknown }) => call.destroy(error),
          );
      });
    },
  } as ServerMethod;
}

/**
 * Serves methods on a connection the peer opened as the HTTP/2 client (a session: BuildKit or
 * the Docker Engine calls us). Unknown methods are answered UNIMPLEMENTED.
 */
export function serveGrpc(connection: Duplex, methods: readonly ServerMethod[]): { close(): void } {
  const byPath = new Map(methods.map((m) => [m.method.path, m]));
  const server = http2.createServer();
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => undefined); // the connection went away: the calls see it
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const entry = byPath.get(String(headers[':path']));
    if (!entry) {
      stream.on('error', () => undefined);
      stream.respond(
        {
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': String(GrpcStatus.UNIMPLEMENTED),
          'grpc-message': encodeURIComponent(`unknown method ${headers[':path']}`),
        },
        { endStream: true },
      );
      return;
    }
    entry.handle(serverCall(stream, headers, entry.method) as ServerCall<never>);
  });
  server.emit('connection', connection);
  return {
    close() {
      for (const session of sessions) session.destroy();
      connection.destroy();
    },
  };
}

function serverCall(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, method: GrpcMethod): ServerCall<unknown> {
  const events = new EventEmitter();
  const reader = new FrameReader();
  let responded = false;
  let finished = false;
  let status = { code: GrpcStatus.OK as number, message: '' };
  const respond = (): void => {
    if (responded) return;
    responded = true;
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  };
  stream.on('wantTrailers', () =>
    stream.sendTrailers({ 'grpc-status': String(status.code), ...(status.message ? { 'grpc-message': encodeURIComponent(status.message) } : {}) }),
  );
  stream.on('data', (chunk: Buffer) => {
    try {
      for (const bytes of reader.push(chunk)) events.emit('data', method.requestType.decode(bytes));
    } catch (error) {
      call.destroy(Object.assign(error as Error, { code: GrpcStatus.INTERNAL }));
    }
  });
  stream.on('end', () => events.emit('end'));
  stream.on('drain', () => events.emit('drain'));
  stream.on('error', (error) => {
    if (events.listenerCount('error') > 0) events.emit('error', error);
  });
  stream.on('close', () => {
    if (!finished) {
      finished = true;
      events.emit('cancelled');
    }
  });
  const call: ServerCall<unknown> = {
    metadata: {
      get(key) {
        const value = headers[key.toLowerCase()];
        return value === undefined ? [] : Array.isArray(value) ? value : [String(value)];
      },
    },
    // biome-ignore lint/suspicious/noExplicitAny: an EventEmitter's listeners take any arguments
    on(event: string, listener: (...args: any[]) => void) {
      events.on(event, listener);
      return call;
    },
    once(event: string, listener: () => void) {
      events.once(event, listener);
      return call;
    },
    pause() {
      stream.pause();
    },
    resume() {
      stream.resume();
    },
    write(message) {
      if (finished || stream.closed) return true;
      respond();
      return stream.write(frame(method.responseType.encode(message).finish()));
    },
    end() {
      if (finished || stream.closed) return;
      finished = true;
      respond();
      stream.end();
    },
    destroy(error) {
      if (finished || stream.closed) return;
      finished = true;
      const code = typeof error?.code === 'number' ? error.code : GrpcStatus.UNKNOWN;
      const message = error?.message ?? '';
      if (!responded) {
        responded = true;
        stream.respond(
          {
            ':status': 200,
            'content-type': 'application/grpc',
            'grpc-status': String(code),
            ...(message ? { 'grpc-message': encodeURIComponent(message) } : {}),
          },
          { endStream: true },
        );
        return;
      }
      status = { code, message };
      stream.end();
    },
  } as ServerCall<unknown>;
  return call;
}
