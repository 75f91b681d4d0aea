import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import type protobuf from 'protobufjs';

/**
 * The BuildKit protocol as our `.proto` files describe it (`packages/engine/proto`): the
 * Control API we call, and the session services BuildKit calls back. Loaded once, on first use.
 */
export interface GrpcMethod {
  /** `/moby.buildkit.v1.Control/Solve` */
  readonly path: string;
  readonly requestType: protobuf.Type;
  readonly responseType: protobuf.Type;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

const FILES = ['control.proto', 'filesync.proto', 'secrets.proto', 'sshforward.proto', 'health.proto'];

let loaded: protobuf.Root | undefined;

function root(): protobuf.Root {
  if (loaded) return loaded;
  const dir = protoDir();
  // Loaded on first use (about 25 ms): a classic build never needs it.
  const { Root } = createRequire(import.meta.url)('protobufjs') as typeof protobuf;
  const result = new Root();
  // google/protobuf/*.proto are built into protobufjs.
  result.resolvePath = (_origin, target) => (target.startsWith('google/') ? target : join(dir, target));
  result.loadSync(FILES, { keepCase: true });
  result.resolveAll();
  loaded = result;
  return result;
}

/** `proto/` beside `src/` and `dist/`: this module runs from either. */
function protoDir(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'proto', 'control.proto'))) return join(dir, 'proto');
  }
  throw new Error(`dockwright: the BuildKit protocol files (proto/control.proto) are missing beside ${fileURLToPath(import.meta.url)}`);
}

/** A method by its full name: `moby.buildkit.v1.Control/Solve`. */
export function grpcMethod(name: string): GrpcMethod {
  const [service, methodName] = name.split('/') as [string, string];
  const method = root().lookupService(service).methods[methodName];
  if (!method) throw new Error(`dockwright: ${name} is not in the protocol files`);
  return {
    path: `/${name}`,
    requestType: method.resolvedRequestType!,
    responseType: method.resolvedResponseType!,
    requestStream: method.requestStream ?? false,
    responseStream: method.responseStream ?? false,
  };
}

/** A message type by its full name: `moby.buildkit.v1.StatusResponse`. */
export function messageType(name: string): protobuf.Type {
  return root().lookupType(name);
}
